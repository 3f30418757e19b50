"""Truth records rendered as each product API answers them (PROTOCOL.md section 5), noise included.

Shapes follow PROTOCOL.md. Where it is silent the choices are:

- Search items (keyword, seller, image): ``priceInfo`` values are strings,
  ``monthSold`` an integer, ``repurchaseRate`` a percent string (``"12%"``),
  dates ``"2024-04-20 08:00:00"``; ``productSimpleShippingInfo`` is left out
  for some offers without a shipping guarantee. Image search items add
  ``companyName`` and ``companyAddress``.
- ``queryProductDetail``: prices are strings; stock counts are integers or
  strings depending on the offer; ``productAttribute[].attributeId`` is a
  string while ``skuAttributes[].attributeId`` is an integer; image URLs are
  absolute; ``soldOut`` is a boolean (nothing on sale); ``sellerDataInfo``
  scores are strings (``"4.5"``, repeat purchase as a fraction ``"0.35"``);
  ``tradeMedalLevel`` is a string.
- ``alibaba.cross.productList``: prices are JSON numbers (written with the
  exact digits of the price), images and ``skuImageUrl`` are relative to
  ``https://cbu01.alicdn.com/``, dates use the gateway form
  ``20240420080000000+0800``, ``shippingInfo`` holds ``unitWeight`` (kg),
  ``packageSize`` (``"LxWxH"`` in cm), ``sendGoodsAddressText`` and
  ``handlingTime`` (hours), and there is no English title, seller open id,
  sales or seller scores, as in the real API.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from .noise import Noise, OfferNoise, count, full_width, padded, price_text
from .records import Offer, Sku, SpecValue

JsonObject = dict[str, Any]


def product_date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def gateway_date(moment: datetime) -> str:
    """``20240420080000000+0800``: milliseconds, China time."""
    return moment.strftime("%Y%m%d%H%M%S") + f"{moment.microsecond // 1000:03d}+0800"


def _money(price: Decimal | None, noise: OfferNoise) -> str | None:
    return None if price is None else price_text(price, noise)


def _number(price: Decimal) -> float:
    """A JSON number with the price's exact digits (a float's shortest repr round-trips them)."""
    return float(price)


def _optional(target: JsonObject, key: str, value: Any, noise: OfferNoise) -> None:
    """Set a key, or for some offers leave an absent value out instead of sending ``null``."""
    if value is not None or not noise.omit_nulls:
        target[key] = value


def _spec_value(value: SpecValue, noise: OfferNoise, salt: int) -> str:
    text = full_width(value.value) if noise.full_width and value.value.isascii() else value.value
    return padded(text, noise, salt)


def _with_duplicate(skus: tuple[Sku, ...], noise: OfferNoise) -> list[Sku]:
    listed = list(skus)
    if noise.duplicate_sku is not None and listed:
        position = noise.duplicate_sku % len(listed)
        listed.insert(position + 1, listed[position])
    return listed


class Renderer:
    """Renders truth records; ``image_host`` prefixes absolute image URLs."""

    def __init__(self, seed: int, image_host: str):
        self._noise = Noise(seed)
        self.image_host = image_host.rstrip("/")

    def noise(self, offer: Offer) -> OfferNoise:
        return self._noise.for_offer(offer.offer_id, len(offer.skus))

    def _url(self, path: str) -> str:
        return f"{self.image_host}/{path}"

    def search_item(self, offer: Offer) -> JsonObject:
        """One item of ``keywordQuery`` / ``querySellerOfferList`` answers."""
        noise = self.noise(offer)
        item: JsonObject = {
            "imageUrl": self._url(offer.image_paths[0]),
            "subject": padded(offer.title, noise),
            "subjectTrans": offer.title_en,
            "offerId": offer.offer_id,
            "isJxhy": False,
            "priceInfo": {
                "price": price_text(offer.price, noise),
                "jxhyPrice": None,
                "pfJxhyPrice": None,
                "consignPrice": price_text(offer.consign_price, noise),
                "promotionPrice": _money(offer.promotion_price, noise),
            },
            "repurchaseRate": f"{int(offer.repurchase_rate * 100)}%",
            "monthSold": offer.month_sold,
            "traceInfo": f"object_id@{offer.offer_id}^object_type@offer",
            "isOnePsale": offer.one_psale,
            "sellerIdentities": list(offer.seller.identities),
            "topCategoryId": offer.category.top_id,
            "secondCategoryId": offer.category.second_id,
            "thirdCategoryId": offer.category.id,
            "minOrderQuantity": offer.min_order_quantity,
            "createDate": product_date(offer.create_date),
            "modifyDate": product_date(offer.modify_date),
        }
        if offer.shipping.guarantee is not None or not noise.omit_nulls:
            item["productSimpleShippingInfo"] = {"shippingTimeGuarantee": offer.shipping.guarantee}
        return item

    def image_search_item(self, offer: Offer) -> JsonObject:
        item = self.search_item(offer)
        item["companyName"] = offer.seller.company_name
        item["companyAddress"] = offer.seller.address
        return item

    def detail(self, offer: Offer) -> JsonObject:
        """``result.result`` of ``product.search.queryProductDetail``."""
        noise = self.noise(offer)
        seller = offer.seller
        detail: JsonObject = {
            "offerId": offer.offer_id,
            "categoryId": offer.category.id,
            "categoryName": None if noise.category_name_null else offer.category.name,
            "subject": padded(offer.title, noise),
            "subjectTrans": offer.title_en,
            "description": offer.description_html,
            "mainVideo": None,
            "productImage": {
                "images": [self._url(path) for path in offer.image_paths],
                "whiteImage": self._url(offer.white_image_path) if offer.white_image_path else None,
            },
            "productAttribute": [
                {
                    "attributeId": str(attribute.attribute_id),
                    "attributeName": attribute.name,
                    "value": padded(attribute.value, noise, position),
                    "attributeNameTrans": attribute.name_en,
                    "valueTrans": attribute.value_en,
                }
                for position, attribute in enumerate(offer.attributes)
            ],
            "productSkuInfos": [self._detail_sku(sku, noise) for sku in _with_duplicate(offer.skus, noise)],
            "productSaleInfo": {
                "amountOnSale": count(offer.stock, noise),
                "priceRangeList": [
                    {
                        "startQuantity": tier.start_quantity,
                        "price": price_text(tier.price, noise),
                        "promotionPrice": _money(tier.promotion_price, noise),
                    }
                    for tier in offer.price_tiers
                ],
                "quoteType": offer.quote_type,
                "unitInfo": {"unit": offer.unit, "transUnit": offer.unit_en},
            },
            "isJxhy": False,
            "sellerOpenId": seller.open_id,
            "companyName": seller.company_name,
            "minOrderQuantity": offer.min_order_quantity,
            "batchNumber": offer.batch_number,
            "status": offer.status,
            "soldOut": offer.sold_out,
            "traceInfo": f"object_id@{offer.offer_id}^object_type@offer",
            "createDate": product_date(offer.create_date),
        }
        if not noise.no_shipping_block:
            detail["productShippingInfo"] = {
                "sendGoodsAddressText": offer.shipping.send_from,
                "weight": _number(offer.shipping.weight_kg),
                "length": offer.shipping.length_cm,
                "width": offer.shipping.width_cm,
                "height": offer.shipping.height_cm,
                "shippingTimeGuarantee": offer.shipping.guarantee,
            }
        if not noise.no_tags:
            detail["tagInfoList"] = [{"key": key, "value": value} for key, value in offer.tags]
        scores = seller.scores
        detail["sellerDataInfo"] = None if noise.no_seller_data else {
            "tradeMedalLevel": str(scores.trade_medal_level),
            "compositeServiceScore": str(scores.composite_service),
            "logisticsExperienceScore": str(scores.logistics_experience),
            "disputeComplaintScore": str(scores.dispute_complaint),
            "offerExperienceScore": str(scores.offer_experience),
            "consultingExperienceScore": str(scores.consulting_experience),
            "afterSalesExperienceScore": str(scores.after_sales_experience),
            "repeatPurchasePercent": str(scores.repeat_purchase_percent),
        }
        return detail

    def _detail_sku(self, sku: Sku, noise: OfferNoise) -> JsonObject:
        attributes = []
        for position, value in enumerate(sku.attributes):
            attribute: JsonObject = {
                "attributeId": value.attribute_id,
                "attributeName": value.name,
                "attributeNameTrans": value.name_en,
                "value": _spec_value(value, noise, position),
                "valueTrans": value.value_en,
            }
            _optional(attribute, "skuImageUrl", self._url(value.image_path) if value.image_path else None, noise)
            attributes.append(attribute)
        entry: JsonObject = {
            "amountOnSale": count(sku.stock, noise),
            "price": price_text(sku.price, noise),
            "jxhyPrice": None,
            "skuId": sku.sku_id,
            "specId": sku.spec_id,
            "skuAttributes": attributes,
            "pfJxhyPrice": None,
            "consignPrice": price_text(sku.consign_price, noise),
            "cargoNumber": sku.cargo_number,
        }
        _optional(entry, "promotionPrice", _money(sku.promotion_price, noise), noise)
        return entry

    def product_list_item(self, offer: Offer) -> JsonObject:
        """One entry of ``alibaba.cross.productList``'s ``productList``."""
        noise = self.noise(offer)
        shipping = offer.shipping
        return {
            "productID": offer.offer_id,
            "productType": "wholesale",
            "categoryID": offer.category.id,
            "subject": padded(offer.title, noise),
            "description": offer.description_html,
            "language": "CHINESE",
            "status": offer.status,
            "image": {"images": list(offer.image_paths)},
            "attributes": [
                {"attributeID": attribute.attribute_id, "attributeName": attribute.name,
                 "value": padded(attribute.value, noise, position), "isCustom": False}
                for position, attribute in enumerate(offer.attributes)
            ],
            "skuInfos": [self._list_sku(sku, noise) for sku in _with_duplicate(offer.skus, noise)],
            "saleInfo": {
                "supportOnlineTrade": True,
                "mixWholeSale": dict(offer.tags).get("isSupportMix", False),
                "priceRanges": [
                    {"startQuantity": tier.start_quantity, "price": _number(tier.price)} for tier in offer.price_tiers
                ],
                "amountOnSale": offer.stock,
                "unit": offer.unit,
                "minOrderQuantity": offer.min_order_quantity,
                "batchNumber": offer.batch_number,
                "quoteType": offer.quote_type,
            },
            "shippingInfo": {
                "sendGoodsAddressText": shipping.send_from,
                "unitWeight": _number(shipping.weight_kg),
                "packageSize": f"{shipping.length_cm}x{shipping.width_cm}x{shipping.height_cm}",
                "handlingTime": {"shipIn24Hours": 24, "shipIn48Hours": 48}.get(shipping.guarantee or "", 72),
            },
            "supplierLoginId": offer.seller.login_id,
            "createTime": gateway_date(offer.create_date),
            "lastUpdateTime": gateway_date(offer.modify_date),
        }

    def _list_sku(self, sku: Sku, noise: OfferNoise) -> JsonObject:
        attributes = []
        for position, value in enumerate(sku.attributes):
            attribute: JsonObject = {
                "attributeID": value.attribute_id,
                "attributeValue": _spec_value(value, noise, position),
                "attributeDisplayName": value.name,
            }
            _optional(attribute, "skuImageUrl", value.image_path, noise)
            attributes.append(attribute)
        entry: JsonObject = {
            "attributes": attributes,
            "cargoNumber": sku.cargo_number,
            "amountOnSale": sku.stock,
            "price": _number(sku.price),
            "consignPrice": _number(sku.consign_price),
            "skuId": sku.sku_id,
            "specId": sku.spec_id,
        }
        _optional(entry, "promotionPrice", _number(sku.promotion_price) if sku.promotion_price else None, noise)
        return entry
