"""Truth records rendered as each product API answers them: the official pages' models, with the wire's noise.

Field names, nesting and types follow the official API pages (mirrored in
``Natawat-d/1688_Platform``, ``1688-api-docs/en/<doc>.md``; the samples are
kept in ``tests/fixtures/official/``), never what a client expects. Every
field of a page's model is rendered from a fact of the truth record
(:mod:`records`), so a test can compare a normalised value with the truth
exactly. The wire's untidiness (:mod:`noise`) comes on top, drawn per
offer so that every answer about an offer is untidy the same way:

- whole numbers typed Long/Integer (ids, counts, ``quoteType``...) are JSON
  strings for most offers, numbers for the others, as relayed real answers
  send them; prices are strings (``"47.0"``, ``"12.3"``) as typed;
  BigDecimal/Double fields (sizes, weights, foreign prices) are JSON numbers;
- optional values that are unknown are ``null``, or absent for some offers;
  a few search items carry only the eight fields of the relayed real item;
- a rate of zero is ``""`` for some offers (the page: "empty value means 0").

Where the pages are silent the choices are:

- search items show the offer as it is at the current epoch; ``repurchaseRate``
  is ``"12%"``, ``sellerDataInfo.repeatPurchasePercent`` a percent (``"26"``),
  the detail's the fraction (``"0.26"``) as the pages' examples show;
  ``jxhyPrice``/``pfJxhyPrice`` are the consign and wholesale prices for
  curated (``isJxhy``) offers and ``null`` otherwise; ``promotionModel`` says
  ``plus`` exactly when the offer has a promotion price;
- image search's ``companyAddress`` is province and city (``浙江省杭州市``);
- the detail's ``soldOut`` is the total sales (``sold_out_sales`` switches it
  to the last 30 days'); its deprecated SKU and sale prices (``consignPrice``,
  ``jxhyPrice``, ``pfJxhyPrice``) are ``null`` or absent; the dropship
  (consign) price lives in ``fenxiaoPriceInfo.offerPrice`` and
  ``fenxiaoSaleInfo.offerPrice``, the price shipped in ``onePiecePrice``;
  ``channelPrice`` lists the consign prices of cross-border select offers;
  ``offerIdentities`` holds the same codes as search (``yx``, ``select``);
  ``descriptionTrans`` is HTML like ``description``; foreign-currency prices
  are filled only when ``currency`` names a known currency (fixed rates in
  :data:`detail.RATES`), at two decimals;
- ``alibaba.cross.productList`` has only the page's ``ProductInfo`` fields:
  no SKUs, sale info, price, stock, MOQ or translation; images relative to
  ``https://cbu01.alicdn.com/``; ``extendInfos`` carries the SKUs' consign
  prices (``skuId:price;``) for some offers, and ``buyerProtection``.
"""

from __future__ import annotations

import hashlib

from .detail import DetailRenderer
from .noise import SPARSE_LISTING_SHARE, Noise, OfferNoise, count, padded, percent, price_text, short_percent
from .records import Offer
from .shapes import JsonObject, invoice_info, money, optional, product_date, promotion_model, trace
from .videos import VIDEO_HOST


class Renderer:
    """Renders truth records; ``image_host`` and ``video_host`` prefix absolute URLs."""

    def __init__(
        self,
        seed: int,
        image_host: str,
        video_host: str = VIDEO_HOST,
        sold_out_sales: str = "totalSales",
        sparse_listing_share: float = SPARSE_LISTING_SHARE,
    ):
        self._noise = Noise(seed, sparse_listing_share)
        self.sparse_listing_share = sparse_listing_share
        self.image_host = image_host.rstrip("/")
        self.video_host = video_host.rstrip("/")
        self.sold_out_sales = sold_out_sales
        self._detail = DetailRenderer(self.image_host, self.video_host, sold_out_sales)

    def noise(self, offer: Offer) -> OfferNoise:
        return self._noise.for_offer(offer.offer_id, len(offer.skus))

    def _url(self, path: str | None) -> str | None:
        return None if path is None else f"{self.image_host}/{path}"

    # --- search items ---------------------------------------------------------

    def search_item(self, offer: Offer) -> JsonObject:
        """One item of ``product.search.keywordQuery`` (``ProductInfoModelV2``)."""
        noise = self.noise(offer)
        if noise.sparse_listing:
            return self._sparse_item(offer, noise)
        item = self._common_item(offer, noise, aigc=True)
        item["priceInfo"] = self._price_info(offer, noise, promotion=True)
        optional(item, "whiteImage", self._url(offer.white_image_path), noise)
        return item

    def image_search_item(self, offer: Offer) -> JsonObject:
        """One item of ``product.search.imageQuery`` (``ProductInfoModelV3``): no AIGC or white image, the shop."""
        noise = self.noise(offer)
        if noise.sparse_listing:
            return self._sparse_item(offer, noise)
        item = self._common_item(offer, noise, aigc=False)
        item["priceInfo"] = self._price_info(offer, noise, promotion=True)
        seller = offer.seller
        item["companyName"] = seller.company_name
        item["companyAddress"] = seller.province + seller.city
        item["offerDataInfo"] = {
            "offerApplauseRate": short_percent(offer.applause_rate),
            "kjFeaturedServices": ";".join(offer.featured_services),
            "qualityRfdRate30d": short_percent(offer.rates.quality_return_30d),
            "repurchaseRate30d": short_percent(offer.repurchase_rate),
            "pickupRate24h30d": short_percent(offer.rates.pickup_24h_30d),
        }
        return item

    def seller_item(self, offer: Offer) -> JsonObject:
        """One item of ``product.search.querySellerOfferList``: the page's reduced model."""
        noise = self.noise(offer)
        if noise.sparse_listing:
            return self._sparse_item(offer, noise)
        item = self._head(offer, noise, aigc=True)
        item.update(
            {
                "priceInfo": self._price_info(offer, noise, promotion=False),
                "createDate": product_date(offer.create_date),
                "modifyDate": product_date(offer.modify_date),
                "isPatentProduct": offer.patent,
                "offerIdentities": list(offer.offer_identities),
                "isSelect": "true" if offer.cross_select else "false",
                "token": offer.token,
                "promotionURL": offer.promotion_url,
            }
        )
        return item

    def _sparse_item(self, offer: Offer, noise: OfferNoise) -> JsonObject:
        """The eight fields of the relayed real search item."""
        return {
            "imageUrl": self._url(offer.image_paths[0]),
            "subject": padded(offer.title, noise),
            "subjectTrans": offer.title_en,
            "offerId": count(offer.offer_id, noise),
            "priceInfo": {
                "price": price_text(offer.price, noise),
                "consignPrice": price_text(offer.consign_price, noise),
                "jxhyPrice": None,
            },
            "repurchaseRate": f"{int(offer.repurchase_rate * 100)}%",
            "monthSold": count(offer.month_sold, noise),
            "traceInfo": trace(offer),
        }

    def _price_info(self, offer: Offer, noise: OfferNoise, promotion: bool) -> JsonObject:
        info: JsonObject = {
            "price": price_text(offer.price, noise),
            "jxhyPrice": price_text(offer.consign_price, noise) if offer.jxhy else None,
            "pfJxhyPrice": price_text(offer.price, noise) if offer.jxhy else None,
            "consignPrice": price_text(offer.consign_price, noise),
        }
        if promotion:
            optional(info, "promotionPrice", money(offer.promotion_price, noise), noise)
        return info

    def _head(self, offer: Offer, noise: OfferNoise, aigc: bool) -> JsonObject:
        """The fields every search item opens with, in the pages' order (the seller list's and the keyword's)."""
        item: JsonObject = {"imageUrl": self._url(offer.image_paths[0])}
        if aigc:
            optional(item, "aigcImageUrl", self._url(offer.aigc_image_path), noise)
        item.update(
            {
                "subject": padded(offer.title, noise),
                "subjectTrans": offer.title_en,
                "offerId": count(offer.offer_id, noise),
                "isJxhy": offer.jxhy,
                "repurchaseRate": f"{int(offer.repurchase_rate * 100)}%",
                "monthSold": count(offer.month_sold, noise),
                "traceInfo": trace(offer),
                "isOnePsale": offer.one_psale,
            }
        )
        return item

    def _common_item(self, offer: Offer, noise: OfferNoise, aigc: bool) -> JsonObject:
        """The fields keywordQuery and imageQuery items share (the page's order, near enough)."""
        seller = offer.seller
        scores = seller.scores
        rates = offer.rates
        item = self._head(offer, noise, aigc)
        item.update(
            {
                "sellerIdentities": list(seller.identities),
                "offerIdentities": list(offer.offer_identities),
                "tradeScore": str(offer.trade_score),
                "promotionModel": promotion_model(offer),
                "topCategoryId": count(offer.category.top_id, noise),
                "secondCategoryId": count(offer.category.second_id, noise),
                "thirdCategoryId": count(offer.category.id, noise),
                "isPatentProduct": offer.patent,
                "createDate": product_date(offer.create_date),
                "modifyDate": product_date(offer.modify_date),
                "isSelect": offer.cross_select,
                "minOrderQuantity": count(offer.min_order_quantity, noise),
                "sellerDataInfo": {
                    "tradeMedalLevel": str(scores.trade_medal_level),
                    "compositeServiceScore": str(scores.composite_service),
                    "logisticsExperienceScore": str(scores.logistics_experience),
                    "disputeComplaintScore": str(scores.dispute_complaint),
                    "offerExperienceScore": str(scores.offer_experience),
                    "afterSalesExperienceScore": str(scores.after_sales_experience),
                    "consultingExperienceScore": str(scores.consulting_experience),
                    "repeatPurchasePercent": str(int(scores.repeat_purchase_percent * 100)),
                    "tpYear": count(seller.tp_year, noise),
                },
                "productSimpleShippingInfo": {
                    "shippingTimeGuarantee": offer.shipping.guarantee,
                    "perfectFulfillmentRate30d": percent(rates.perfect_fulfillment_30d, noise),
                    "pickupWithin24hRate30d": percent(rates.pickup_24h_30d, noise),
                    "qualityReturnRate30d": percent(rates.quality_return_30d, noise),
                    "perfectFulfillmentRate7d": percent(rates.perfect_fulfillment_7d, noise),
                    "pickupWithin24hRate7d": percent(rates.pickup_24h_7d, noise),
                    "delayedShippingRate7d": percent(rates.delayed_shipping_7d, noise),
                },
                "token": offer.token,
                "promotionURL": offer.promotion_url,
                "sales7d": str(offer.sales_7d),
                "productTradeInfo": {
                    "addCartCount7d": str(offer.trade.add_cart_7d),
                    "payBuyerCount7d": str(offer.trade.pay_buyers_7d),
                    "addCartCount30d": str(offer.trade.add_cart_30d),
                    "payBuyerCount30d": str(offer.trade.pay_buyers_30d),
                },
                "invoiceInfo": invoice_info(offer),
            }
        )
        return item

    # --- details --------------------------------------------------------------

    def detail(self, offer: Offer, currency: str | None = None) -> JsonObject:
        """``result.result`` of ``product.search.queryProductDetail``."""
        return self._detail.render(offer, self.noise(offer), currency)

    def product_list_item(self, offer: Offer) -> JsonObject:
        """One ``ProductInfo`` of ``alibaba.cross.productList``: the listing relation's view, no sale data."""
        noise = self.noise(offer)
        item: JsonObject = {
            "productID": offer.offer_id,
            "productType": "wholesale",
            "attributes": [
                {
                    "attributeID": attribute.attribute_id,
                    "attributeName": attribute.name,
                    "valueID": value_id(attribute.attribute_id, attribute.value),
                    "value": padded(attribute.value, noise, position),
                    "isCustom": False,
                }
                for position, attribute in enumerate(offer.attributes)
            ],
            "groupID": [],
            "status": offer.status,
            "subject": padded(offer.title, noise),
            "description": offer.description_html,
            "language": "CHINESE",
            "periodOfValidity": 3650,
            "bizType": 1,
            "image": {"images": list(offer.image_paths)},
            "supplierLoginId": offer.seller.login_id,
            "categoryID": offer.category.id,
        }
        optional(item, "categoryName", None if noise.category_name_null else offer.category.name, noise)
        optional(item, "productCargoNumber", offer.cargo_number, noise)
        extend = []
        if offer.skus and offer.one_psale:
            extend.append(
                {
                    "key": "consignPrice",
                    "value": "".join(f"{sku.sku_id}:{price_text(sku.consign_price)};" for sku in offer.skus),
                }
            )
        if dict(offer.tags).get("noReason7DReturn"):
            extend.append({"key": "buyerProtection", "value": '["qtwlybt"]'})
        if extend:
            item["extendInfos"] = extend
        return item


def value_id(attribute_id: int, value: str) -> int:
    """``valueID``: a stable id of an attribute value."""
    digest = hashlib.blake2b(f"{attribute_id}={value}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")
