"""Truth records: what an offer *is*, before any API renders it.

Frozen dataclasses of exact values (``Decimal`` prices, NFKC-folded trimmed
strings, naive China-time datetimes), so that two records compare equal
exactly when nothing changed. Tests diff the records of two drift epochs to
know which changes a monitor must find, and compare a normaliser's output
with them to prove that the renderers' noise hides no meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    name: str
    name_en: str
    second_id: int
    second_name: str
    top_id: int
    top_name: str


@dataclass(frozen=True, slots=True)
class SellerScores:
    """What ``sellerDataInfo`` reports: service scores out of 5, and the buyers' repeat-purchase share."""

    trade_medal_level: int
    composite_service: Decimal
    logistics_experience: Decimal
    dispute_complaint: Decimal
    offer_experience: Decimal
    consulting_experience: Decimal
    after_sales_experience: Decimal
    #: A fraction (0.35 = 35%).
    repeat_purchase_percent: Decimal


@dataclass(frozen=True, slots=True)
class Seller:
    open_id: str
    login_id: str
    member_id: int
    company_name: str
    province: str
    city: str
    district: str
    #: ``tp_member``, ``super_factory`` (a certified factory), ``powerful_merchants``.
    identities: tuple[str, ...]
    scores: SellerScores

    @property
    def certified_factory(self) -> bool:
        return "super_factory" in self.identities

    @property
    def address(self) -> str:
        return f"{self.province}{self.city}{self.district}"


@dataclass(frozen=True, slots=True)
class Attribute:
    """A product attribute (品牌, 材质...), with its translation."""

    attribute_id: int
    name: str
    name_en: str
    value: str
    value_en: str


@dataclass(frozen=True, slots=True)
class SpecValue:
    """One attribute of a SKU (颜色=红色), with the image shown for it, if any."""

    attribute_id: int
    name: str
    name_en: str
    value: str
    value_en: str
    #: Path relative to the image host (``img/ibank/...jpg``).
    image_path: str | None


@dataclass(frozen=True, slots=True)
class Sku:
    sku_id: int
    spec_id: str
    price: Decimal
    consign_price: Decimal
    promotion_price: Decimal | None
    stock: int
    cargo_number: str
    attributes: tuple[SpecValue, ...]

    @property
    def spec_key(self) -> str:
        """The canonical spec: attributes sorted by name, ``尺码=XL;颜色=红色``."""
        return ";".join(f"{a.name}={a.value}" for a in sorted(self.attributes, key=lambda a: a.name))


@dataclass(frozen=True, slots=True)
class PriceTier:
    start_quantity: int
    price: Decimal
    promotion_price: Decimal | None


@dataclass(frozen=True, slots=True)
class Shipping:
    send_from: str
    weight_kg: Decimal
    length_cm: int
    width_cm: int
    height_cm: int
    #: ``shipIn24Hours``, ``shipIn48Hours`` or ``None``.
    guarantee: str | None


@dataclass(frozen=True, slots=True)
class Offer:
    offer_id: int
    category: Category
    title: str
    title_en: str
    seller: Seller
    #: ``published`` or ``expired``.
    status: str
    #: The lowest price of the offer (tiers and SKUs): what search shows and price filters compare.
    price: Decimal
    #: The lowest dropshipping price.
    consign_price: Decimal
    #: The lowest promotion price, when the offer is on promotion.
    promotion_price: Decimal | None
    price_tiers: tuple[PriceTier, ...]
    #: 0: priced by quantity tiers; 1: priced per SKU.
    quote_type: int
    #: Empty for offers sold without specs.
    skus: tuple[Sku, ...]
    #: Units on sale: the SKUs' stock summed, or the offer's own when it has no SKUs.
    stock: int
    month_sold: int
    #: A fraction (0.12 = 12%).
    repurchase_rate: Decimal
    min_order_quantity: int
    batch_number: int | None
    unit: str
    unit_en: str
    #: Paths relative to the image host; the first is the main image.
    image_paths: tuple[str, ...]
    white_image_path: str | None
    attributes: tuple[Attribute, ...]
    description_html: str
    shipping: Shipping
    one_psale: bool
    selection: bool
    #: ``tagInfoList`` entries.
    tags: tuple[tuple[str, bool], ...]
    create_date: datetime
    modify_date: datetime

    @property
    def sold_out(self) -> bool:
        return self.stock == 0
