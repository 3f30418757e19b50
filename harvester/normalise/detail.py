"""queryProductDetail's ``result.result`` -> one Product carrying its SKU rows and its seller.

Field names and types follow the official page
(``com.alibaba.fenxiao.crossborder.product.search.queryProductDetail-1``);
the wire sends most numbers as strings. A detail lacks four things the
search item that found the offer has (``monthSold``, ``sales7d``,
``repurchaseRate``, ``modifyDate``): the raw offer carries that item as
``listing`` and they are taken from it. Deprecated prices
(``consignPrice``, ``jxhyPrice``, ``pfJxhyPrice``) are null or absent now:
only the SKU's ``consignPrice`` has a column (a contract one), filled while
answers still send it.
"""

from __future__ import annotations

from typing import Any

from ..items import PriceRange, Product, RawOffer, Reject, Seller, Sku
from .listing import apply_listing
from .parts import certificates, images, price_ranges, product_attributes
from .rejects import offer_id_of, reject
from .scalars import (
    IMAGE_BASE_URL,
    Note,
    boolean,
    china_time,
    count,
    fraction,
    integer,
    mapping,
    measure,
    money,
    small_int,
    text,
    texts,
    url,
)
from .skus import OfferContext, channel_prices, packages, skus

#: The only detail shape (``alibaba.cross.productList`` carries no SKU, price or stock: it is no detail).
SOURCE_API = "product_detail"


def _seller(data: dict, open_id: str | None, company: str | None, note: Note) -> Seller | None:
    """The seller's scores (the detail's ``sellerDataInfo``, whose rates are fractions) and mixed-batch terms."""
    if open_id is None:
        return None
    info = mapping(data.get("sellerDataInfo"), "seller_data", note)
    seller = Seller(open_id, company)
    if info:
        seller.trade_medal_level = small_int(info.get("tradeMedalLevel"), "trade_medal_level", note)
        seller.composite_service_score = measure(info.get("compositeServiceScore"), "seller_score", note)
        seller.logistics_experience_score = measure(info.get("logisticsExperienceScore"), "seller_score", note)
        seller.dispute_complaint_score = measure(info.get("disputeComplaintScore"), "seller_score", note)
        seller.offer_experience_score = measure(info.get("offerExperienceScore"), "seller_score", note)
        seller.consulting_experience_score = measure(info.get("consultingExperienceScore"), "seller_score", note)
        seller.after_sales_experience_score = measure(info.get("afterSalesExperienceScore"), "seller_score", note)
        seller.repeat_purchase_rate = fraction(info.get("repeatPurchasePercent"), "repeat_purchase_rate", note)
        seller.pickup_within_48h_rate_30d = fraction(
            info.get("collect30DayWithin48HPercent"), "pickup_within_48h_rate", note
        )
        seller.quality_refund_rate_30d = fraction(info.get("qualityRefundWithin30Day"), "quality_refund_rate", note)
    mix = mapping(data.get("sellerMixSetting"), "mix_setting", note)
    if mix:
        seller.mix_batch_general = boolean(mix.get("generalHunpi"), "mix_batch_general", note)
        seller.mix_batch_amount = count(mix.get("mixAmount"), "mix_batch_amount", note)
        seller.mix_batch_quantity = count(mix.get("mixNumber"), "mix_batch_quantity", note)
    return seller


def _tags(raw: Any, note: Note) -> list[str] | None:
    """``tagInfoList``: the keys of the tags switched on (``value`` true)."""
    if type(raw) is not list:
        if raw is not None:
            note("dropped/tags_type")
        return None
    kept = []
    for entry in raw:
        if type(entry) is dict:
            key = text(entry.get("key"), "tag", note)
            if key is not None and boolean(entry.get("value"), "tag", note):
                kept.append(key)
        else:
            note("dropped/tag_type")
    return kept


def _shipping(product: Product, shipping: dict, note: Note) -> None:
    """``productShippingInfo``: where the offer ships from, how fast, and its package (kg, cm)."""
    product.ship_from = text(shipping.get("sendGoodsAddressText"), "ship_from", note)
    product.shipping_time_guarantee = text(shipping.get("shippingTimeGuarantee"), "shipping_time_guarantee", note)
    product.weight_kg = measure(shipping.get("weight"), "weight", note)
    product.length_cm = measure(shipping.get("length"), "length", note)
    product.width_cm = measure(shipping.get("width"), "width", note)
    product.height_cm = measure(shipping.get("height"), "height", note)
    product.package_size_source = text(shipping.get("pkgSizeSource"), "package_size_source", note)
    product.official_length_cm = measure(shipping.get("officialLength"), "length", note)
    product.official_width_cm = measure(shipping.get("officialWidth"), "width", note)
    product.official_height_cm = measure(shipping.get("officialHeight"), "height", note)
    product.official_weight_kg = measure(shipping.get("officialWeight"), "weight", note)


def _from_detail(data: dict, offer: OfferContext) -> tuple[Product, list[Sku], list[PriceRange]]:
    note = offer.note
    base = offer.image_base
    sale = mapping(data.get("productSaleInfo"), "sale_info", note)
    unit = mapping(sale.get("unitInfo"), "unit_info", note)
    image = mapping(data.get("productImage"), "image", note)
    ranges = price_ranges(sale.get("priceRangeList"), note)
    rows = skus(data.get("productSkuInfos"), offer)
    open_id = text(data.get("sellerOpenId"), "seller_open_id", note)
    company = text(data.get("companyName"), "company_name", note)
    attributes, attribute_ids = product_attributes(data.get("productAttribute"), note)
    product = Product(
        offer.offer_id,
        title=text(data.get("subject"), "title", note),
        title_translated=text(data.get("subjectTrans"), "title", note),
        category_id=integer(data.get("categoryId"), "category_id", note),
        category_name=text(data.get("categoryName"), "category_name", note),
        seller_open_id=open_id,
        company_name=company,
        min_order_quantity=count(data.get("minOrderQuantity"), "min_order_quantity", note),
        unit=text(unit.get("unit"), "unit", note),
        stock=count(sale.get("amountOnSale"), "stock", note),
        image_urls=images(image.get("images"), base, note),
        attributes=attributes,
        attribute_ids=attribute_ids,
        description=text(data.get("description"), "description", note),
        unit_translated=text(unit.get("transUnit"), "unit", note),
        quote_type=small_int(sale.get("quoteType"), "quote_type", note),
        status=text(data.get("status"), "status", note),
        seller=_seller(data, open_id, company, note),
        top_category_id=integer(data.get("topCategoryId"), "category_id", note),
        second_category_id=integer(data.get("secondCategoryId"), "category_id", note),
        third_category_id=integer(data.get("thirdCategoryId"), "category_id", note),
        description_translated=text(data.get("descriptionTrans"), "description", note),
        selling_points=texts(data.get("sellingPoint"), "selling_point", note),
        main_video_url=url(data.get("mainVideo"), "video_url", base, note),
        detail_video_url=url(data.get("detailVideo"), "video_url", base, note),
        white_image_url=url(image.get("whiteImage"), "image_url", base, note),
        batch_number=count(data.get("batchNumber"), "batch_number", note),
        sold_count=count(data.get("soldOut"), "sold_count", note),
        trade_score=measure(data.get("tradeScore"), "trade_score", note),
        created_at=china_time(data.get("createDate"), "created_at", note),
        is_curated=boolean(data.get("isJxhy"), "is_curated", note),
        is_select=boolean(data.get("isSelect"), "is_select", note),
        tags=_tags(data.get("tagInfoList"), note),
        offer_identities=texts(data.get("offerIdentities"), "offer_identity", note),
        certificates=certificates(data.get("certificateList"), base, note),
        cargo_number=text(data.get("productCargoNumber"), "cargo_number", note),
        retail_price=money(sale.get("retailPrice"), note),
    )
    translated = mapping(data.get("productImageTrans"), "image", note)
    if translated:
        product.image_urls_translated = images(translated.get("images"), base, note)
        product.white_image_url_translated = url(translated.get("whiteImage"), "image_url", base, note)
    promotion = data.get("promotionModel")
    if promotion is not None:
        promotion = mapping(promotion, "promotion", note)
        product.has_promotion = boolean(promotion.get("hasPromotion"), "has_promotion", note)
        product.promotion_type = text(promotion.get("promotionType"), "promotion_type", note)
    invoice = data.get("invoiceInfo")
    if invoice is not None:
        invoice = mapping(invoice, "invoice_info", note)
        product.supports_online_invoice = boolean(invoice.get("supportOnlineInvoice"), "invoice", note)
        product.supports_fast_invoice = boolean(invoice.get("supportFastInvoice"), "invoice", note)
        product.invoice_types = texts(invoice.get("invoiceTypes"), "invoice_type", note)
        product.taxpayer_type = text(invoice.get("taxpayerType"), "taxpayer_type", note)
    dropship = sale.get("fenxiaoSaleInfo")
    if dropship is not None:
        dropship = mapping(dropship, "distribution_info", note)
        product.one_piece_price = money(dropship.get("onePiecePrice"), note)
        product.one_piece_free_postage = boolean(dropship.get("onePieceFreePostage"), "one_piece_free_postage", note)
        product.distribution_price = money(dropship.get("offerPrice"), note)
        product.distribution_min_order_quantity = count(
            dropship.get("startQuantity"), "distribution_min_order_quantity", note
        )
    shipping = data.get("productShippingInfo")
    if shipping is not None:
        shipping = mapping(shipping, "shipping_info", note)
        _shipping(product, shipping, note)
        if rows:
            packages(rows, shipping, note)
    channel = data.get("channelPrice")
    if channel is not None:
        channel_prices(rows, channel, note)
    return product, rows, ranges


def normalise_offer(
    raw: RawOffer, note: Note, *, crawl_id: str | None = None, image_base: str = IMAGE_BASE_URL
) -> Product | Reject:
    """Map one queryProductDetail answer to a Product (with ``skus`` and ``seller``), or a Reject saying why not.

    ``price_min``/``price_max`` span both the SKU prices and the tier prices
    (an offer priced by quantity has tiers and price-less SKUs; one priced by
    spec has the opposite). An offer without SKUs gets one implicit SKU row
    with an empty ``spec_key`` and the lowest tier price. ``stock`` falls back
    to the sum of the SKU stocks when the offer-level figure is missing. An
    offer with no usable price at all is rejected: every product row has a
    price.
    """
    if raw.source_api != SOURCE_API:
        return reject(raw.data, raw.source_api, "unknown_source_api", raw.fetched_at, crawl_id)
    data = raw.data
    if type(data) is not dict:
        return reject(data, raw.source_api, "not_an_object", raw.fetched_at, crawl_id)
    offer_id = offer_id_of(data)
    if offer_id is None:
        return reject(data, raw.source_api, "no_offer_id", raw.fetched_at, crawl_id)

    fetched_at = raw.fetched_at
    product, rows, ranges = _from_detail(data, OfferContext(offer_id, image_base, note, crawl_id, fetched_at))
    if raw.listing is not None:
        apply_listing(product, raw.listing, note)

    prices = [r.price for r in ranges]
    prices += [s.price for s in rows if s.price is not None]
    if not prices:
        return reject(data, raw.source_api, "no_price", fetched_at, crawl_id)
    product.price_min = min(prices)
    product.price_max = max(prices)
    product.price_ranges = ranges
    if rows:
        implicit = len(rows) == 1 and not rows[0].spec_key and rows[0].sku_id is None
        product.sku_count = 0 if implicit else len(rows)
        if product.stock is None:
            stocks = [s.stock for s in rows if s.stock is not None]
            if stocks:
                product.stock = sum(stocks)
    else:
        rows = [
            Sku(offer_id, None, None, "", [], product.price_min, None, None, product.stock, None, crawl_id, fetched_at)
        ]
    if product.min_order_quantity is None and ranges:
        product.min_order_quantity = ranges[0].start_quantity

    product.source_api = SOURCE_API
    product.query = raw.query
    product.search_rank = raw.rank
    product.found_by = raw.found_by
    product.crawl_id = crawl_id
    product.detail_crawl_id = crawl_id
    product.crawled_at = fetched_at
    product.skus = rows
    if product.seller is not None:
        product.seller.crawl_id = crawl_id
        product.seller.crawled_at = fetched_at
    return product
