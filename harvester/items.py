"""What spiders yield and what the dataset stores.

Spiders yield the raw answers: :class:`RawListing` (one search result
item: the listing tier), :class:`RawOffer` (one queryProductDetail answer:
the detail tier), :class:`SearchHit`, :class:`MissingOffer`. The normalise
pipeline turns each raw listing into a :class:`Listing` row and each raw
offer into a :class:`Product` carrying its :class:`Sku` rows and
:class:`Seller`, or either into a :class:`Reject`, so that no record is
ever lost silently. Every item is a plain dataclass: itemadapter handles
them, and the Parquet writer reads their attributes directly, which is
several times cheaper than going through an adapter per field.

Field names of the row items are the column names of ``harvester.schema``;
a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class RawListing:
    """One search result item as a search API answered it, before normalisation."""

    #: Endpoint key: ``keyword_search``, ``image_search`` or ``seller_offers``.
    source_api: str
    #: One element of the answer's ``result.result.data``.
    data: dict
    #: What found it: the keyword, ``image:<id>``, ``seller:<openId>``.
    query: str | None = None
    #: UTC time the answer arrived (defaults to now, so a spider may leave it out).
    fetched_at: datetime = field(default_factory=_now)


@dataclass(slots=True)
class RawOffer:
    """One offer's detail as ``queryProductDetail`` answered it, before normalisation."""

    #: Endpoint key of the detail API: ``product_detail``.
    source_api: str
    #: ``result.result`` of the answer.
    data: dict
    #: What found it: the keyword, ``image:<id>``, ``seller:<openId>``; None for id lists.
    query: str | None = None
    #: Fields of the search listing that found it which details lack (``monthSold``, ``sales7d``,
    #: ``repurchaseRate``, ``modifyDate``...); None for id lists.
    listing: dict | None = None
    #: UTC time the answer arrived (defaults to now, so a spider may leave it out).
    fetched_at: datetime = field(default_factory=_now)
    #: The offer's place in the crawl's merged result list (image crawls rank what several images found).
    rank: int | None = None
    #: Every query of the crawl that found the offer, best match first (set by spiders that rank).
    found_by: list[str] | None = None


@dataclass(slots=True)
class SearchHit:
    """One offer at one position of one result page: keeps every query that found an offer."""

    query: str
    offer_id: int
    page: int
    position: int
    found_at: datetime
    crawl_id: str | None = None


@dataclass(slots=True)
class Reject:
    """A record that could not be normalised at all, kept whole so it can be replayed once the normaliser learns it."""

    #: The record as JSON text.
    raw: str
    source_api: str
    reason: str
    crawled_at: datetime
    crawl_id: str | None = None


@dataclass(slots=True)
class PriceRange:
    """One quantity tier: from ``start_quantity`` pieces on, each costs ``price``."""

    start_quantity: int
    price: Decimal
    #: Promotional price of the tier, when queryProductDetail gives one.
    promotion_price: Decimal | None = None


@dataclass(slots=True)
class Attribute:
    """One product attribute (material, brand...), with the gateway's translation beside the original."""

    name: str
    value: str | None
    name_translated: str | None = None
    value_translated: str | None = None


@dataclass(slots=True)
class SkuAttribute:
    """One spec of a SKU (colour, size...), trimmed and NFKC-folded, with its translation and picture.

    A spec's ``attributeId`` and translated picture are not fields here (a
    new struct field would retype a contract column): the SKU row carries
    them as lists beside ``attributes`` (``attribute_ids``,
    ``attribute_image_urls_translated``).
    """

    name: str
    value: str
    image_url: str | None = None
    name_translated: str | None = None
    value_translated: str | None = None


@dataclass(slots=True)
class Certificate:
    """A product certificate (patent, test report...) as the detail lists it."""

    name: str | None
    code: str | None
    photo_urls: list[str] | None = None


@dataclass(slots=True)
class Sku:
    """One SKU row; an offer without SKUs gets one with an empty ``spec_key`` and the base price."""

    offer_id: int
    sku_id: int | None
    spec_id: str | None
    #: Canonical spec: attributes sorted by name, ``name=value`` joined by ``;`` (``尺码=XL;颜色=红色``).
    spec_key: str
    attributes: list[SkuAttribute]
    price: Decimal | None
    #: Deprecated by the API (``consignPrice``): filled only while answers still send it.
    consign_price: Decimal | None = None
    promotion_price: Decimal | None = None
    stock: int | None = None
    cargo_number: str | None = None
    crawl_id: str | None = None
    crawled_at: datetime | None = None
    retail_price: Decimal | None = None
    #: ``fenxiaoPriceInfo.onePiecePrice``: one piece shipped to the buyer, postage included.
    one_piece_price: Decimal | None = None
    #: ``fenxiaoPriceInfo.offerPrice``: the distribution (dropship) price.
    distribution_price: Decimal | None = None
    #: ``channelPrice.channelSkuPriceList[].currentPrice``.
    channel_price: Decimal | None = None
    #: The ``attributeId`` of each of ``attributes``, in their order.
    attribute_ids: list[int | None] = field(default_factory=list)
    #: The AIGC-translated picture (``skuImageUrlTrans``) of each of ``attributes``, in their order.
    attribute_image_urls_translated: list[str | None] = field(default_factory=list)
    weight_kg: float | None = None
    length_cm: float | None = None
    width_cm: float | None = None
    height_cm: float | None = None
    package_size_source: str | None = None
    official_length_cm: float | None = None
    official_width_cm: float | None = None
    official_height_cm: float | None = None
    official_weight_kg: float | None = None
    ai_weight_kg: float | None = None
    ai_weight_accuracy_rate: float | None = None
    #: The crawl whose queryProductDetail answer this row holds (another than ``crawl_id`` when carried forward).
    detail_crawl_id: str | None = None


@dataclass(slots=True)
class Seller:
    """A seller and its service scores as one offer's detail reported them."""

    seller_open_id: str
    company_name: str | None = None
    trade_medal_level: int | None = None
    composite_service_score: float | None = None
    logistics_experience_score: float | None = None
    dispute_complaint_score: float | None = None
    offer_experience_score: float | None = None
    consulting_experience_score: float | None = None
    after_sales_experience_score: float | None = None
    #: ``repeatPurchasePercent`` as a fraction 0..1.
    repeat_purchase_rate: float | None = None
    crawl_id: str | None = None
    crawled_at: datetime | None = None
    #: The seller's login id: no detail answer carries it (alibaba.cross.productList did).
    supplier_login_id: str | None = None
    pickup_within_48h_rate_30d: float | None = None
    quality_refund_rate_30d: float | None = None
    mix_batch_general: bool | None = None
    mix_batch_amount: int | None = None
    mix_batch_quantity: int | None = None


@dataclass(slots=True)
class Product:
    """One offer's detail, normalised. ``skus`` and ``seller`` ride along so one pipeline step passes the whole
    offer on; the dataset writer splits them into their own tables."""

    offer_id: int
    title: str | None = None
    title_translated: str | None = None
    category_id: int | None = None
    category_name: str | None = None
    seller_open_id: str | None = None
    company_name: str | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    price_ranges: list[PriceRange] = field(default_factory=list)
    min_order_quantity: int | None = None
    unit: str | None = None
    stock: int | None = None
    #: From the listing that found the offer (details lack it).
    month_sold: int | None = None
    #: Fraction 0..1 (``"10%"`` becomes 0.10), from the listing that found the offer.
    repurchase_rate: float | None = None
    image_urls: list[str] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)
    #: Real SKUs of the offer: 0 when it has none (its one implicit SKU row is not counted).
    sku_count: int = 0
    source_api: str | None = None
    query: str | None = None
    crawl_id: str | None = None
    crawled_at: datetime | None = None
    description: str | None = None
    unit_translated: str | None = None
    quote_type: int | None = None
    supplier_login_id: str | None = None
    status: str | None = None
    search_rank: int | None = None
    found_by: list[str] | None = None
    # Added in schema version 4.
    detail_crawl_id: str | None = None
    top_category_id: int | None = None
    second_category_id: int | None = None
    third_category_id: int | None = None
    description_translated: str | None = None
    selling_points: list[str] | None = None
    main_video_url: str | None = None
    detail_video_url: str | None = None
    white_image_url: str | None = None
    image_urls_translated: list[str] | None = None
    white_image_url_translated: str | None = None
    #: The ``attributeId`` of each of ``attributes``, in their order.
    attribute_ids: list[int | None] = field(default_factory=list)
    batch_number: int | None = None
    sold_count: int | None = None
    trade_score: float | None = None
    #: From the listing that found the offer (details lack it).
    sales_7d: int | None = None
    created_at: datetime | None = None
    #: From the listing that found the offer (details lack it).
    modified_at: datetime | None = None
    is_curated: bool | None = None
    is_select: bool | None = None
    tags: list[str] | None = None
    offer_identities: list[str] | None = None
    has_promotion: bool | None = None
    promotion_type: str | None = None
    certificates: list[Certificate] | None = None
    supports_online_invoice: bool | None = None
    supports_fast_invoice: bool | None = None
    invoice_types: list[str] | None = None
    taxpayer_type: str | None = None
    cargo_number: str | None = None
    retail_price: Decimal | None = None
    one_piece_price: Decimal | None = None
    one_piece_free_postage: bool | None = None
    distribution_price: Decimal | None = None
    distribution_min_order_quantity: int | None = None
    ship_from: str | None = None
    shipping_time_guarantee: str | None = None
    weight_kg: float | None = None
    length_cm: float | None = None
    width_cm: float | None = None
    height_cm: float | None = None
    package_size_source: str | None = None
    official_length_cm: float | None = None
    official_width_cm: float | None = None
    official_height_cm: float | None = None
    official_weight_kg: float | None = None
    #: ``priceInfo.price`` of the listing that found the offer when this detail was fetched: what a re-harvest
    #: (``-a details=changed``) compares the next listing with.
    listing_price: Decimal | None = None
    skus: list[Sku] = field(default_factory=list)
    seller: Seller | None = None
    #: What changed since the previous snapshot (set by the changes pipeline of a monitoring crawl).
    changes: list[Change] = field(default_factory=list)
    #: Its pictures and videos, one row per reference (set by the media pipeline of a crawl given ``-a media``).
    media: list[MediaFile] = field(default_factory=list)


@dataclass(slots=True)
class Listing:
    """One offer as a search result page showed it (the listing tier): one row per offer per crawl.

    Search items carry no seller id: the seller's scores are columns of the
    listing (``seller_*``).
    """

    offer_id: int
    title: str | None = None
    title_translated: str | None = None
    image_url: str | None = None
    image_url_translated: str | None = None
    white_image_url: str | None = None
    price: Decimal | None = None
    consign_price: Decimal | None = None
    promotion_price: Decimal | None = None
    curated_price: Decimal | None = None
    curated_consign_price: Decimal | None = None
    month_sold: int | None = None
    sales_7d: int | None = None
    repurchase_rate: float | None = None
    trade_score: float | None = None
    add_cart_count_7d: int | None = None
    pay_buyer_count_7d: int | None = None
    add_cart_count_30d: int | None = None
    pay_buyer_count_30d: int | None = None
    min_order_quantity: int | None = None
    is_dropship: bool | None = None
    is_curated: bool | None = None
    is_select: bool | None = None
    is_patent_product: bool | None = None
    seller_identities: list[str] | None = None
    offer_identities: list[str] | None = None
    has_promotion: bool | None = None
    promotion_type: str | None = None
    top_category_id: int | None = None
    second_category_id: int | None = None
    third_category_id: int | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    seller_trade_medal_level: int | None = None
    seller_composite_service_score: float | None = None
    seller_logistics_experience_score: float | None = None
    seller_dispute_complaint_score: float | None = None
    seller_offer_experience_score: float | None = None
    seller_after_sales_experience_score: float | None = None
    seller_consulting_experience_score: float | None = None
    seller_repeat_purchase_rate: float | None = None
    seller_tp_years: int | None = None
    shipping_time_guarantee: str | None = None
    perfect_fulfillment_rate_30d: float | None = None
    pickup_within_24h_rate_30d: float | None = None
    quality_return_rate_30d: float | None = None
    perfect_fulfillment_rate_7d: float | None = None
    pickup_within_24h_rate_7d: float | None = None
    delayed_shipping_rate_7d: float | None = None
    supports_online_invoice: bool | None = None
    supports_fast_invoice: bool | None = None
    invoice_types: list[str] | None = None
    taxpayer_type: str | None = None
    company_name: str | None = None
    company_address: str | None = None
    applause_rate: float | None = None
    featured_services: list[str] | None = None
    quality_refund_rate_30d: float | None = None
    repurchase_rate_30d: float | None = None
    pickup_rate_24h_30d: float | None = None
    source_api: str | None = None
    query: str | None = None
    crawl_id: str | None = None
    crawled_at: datetime | None = None
    #: What changed since the previous snapshot's listing (set by the changes pipeline of a monitoring crawl).
    changes: list[Change] = field(default_factory=list)


@dataclass(slots=True)
class Change:
    """One field of an offer (or of one of its SKUs) that changed between two crawls."""

    offer_id: int
    field: str
    old_value: str | None
    new_value: str | None
    previous_crawled_at: datetime | None
    crawled_at: datetime
    #: None for an offer-level change.
    sku_id: int | None = None
    crawl_id: str | None = None
    previous_crawl_id: str | None = None
    #: Where the change was seen: ``listing`` (a search page) or ``detail`` (queryProductDetail).
    source: str | None = None


@dataclass(slots=True)
class MissingOffer:
    """An offer the gateway says does not exist (any more): the list an analyst looks up after a crawl."""

    offer_id: int
    #: What the gateway said (``商品不存在``).
    reason: str | None
    crawled_at: datetime
    #: What found the offer (keyword, image, seller); None for id lists.
    query: str | None = None
    crawl_id: str | None = None
    #: The ``offer`` change (listed -> missing) when the offer was in the previous snapshot.
    changes: list[Change] = field(default_factory=list)


@dataclass(slots=True)
class QueryRecord:
    """One query a crawl was asked (a keyword with its filters, an image, a seller) and the total the gateway
    reported for it: what a later crawl (the monitor) asks again."""

    #: The label of ``products.query`` and ``search_hits.query``.
    query: str
    #: Endpoint key of the search: ``keyword_search``, ``image_search`` or ``seller_offers``.
    source_api: str
    keyword: str | None
    seller_open_id: str | None
    #: The image file or URL searched (image searches).
    image: str | None
    price_start: Decimal | None
    price_end: Decimal | None
    category_id: int | None
    #: ``price:asc`` form.
    sort: str | None
    #: Comma-separated gateway filters.
    filter: str | None
    #: ``totalRecords`` of the first page (capped at the search cap).
    reported: int
    crawled_at: datetime
    crawl_id: str | None = None


@dataclass(slots=True)
class Category:
    """One category of the tree (``scrapy crawl categories``): a row of ``categories``."""

    category_id: int
    parent_id: int | None
    level: int | None
    #: The Chinese name.
    name: str | None
    name_translated: str | None
    language: str | None
    #: Names from level 1 down to this category, joined by `` > ``.
    path: str | None
    path_translated: str | None
    path_ids: list[int]
    is_leaf: bool | None
    category_type: str | None
    min_order_quantity: int | None
    supports_processing: bool | None
    #: ``featureInfos`` as ``key=value``.
    features: list[str] | None
    crawled_at: datetime
    crawl_id: str | None = None


@dataclass(slots=True)
class FreightEstimate:
    """``product.freight.estimate`` of one offer to one address: a row of ``freight``."""

    offer_id: int
    to_province_code: str
    to_city_code: str
    to_district_code: str
    quantity: int
    freight: Decimal | None
    free_postage: bool | None
    template_id: int | None
    template_name: str | None
    template_type: int | None
    sub_template_type: int | None
    sub_template_name: str | None
    charge_type: str | None
    first_fee: Decimal | None
    first_unit: str | None
    next_fee: Decimal | None
    next_unit: str | None
    discount: float | None
    size_value_type: int | None
    weight_kg: float | None
    length_cm: float | None
    width_cm: float | None
    height_cm: float | None
    crawled_at: datetime
    crawl_id: str | None = None


@dataclass(slots=True)
class TrendPoint:
    """One day of one ``product.analyze.*`` trend of one offer: a row of ``trends``."""

    offer_id: int
    #: ``sell``, ``price`` or ``repurchase``.
    metric: str
    day: date
    value: float | None
    #: The 30-day median price, exact (metric ``price`` only).
    price: Decimal | None
    #: The value as sent (``"100"``, ``"1.12"``, ``"10%"``, ``""``).
    raw: str | None
    crawled_at: datetime
    crawl_id: str | None = None


@dataclass(slots=True)
class MediaFile:
    """One reference of an offer to a picture or video, and what downloading it gave: a row of ``media``."""

    offer_id: int
    sku_id: int | None
    #: ``main``, ``sku``, ``description`` or ``video``.
    role: str
    position: int
    url: str
    #: ``stored`` or ``failed``.
    status: str
    path: str | None = None
    bytes: int | None = None
    width: int | None = None
    height: int | None = None
    checksum: str | None = None
    content_type: str | None = None
    http_status: int | None = None
    error: str | None = None
    crawled_at: datetime | None = None
    crawl_id: str | None = None
