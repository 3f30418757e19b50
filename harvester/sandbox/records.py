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
from decimal import ROUND_CEILING, Decimal


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
    #: Share of orders picked up within 48 hours over 30 days, and of refunds for quality reasons (fractions):
    #: the detail's ``collect30DayWithin48HPercent`` and ``qualityRefundWithin30Day``.
    pickup_48h_30d: Decimal
    quality_refund_30d: Decimal


@dataclass(frozen=True, slots=True)
class Invoice:
    """``invoiceInfo``: how the seller invoices."""

    online: bool
    fast: bool
    #: ``普票`` (ordinary), ``专票`` (special VAT invoice).
    types: tuple[str, ...]
    #: ``一般纳税人``, ``小规模纳税人`` or unknown.
    taxpayer_type: str | None


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
    #: Years of 诚信通 (tp) membership: ``sellerDataInfo.tpYear``.
    tp_year: int
    invoice: Invoice

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
    #: The image after AIGC translation (``skuImageUrlTrans``), when the offer's images were translated.
    image_trans_path: str | None = None


@dataclass(frozen=True, slots=True)
class Package:
    """A SKU's packed size as the seller declared it (or the platform measured it)."""

    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    #: Grams, a whole number: ``skuShippingInfoList`` sends grams, ``skuShippingDetails`` the same in kg.
    weight_g: int
    #: The platform's AI-predicted weight, grams.
    ai_weight_g: int


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
    package: Package

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
    #: Where the sizes come from: ``预测-同款放大`` (predicted), ``商家自填`` (the seller), ``官方测量`` (measured).
    size_source: str
    #: The platform's own measurement (``official*``), only for offers it measured.
    official: Measure | None
    #: How accurate the AI weight prediction is in the offer's leaf category, percent (``aiWeightAccuracy``).
    ai_accuracy_percent: int


@dataclass(frozen=True, slots=True)
class Measure:
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    weight_kg: Decimal


@dataclass(frozen=True, slots=True)
class ServiceRates:
    """The fulfilment rates of ``productSimpleShippingInfo``, fractions (0.9912 = ``"99.12%"``)."""

    perfect_fulfillment_30d: Decimal
    pickup_24h_30d: Decimal
    quality_return_30d: Decimal
    perfect_fulfillment_7d: Decimal
    pickup_24h_7d: Decimal
    delayed_shipping_7d: Decimal


@dataclass(frozen=True, slots=True)
class TradeStats:
    """``productTradeInfo``: shopping-cart additions and paying buyers."""

    add_cart_7d: int
    pay_buyers_7d: int
    add_cart_30d: int
    pay_buyers_30d: int


@dataclass(frozen=True, slots=True)
class Dropship:
    """一件代发 terms (``fenxiaoSaleInfo``): the one-piece price is the SKU's consign price plus postage."""

    free_postage: bool
    start_quantity: int
    #: What one piece costs to post when postage is not free.
    postage: Decimal


@dataclass(frozen=True, slots=True)
class MixSetting:
    """``sellerMixSetting``: mixed-batch ordering (混批)."""

    general: bool
    #: Least order value (CNY) and least number of pieces of a mixed batch.
    amount: int
    number: int


@dataclass(frozen=True, slots=True)
class Certificate:
    name: str
    code: str
    #: Paths relative to the image host.
    photo_paths: tuple[str, ...]


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
    #: ``quoteType`` as the pages define it: 0 no SKUs, priced by quantity; 1 priced per SKU;
    #: 2 SKUs, priced by quantity (every SKU at the tier price).
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
    #: Units sold in the last 7 and 14 days and ever (``month_sold`` is the last 30 days').
    sales_7d: int
    sales_14d: int
    total_sales: int
    #: ``tradeScore``: the product's transaction rating out of 5, one decimal.
    trade_score: Decimal
    trade: TradeStats
    rates: ServiceRates
    #: ``offerDataInfo.offerApplauseRate`` (a fraction) and ``kjFeaturedServices``.
    applause_rate: Decimal
    featured_services: tuple[str, ...]
    #: ``isJxhy`` (精选货源, curated supply): its curated prices are the offer's own (consign, wholesale).
    jxhy: bool
    #: ``isSelect``: in the cross-border select assortment (``offerIdentities`` then holds ``select``).
    cross_select: bool
    #: ``yx`` (严选) and/or ``select``.
    offer_identities: tuple[str, ...]
    #: ``isPatentProduct``; patented offers list their certificates.
    patent: bool
    certificates: tuple[Certificate, ...]
    #: ``token``: the plugin rebate token.
    token: str
    #: Paths of the AIGC-translated images (``productImageTrans``, ``aigcImageUrl`` is the first), or empty.
    image_trans_paths: tuple[str, ...]
    white_image_trans_path: str | None
    #: The description after AIGC translation (``descriptionTrans``).
    description_trans_html: str
    #: ``sellingPoint``: translated selling points.
    selling_points: tuple[str, ...]
    dropship: Dropship
    mix: MixSetting
    #: The suggested retail price is the price times this percentage, rounded up to 0.1 CNY.
    retail_markup_percent: int
    #: Paths of the main and detail video on the video host, when the offer has them.
    main_video_path: str | None
    detail_video_path: str | None
    #: ``productCargoNumber`` (货号), when the seller gave one; SKUs number theirs ``{cargo}-{n}``.
    cargo_number: str | None

    @property
    def sold_out(self) -> bool:
        return self.stock == 0

    @property
    def aigc_image_path(self) -> str | None:
        return self.image_trans_paths[0] if self.image_trans_paths else None

    @property
    def promotion_url(self) -> str:
        """``promotionURL``: the offer's detail page with the rebate token."""
        return f"https://detail.1688.com/offer/{self.offer_id}.html?fromkv=refer:{self.token}"

    def one_piece_price(self, consign_price: Decimal) -> Decimal:
        """What one piece costs shipped (``onePiecePrice``): the consign price plus postage unless it is free."""
        return consign_price if self.dropship.free_postage else consign_price + self.dropship.postage

    def retail_price(self, price: Decimal) -> Decimal:
        """The suggested retail price of a wholesale price (``retailPrice``)."""
        tenths = (price * self.retail_markup_percent / 10).to_integral_value(rounding=ROUND_CEILING)
        return tenths.scaleb(-1)
