"""``product.search.queryProductDetail``'s ``ProductDetailModel``, field by field as its page defines it.

The page's choices that clients trip over are kept: ``soldOut`` is a
String sales volume; ``skuShippingInfoList`` weighs in grams (Long) while
``skuShippingDetails`` weighs the same package in kilograms (Double) and
types ``skuId`` as a String; ``isSelect`` is a String here (a Boolean in
search); the SKU and sale ``consignPrice``/``jxhyPrice``/``pfJxhyPrice`` are
deprecated (``null`` or absent). Choices where the page is silent are listed
in :mod:`answers`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .facts import MEASURED
from .images import IMAGE_HOST
from .noise import OfferNoise, count, full_width, padded, price_text
from .records import Offer, Sku, SpecValue
from .shapes import JsonObject, invoice_info, money, optional, product_date, promotion_model, trace

#: CNY -> currency rates the sandbox converts with when ``currency`` is given (the real list is UNCONFIRMED).
RATES: dict[str, Decimal] = {
    "USD": Decimal("0.1380"),
    "HKD": Decimal("1.0800"),
    "EUR": Decimal("0.1280"),
    "GBP": Decimal("0.1090"),
    "JPY": Decimal("21.50"),
    "KRW": Decimal("190.0"),
    "AUD": Decimal("0.2100"),
    "CAD": Decimal("0.1900"),
    "RUB": Decimal("12.60"),
    "THB": Decimal("4.950"),
    "VND": Decimal("3520"),
    "BRL": Decimal("0.7600"),
}
SOLD_OUT_SALES = ("totalSales", "sales30")
_CENT = Decimal("0.01")


def _number(value: Decimal) -> float:
    """A JSON number with the value's exact digits (a float's shortest repr round-trips them)."""
    return float(value)


def _kilograms(grams: int) -> float:
    return _number(Decimal(grams).scaleb(-3))


def _spec_value(value: SpecValue, noise: OfferNoise, salt: int) -> str:
    text = full_width(value.value) if noise.full_width and value.value.isascii() else value.value
    return padded(text, noise, salt)


def _with_duplicate(skus: tuple[Sku, ...], noise: OfferNoise) -> list[Sku]:
    listed = list(skus)
    if noise.duplicate_sku is not None and listed:
        position = noise.duplicate_sku % len(listed)
        listed.insert(position + 1, listed[position])
    return listed


class DetailRenderer:
    def __init__(self, image_host: str, video_host: str, sold_out_sales: str):
        if sold_out_sales not in SOLD_OUT_SALES:
            raise ValueError(f"sold_out_sales={sold_out_sales!r}: use one of {', '.join(SOLD_OUT_SALES)}")
        self._image_host = image_host
        self._video_host = video_host
        self._sold_out_sales = sold_out_sales

    def _url(self, path: str | None) -> str | None:
        return None if path is None else f"{self._image_host}/{path}"

    def _video(self, path: str | None) -> str | None:
        return None if path is None else f"{self._video_host}/{path}"

    def _html(self, description: str | None) -> str | None:
        """A description whose pictures point at the configured image host (the record keeps alicdn's)."""
        if description is None or self._image_host == IMAGE_HOST:
            return description
        return description.replace(f'src="{IMAGE_HOST}/', f'src="{self._image_host}/')

    def render(self, offer: Offer, noise: OfferNoise, currency: str | None) -> JsonObject:
        rate = RATES.get(currency.upper()) if currency else None
        seller = offer.seller

        def foreign(price: Decimal | None) -> float | None:
            return None if rate is None or price is None else _number((price * rate).quantize(_CENT, ROUND_HALF_UP))

        detail: JsonObject = {
            "offerId": count(offer.offer_id, noise),
            "categoryId": count(offer.category.id, noise),
            "categoryName": None if noise.category_name_null else offer.category.name,
            "subject": padded(offer.title, noise),
            "subjectTrans": offer.title_en,
            "description": self._html(offer.description_html),
        }
        optional(detail, "mainVideo", self._video(offer.main_video_path), noise)
        optional(detail, "detailVideo", self._video(offer.detail_video_path), noise)
        detail["productImage"] = {
            "images": [self._url(path) for path in offer.image_paths],
            "whiteImage": self._url(offer.white_image_path),
        }
        detail["productAttribute"] = [
            {
                "attributeId": str(attribute.attribute_id),
                "attributeName": attribute.name,
                "value": padded(attribute.value, noise, position),
                "attributeNameTrans": attribute.name_en,
                "valueTrans": attribute.value_en,
            }
            for position, attribute in enumerate(offer.attributes)
        ]
        detail["productSkuInfos"] = [
            self._sku(offer, sku, noise, foreign) for sku in _with_duplicate(offer.skus, noise)
        ]
        detail["productSaleInfo"] = self._sale_info(offer, noise, foreign)
        if not noise.no_shipping_block:
            detail["productShippingInfo"] = self._shipping(offer, noise)
        detail.update(
            {
                "isJxhy": offer.jxhy,
                "sellerOpenId": seller.open_id,
                "minOrderQuantity": count(offer.min_order_quantity, noise),
            }
        )
        optional(detail, "batchNumber", None if offer.batch_number is None else count(offer.batch_number, noise), noise)
        detail["status"] = offer.status
        if not noise.no_tags:
            detail["tagInfoList"] = [{"key": key, "value": value} for key, value in offer.tags]
        detail["traceInfo"] = trace(offer)
        detail["sellerMixSetting"] = {
            "generalHunpi": offer.mix.general,
            "mixAmount": count(offer.mix.amount, noise),
            "mixNumber": count(offer.mix.number, noise),
        }
        optional(detail, "productCargoNumber", offer.cargo_number, noise)
        scores = seller.scores
        detail["sellerDataInfo"] = (
            None
            if noise.no_seller_data
            else {
                "tradeMedalLevel": str(scores.trade_medal_level),
                "compositeServiceScore": str(scores.composite_service),
                "logisticsExperienceScore": str(scores.logistics_experience),
                "disputeComplaintScore": str(scores.dispute_complaint),
                "offerExperienceScore": str(scores.offer_experience),
                "consultingExperienceScore": str(scores.consulting_experience),
                "repeatPurchasePercent": str(scores.repeat_purchase_percent),
                "afterSalesExperienceScore": str(scores.after_sales_experience),
                "collect30DayWithin48HPercent": str(scores.pickup_48h_30d),
                "qualityRefundWithin30Day": str(scores.quality_refund_30d),
            }
        )
        detail["soldOut"] = str(offer.total_sales if self._sold_out_sales == "totalSales" else offer.month_sold)
        channel = None
        if offer.cross_select and offer.skus:
            channel = {
                "channelSkuPriceList": [
                    {"skuId": count(sku.sku_id, noise), "currentPrice": price_text(sku.consign_price, noise)}
                    for sku in offer.skus
                ]
            }
        optional(detail, "channelPrice", channel, noise)
        detail.update(
            {
                "promotionModel": promotion_model(offer),
                "tradeScore": str(offer.trade_score),
                "topCategoryId": count(offer.category.top_id, noise),
                "secondCategoryId": count(offer.category.second_id, noise),
                "thirdCategoryId": count(offer.category.id, noise),
            }
        )
        optional(detail, "sellingPoint", list(offer.selling_points) or None, noise)
        detail.update(
            {
                "offerIdentities": list(offer.offer_identities),
                "createDate": product_date(offer.create_date),
                "isSelect": "true" if offer.cross_select else "false",
            }
        )
        certificates = [
            {
                "certificateName": certificate.name,
                "certificateCode": certificate.code,
                "certificatePhotoList": [self._url(path) for path in certificate.photo_paths],
            }
            for certificate in offer.certificates
        ]
        optional(detail, "certificateList", certificates or None, noise)
        detail.update(
            {
                "promotionUrl": offer.promotion_url,
                "descriptionTrans": self._html(offer.description_trans_html),
            }
        )
        translated = None
        if offer.image_trans_paths:
            translated = {
                "images": [self._url(path) for path in offer.image_trans_paths],
                "whiteImage": self._url(offer.white_image_trans_path),
            }
        optional(detail, "productImageTrans", translated, noise)
        detail["companyName"] = seller.company_name
        detail["invoiceInfo"] = invoice_info(offer)
        return detail

    def _sku(self, offer: Offer, sku: Sku, noise: OfferNoise, foreign: Any) -> JsonObject:
        attributes = []
        for position, value in enumerate(sku.attributes):
            attribute: JsonObject = {
                "attributeId": count(value.attribute_id, noise),
                "attributeName": value.name,
                "attributeNameTrans": value.name_en,
                "value": _spec_value(value, noise, position),
                "valueTrans": value.value_en,
            }
            optional(attribute, "skuImageUrl", self._url(value.image_path), noise)
            optional(attribute, "skuImageUrlTrans", self._url(value.image_trans_path), noise)
            attributes.append(attribute)
        entry: JsonObject = {
            "amountOnSale": count(sku.stock, noise),
            "price": price_text(sku.price, noise),
            "skuId": count(sku.sku_id, noise),
            "specId": sku.spec_id,
            "skuAttributes": attributes,
            "cargoNumber": sku.cargo_number,
        }
        for deprecated in ("jxhyPrice", "pfJxhyPrice", "consignPrice"):
            optional(entry, deprecated, None, noise)
        optional(entry, "promotionPrice", money(sku.promotion_price, noise), noise)
        entry["fenxiaoPriceInfo"] = {
            "onePiecePrice": price_text(offer.one_piece_price(sku.consign_price), noise),
            "offerPrice": price_text(sku.consign_price, noise),
        }
        retail = offer.retail_price(sku.price)
        entry["retailPrice"] = price_text(retail, noise)
        if foreign(sku.price) is not None:
            entry["foreignCurrencyPrice"] = foreign(sku.price)
            entry["foreignCurrencyPromotionPrice"] = foreign(sku.promotion_price)
            entry["foreignCurrencyRetailPrice"] = foreign(retail)
        return entry

    def _sale_info(self, offer: Offer, noise: OfferNoise, foreign: Any) -> JsonObject:
        tiers = []
        for tier in offer.price_tiers:
            entry: JsonObject = {
                "startQuantity": count(tier.start_quantity, noise),
                "price": price_text(tier.price, noise),
                "promotionPrice": money(tier.promotion_price, noise),
            }
            if foreign(tier.price) is not None:
                entry["foreignCurrencyPrice"] = foreign(tier.price)
                entry["foreignCurrencyPromotionPrice"] = foreign(tier.promotion_price)
            tiers.append(entry)
        retail = offer.retail_price(offer.price)
        sale: JsonObject = {
            "amountOnSale": count(offer.stock, noise),
            "priceRangeList": tiers,
            "quoteType": count(offer.quote_type, noise),
        }
        for deprecated in ("consignPrice", "jxhyPrice"):
            optional(sale, deprecated, None, noise)
        sale["unitInfo"] = {"unit": offer.unit, "transUnit": offer.unit_en}
        dropship = offer.dropship
        sale["fenxiaoSaleInfo"] = {
            "onePieceFreePostage": dropship.free_postage,
            "startQuantity": count(dropship.start_quantity, noise),
            "onePiecePrice": price_text(offer.one_piece_price(offer.consign_price), noise),
            "offerPrice": price_text(offer.consign_price, noise),
        }
        sale["retailPrice"] = price_text(retail, noise)
        if foreign(offer.price) is not None:
            sale["foreignCurrencyPrice"] = foreign(offer.price)
            sale["foreignCurrencyRetailPrice"] = foreign(retail)
        return sale

    def _shipping(self, offer: Offer, noise: OfferNoise) -> JsonObject:
        shipping = offer.shipping
        official = shipping.official
        measured = shipping.size_source == MEASURED
        block: JsonObject = {
            "sendGoodsAddressText": shipping.send_from,
            "weight": _number(shipping.weight_kg),
            "width": float(shipping.width_cm),
            "height": float(shipping.height_cm),
            "length": float(shipping.length_cm),
            "skuShippingInfoList": [
                {
                    "specId": sku.spec_id,
                    "skuId": count(sku.sku_id, noise),
                    "width": _number(sku.package.width_cm),
                    "length": _number(sku.package.length_cm),
                    "height": _number(sku.package.height_cm),
                    "weight": count(sku.package.weight_g, noise),
                }
                for sku in offer.skus
            ],
            "shippingTimeGuarantee": shipping.guarantee,
            "skuShippingDetails": [
                {
                    "skuId": str(sku.sku_id),
                    "width": _number(sku.package.width_cm),
                    "length": _number(sku.package.length_cm),
                    "height": _number(sku.package.height_cm),
                    "weight": _kilograms(sku.package.weight_g),
                    "pkgSizeSource": shipping.size_source,
                    "officialLength": _number(sku.package.length_cm) if measured else None,
                    "officialWidth": _number(sku.package.width_cm) if measured else None,
                    "officialHeight": _number(sku.package.height_cm) if measured else None,
                    "officialWeight": _kilograms(sku.package.weight_g) if measured else None,
                    "aiWeight": _kilograms(sku.package.ai_weight_g),
                    "aiWeightAccuracy": f"{shipping.ai_accuracy_percent}%",
                }
                for sku in offer.skus
            ],
            "pkgSizeSource": shipping.size_source,
        }
        for key, value in (
            ("officialLength", official and official.length_cm),
            ("officialWidth", official and official.width_cm),
            ("officialHeight", official and official.height_cm),
            ("officialWeight", official and official.weight_kg),
        ):
            optional(block, key, None if value is None else _number(value), noise)
        return block
