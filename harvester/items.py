"""What spiders yield and what the dataset stores.

Spiders yield the raw answers (:class:`RawOffer`, :class:`SearchHit`,
:class:`MissingOffer`); the
normalise pipeline turns each raw offer into a :class:`Product` carrying its
:class:`Sku` rows and :class:`Seller`, or into a :class:`Reject` so that no
record is ever lost silently. Every item is a plain dataclass: itemadapter
handles them, and the Parquet writer reads their attributes directly, which
is several times cheaper than going through an adapter per field.

Field names of the row items are the column names of ``harvester.schema``;
a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal


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
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: The offer's place in the crawl's merged result list (image crawls rank what several images found).
    rank: int | None = None
    #: Every query of the crawl that found the offer, best match first (set by spiders that rank).
    found_by: list[str] | None = None


@dataclass(slots=True)
class RawListing:
    """One search result item as a search API answered it: a row of the ``listings`` table once normalised."""

    #: Endpoint key of the search: ``keyword_search``, ``image_search`` or ``seller_offers``.
    source_api: str
    #: The item as returned.
    data: dict
    #: What found it: the keyword, ``image:<id>``, ``seller:<openId>``.
    query: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))


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
    """One spec of a SKU (colour, size...), trimmed and NFKC-folded, with its translation and picture."""

    name: str
    value: str
    image_url: str | None = None
    name_translated: str | None = None
    value_translated: str | None = None


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
    consign_price: Decimal | None = None
    promotion_price: Decimal | None = None
    stock: int | None = None
    cargo_number: str | None = None
    crawl_id: str | None = None
    crawled_at: datetime | None = None


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
    #: The login id productList answers name the seller by: joins batch-fetched products to their seller.
    supplier_login_id: str | None = None


@dataclass(slots=True)
class Product:
    """One offer, normalised. ``skus`` and ``seller`` ride along so one pipeline step passes the whole offer on;
    the dataset writer splits them into their own tables."""

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
    month_sold: int | None = None
    #: Fraction 0..1 (``"10%"`` becomes 0.10).
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
    skus: list[Sku] = field(default_factory=list)
    seller: Seller | None = None
    #: What changed since the previous snapshot (set by the changes pipeline of a monitoring crawl).
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
