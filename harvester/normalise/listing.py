"""A search result item -> one Listing row (the listing tier), and what a detail takes from it.

The three search APIs answer items of one family, field names and types
as their official pages give them (``keywordQuery``'s ProductInfoModelV2,
``imageQuery``'s ProductInfoModelV3 with ``companyName``,
``companyAddress`` and ``offerDataInfo`` on top, ``querySellerOfferList``'s
reduced ProductInfoModelV2); every field is optional in practice (a relayed
real item carried eight). Search's ``sellerDataInfo.repeatPurchasePercent``
is a percent (``"11"``), unlike the detail's fraction; the fulfilment rates
of ``productSimpleShippingInfo`` are ``"99.12%"``, empty meaning 0.

Not kept, on purpose: ``traceInfo`` (tracking data to report back to
1688), ``token`` (the app's rebate token), ``promotionURL`` (the offer's
page with the app's referral tag; the page is
``https://detail.1688.com/offer/{offer_id}.html``).
"""

from __future__ import annotations

from typing import Any

from ..items import Listing, Product, RawListing, Reject
from .parts import split_texts
from .rejects import offer_id_of, reject
from .scalars import (
    IMAGE_BASE_URL,
    Note,
    boolean,
    china_time,
    count,
    integer,
    mapping,
    measure,
    money,
    percent,
    rate,
    shipping_rate,
    small_int,
    text,
    texts,
    url,
)

#: The search APIs whose items are listings (endpoint keys).
SOURCE_APIS = frozenset({"keyword_search", "image_search", "seller_offers"})


def _seller_data(listing: Listing, info: dict, note: Note) -> None:
    listing.seller_trade_medal_level = small_int(info.get("tradeMedalLevel"), "trade_medal_level", note)
    listing.seller_composite_service_score = measure(info.get("compositeServiceScore"), "seller_score", note)
    listing.seller_logistics_experience_score = measure(info.get("logisticsExperienceScore"), "seller_score", note)
    listing.seller_dispute_complaint_score = measure(info.get("disputeComplaintScore"), "seller_score", note)
    listing.seller_offer_experience_score = measure(info.get("offerExperienceScore"), "seller_score", note)
    listing.seller_after_sales_experience_score = measure(info.get("afterSalesExperienceScore"), "seller_score", note)
    listing.seller_consulting_experience_score = measure(info.get("consultingExperienceScore"), "seller_score", note)
    listing.seller_repeat_purchase_rate = percent(info.get("repeatPurchasePercent"), "repeat_purchase_rate", note)
    listing.seller_tp_years = small_int(info.get("tpYear"), "tp_years", note)


def _shipping(listing: Listing, info: dict, note: Note) -> None:
    listing.shipping_time_guarantee = text(info.get("shippingTimeGuarantee"), "shipping_time_guarantee", note)
    listing.perfect_fulfillment_rate_30d = shipping_rate(info, "perfectFulfillmentRate30d", "shipping_rate", note)
    listing.pickup_within_24h_rate_30d = shipping_rate(info, "pickupWithin24hRate30d", "shipping_rate", note)
    listing.quality_return_rate_30d = shipping_rate(info, "qualityReturnRate30d", "shipping_rate", note)
    listing.perfect_fulfillment_rate_7d = shipping_rate(info, "perfectFulfillmentRate7d", "shipping_rate", note)
    listing.pickup_within_24h_rate_7d = shipping_rate(info, "pickupWithin24hRate7d", "shipping_rate", note)
    listing.delayed_shipping_rate_7d = shipping_rate(info, "delayedShippingRate7d", "shipping_rate", note)


def _trade(listing: Listing, info: dict, note: Note) -> None:
    listing.add_cart_count_7d = count(info.get("addCartCount7d"), "trade_count", note)
    listing.pay_buyer_count_7d = count(info.get("payBuyerCount7d"), "trade_count", note)
    listing.add_cart_count_30d = count(info.get("addCartCount30d"), "trade_count", note)
    listing.pay_buyer_count_30d = count(info.get("payBuyerCount30d"), "trade_count", note)


def _offer_data(listing: Listing, info: dict, note: Note) -> None:
    """Image search's ``offerDataInfo``: its rates are percentages with their sign (``"33.9%"``)."""
    listing.applause_rate = percent(info.get("offerApplauseRate"), "applause_rate", note)
    listing.featured_services = split_texts(info.get("kjFeaturedServices"), "featured_service", note)
    listing.quality_refund_rate_30d = percent(info.get("qualityRfdRate30d"), "quality_refund_rate", note)
    listing.repurchase_rate_30d = percent(info.get("repurchaseRate30d"), "repurchase_rate", note)
    listing.pickup_rate_24h_30d = percent(info.get("pickupRate24h30d"), "pickup_rate", note)


def _invoice(listing: Listing, info: dict, note: Note) -> None:
    listing.supports_online_invoice = boolean(info.get("supportOnlineInvoice"), "invoice", note)
    listing.supports_fast_invoice = boolean(info.get("supportFastInvoice"), "invoice", note)
    listing.invoice_types = texts(info.get("invoiceTypes"), "invoice_type", note)
    listing.taxpayer_type = text(info.get("taxpayerType"), "taxpayer_type", note)


#: The item's nested objects: key, the name a wrong type is counted under, what reads it.
_BLOCKS = (
    ("sellerDataInfo", "seller_data", _seller_data),
    ("productSimpleShippingInfo", "shipping_info", _shipping),
    ("productTradeInfo", "trade_info", _trade),
    ("offerDataInfo", "offer_data", _offer_data),
    ("invoiceInfo", "invoice_info", _invoice),
)


def _from_item(data: dict, offer_id: int, base: str, note: Note) -> Listing:
    price = mapping(data.get("priceInfo"), "price_info", note)
    listing = Listing(
        offer_id,
        title=text(data.get("subject"), "title", note),
        title_translated=text(data.get("subjectTrans"), "title", note),
        image_url=url(data.get("imageUrl"), "image_url", base, note),
        image_url_translated=url(data.get("aigcImageUrl"), "image_url", base, note),
        white_image_url=url(data.get("whiteImage"), "image_url", base, note),
        price=money(price.get("price"), note),
        consign_price=money(price.get("consignPrice"), note),
        promotion_price=money(price.get("promotionPrice"), note),
        curated_price=money(price.get("pfJxhyPrice"), note),
        curated_consign_price=money(price.get("jxhyPrice"), note),
        month_sold=count(data.get("monthSold"), "month_sold", note),
        sales_7d=count(data.get("sales7d"), "sales_7d", note),
        repurchase_rate=rate(data.get("repurchaseRate"), "repurchase_rate", note),
        trade_score=measure(data.get("tradeScore"), "trade_score", note),
        min_order_quantity=count(data.get("minOrderQuantity"), "min_order_quantity", note),
        is_dropship=boolean(data.get("isOnePsale"), "is_dropship", note),
        is_curated=boolean(data.get("isJxhy"), "is_curated", note),
        is_select=boolean(data.get("isSelect"), "is_select", note),
        is_patent_product=boolean(data.get("isPatentProduct"), "is_patent_product", note),
        seller_identities=texts(data.get("sellerIdentities"), "seller_identity", note),
        offer_identities=texts(data.get("offerIdentities"), "offer_identity", note),
        top_category_id=integer(data.get("topCategoryId"), "category_id", note),
        second_category_id=integer(data.get("secondCategoryId"), "category_id", note),
        third_category_id=integer(data.get("thirdCategoryId"), "category_id", note),
        created_at=china_time(data.get("createDate"), "created_at", note),
        modified_at=china_time(data.get("modifyDate"), "modified_at", note),
        company_name=text(data.get("companyName"), "company_name", note),
        company_address=text(data.get("companyAddress"), "company_address", note),
    )
    promotion = mapping(data.get("promotionModel"), "promotion", note)
    if promotion:
        listing.has_promotion = boolean(promotion.get("hasPromotion"), "has_promotion", note)
        listing.promotion_type = text(promotion.get("promotionType"), "promotion_type", note)
    for key, what, part in _BLOCKS:
        block = data.get(key)
        if block is not None:
            block = mapping(block, what, note)
            if block:
                part(listing, block, note)
    return listing


def normalise_listing(
    raw: RawListing, note: Note, *, crawl_id: str | None = None, image_base: str = IMAGE_BASE_URL
) -> Listing | Reject:
    """Map one search result item to a Listing row, or a Reject saying why not.

    A listing needs only its offer id: an item without a usable price is
    still a listing (its sales and scores are worth having), with a null
    ``price`` and the dropped value counted.
    """
    if raw.source_api not in SOURCE_APIS:
        return reject(raw.data, raw.source_api, "unknown_source_api", raw.fetched_at, crawl_id)
    data = raw.data
    if type(data) is not dict:
        return reject(data, raw.source_api, "not_an_object", raw.fetched_at, crawl_id)
    offer_id = offer_id_of(data)
    if offer_id is None:
        return reject(data, raw.source_api, "no_offer_id", raw.fetched_at, crawl_id)
    listing = _from_item(data, offer_id, image_base, note)
    listing.source_api = raw.source_api
    listing.query = raw.query
    listing.crawl_id = crawl_id
    listing.crawled_at = raw.fetched_at
    return listing


def apply_listing(product: Product, item: Any, note: Note) -> None:
    """What a detail lacks, from the search item that found the offer: 30- and 7-day sales, the repurchase rate
    and the last modification time; and the price the listing showed, which a re-harvest compares with."""
    if type(item) is not dict:
        note("dropped/listing_type")
        return
    product.month_sold = count(item.get("monthSold"), "month_sold", note)
    product.sales_7d = count(item.get("sales7d"), "sales_7d", note)
    product.repurchase_rate = rate(item.get("repurchaseRate"), "repurchase_rate", note)
    product.modified_at = china_time(item.get("modifyDate"), "modified_at", note)
    price = item.get("priceInfo")
    if type(price) is dict:
        product.listing_price = money(price.get("price"), note)
