"""Builds an offer's truth record at epoch 0 from its listing facts and its own keyed draws.

The lowest price, title, monthly sales and flags come from the listing, so
search and detail always agree; everything else (SKU grid, tiers, stock,
attributes) comes from draws keyed by the offer index. Prices are computed in
integer units of 1/10,000 CNY and quantised to the offer's price step, then
turned into exact ``Decimal`` values.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from . import vocabulary
from .facts import OfferFacts
from .images import IMAGE_HOST, SELLER_BANNER, SKU_IMAGE_BASE, SKU_TRANS_BASE, WHITE_IMAGE, ImagePaths
from .layout import Block, Layout
from .listing import PRICE_UNITS, SHIP_24H, SHIP_48H, Listing, ListingFacts, title, units_to_decimal
from .records import Attribute, Offer, Package, PriceTier, Seller, Shipping, Sku, SpecValue, TradeStats
from .scramble import Draws, Feistel, Hasher
from .sellers import SellerDirectory
from .videos import VideoPaths

#: The moment the epoch-0 catalogue describes; drift epoch e is e days later.
SNAPSHOT = datetime(2025, 6, 30, 23, 59, 59)
MAX_SKU_COMBOS = 64
_SKU_ID_BASE = 1_000_000_000_000
_DISTRICT_PINYIN = {place.district: place.pinyin for place in vocabulary.PLACES.values()}

#: The spec attributes of an offer and, for each, the positions of the values it offers.
Grid = list[tuple[vocabulary.SpecKind, list[int]]]
#: Image paths of the first spec's values, and of their AIGC translations.
SkuImages = tuple[list[str | None], list[str | None]]


def ceil_step(units: int, step: int) -> int:
    return -(-units // step) * step


def floor_step(units: int, step: int) -> int:
    return max(step, units // step * step)


def to_units(price: Decimal) -> int:
    return int(price * PRICE_UNITS)


def step_of(price: Decimal) -> int:
    """The quantum of an exact price: ``Decimal("12.30")`` -> 100 units."""
    return 10 ** (4 + price.as_tuple().exponent)  # type: ignore[operator]


def summary(
    tiers: tuple[PriceTier, ...], skus: tuple[Sku, ...], own_consign: Decimal, own_stock: int
) -> tuple[Decimal, Decimal, Decimal | None, int]:
    """Lowest price, lowest consign price, lowest promotion price and stock of an offer.

    Kept in one place because both the builder and drift must derive these the
    same way from tiers and SKUs, or diffs between epochs would lie.
    """
    prices = [tier.price for tier in tiers] + [sku.price for sku in skus]
    promotions = [p for p in [tier.promotion_price for tier in tiers] + [sku.promotion_price for sku in skus] if p]
    consign = min(sku.consign_price for sku in skus) if skus else own_consign
    stock = sum(sku.stock for sku in skus) if skus else own_stock
    return min(prices), consign, (min(promotions) if promotions else None), stock


class SkuFactory:
    """SKUs of an offer: one per combination of chosen spec values (its *combo* number)."""

    def __init__(self, seed: int, image_paths: ImagePaths):
        self._ids = Feistel(seed, "sku-id", 42)
        self._draws = Hasher(seed, "sku")
        self._image_paths = image_paths

    def sku_id(self, index: int, combo: int) -> int:
        return _SKU_ID_BASE + self._ids.encrypt(index << 6 | combo)

    def combo_of(self, sku_id: int) -> int:
        return self._ids.decrypt(sku_id - _SKU_ID_BASE) & 63

    def image_paths(self, index: int, grid: Grid, plan: SkuPlan, seller: Seller) -> SkuImages:
        """The image of each value of the first spec, when the offer shows colour swatches, and its translation."""
        count = len(grid[0][1])
        if not plan.sku_images or grid[0][0].name_en != "Color":
            return [None] * count, [None] * count
        member = seller.member_id
        originals: list[str | None] = [self._image_paths.path(index, SKU_IMAGE_BASE + n, member) for n in range(count)]
        translated: list[str | None] = [
            self._image_paths.path(index, SKU_TRANS_BASE + n, member) if plan.images_translated else None
            for n in range(count)
        ]
        return originals, translated

    def make(self, index: int, combo: int, grid: Grid, plan: SkuPlan, images: SkuImages) -> Sku:
        """One SKU; ``images`` are :meth:`image_paths` (computed once per offer)."""
        positions = _combo_positions(combo, grid)
        # One hash per SKU, sliced by hand: SKUs are built by the hundred thousand in a crawl.
        h = self._draws(index, combo)
        if plan.quote_type == 1:
            price = plan.base_price + sum(
                position * plan.increments[s] for s, position in enumerate(positions) if grid[s][0].priced
            )
        else:
            price = plan.tier_price
        consign_step = min(100, plan.step)
        consign = ceil_step(price * (105 + (h & 0xFFFF) * 21 // 0x10000) // 100, consign_step)
        promotion = floor_step(price * 90 // 100, plan.step) if plan.on_promotion else None
        sold_out = (h >> 16 & 0xFFFF) < 0.08 * 0x10000
        stock = 0 if sold_out else 1 + (h >> 32 & 0xFFFF) * (h >> 48 & 0xFFFF) * 20_000 // (1 << 32)
        attributes = []
        for s, position in enumerate(positions):
            kind, chosen = grid[s]
            value, value_en = kind.values[chosen[position]]
            image, trans = (images[0][position], images[1][position]) if s == 0 else (None, None)
            attributes.append(SpecValue(kind.attribute_id, kind.name, kind.name_en, value, value_en, image, trans))
        # Sizes vary around the offer's package: each edge 85-116%, the weight 80-143%, the AI's guess 92-123%.
        length, width, height, grams = plan.package
        weight = max(1, grams * (80 + (h >> 79 & 0x3F)) // 100)
        package = Package(
            length_cm=Decimal(max(1, length * (85 + (h >> 64 & 0x1F)) // 100)).scaleb(-1),
            width_cm=Decimal(max(1, width * (85 + (h >> 69 & 0x1F)) // 100)).scaleb(-1),
            height_cm=Decimal(max(1, height * (85 + (h >> 74 & 0x1F)) // 100)).scaleb(-1),
            weight_g=weight,
            ai_weight_g=max(1, weight * (92 + (h >> 85 & 0x1F)) // 100),
        )
        return Sku(
            sku_id=self.sku_id(index, combo),
            spec_id=f"{h >> 128:032x}",
            price=units_to_decimal(price, plan.step),
            consign_price=units_to_decimal(consign, consign_step),
            promotion_price=units_to_decimal(promotion, plan.step) if promotion is not None else None,
            stock=stock,
            cargo_number=f"{plan.cargo}-{combo + 1}" if plan.cargo else "",
            attributes=tuple(attributes),
            package=package,
        )


@dataclass(frozen=True, slots=True)
class SkuPlan:
    """What every SKU of one offer shares: price basis (units), promotion, cargo prefix, images."""

    base_price: int
    step: int
    #: Price added per value position of each priced spec.
    increments: list[int]
    quote_type: int
    #: What every SKU costs when the offer is priced by quantity tiers (quote type 0).
    tier_price: int
    on_promotion: bool
    cargo: str
    sku_images: bool
    #: The offer's images went through AIGC translation (``*Trans`` images).
    images_translated: bool
    #: The packed size SKUs vary around: length, width, height (tenths of a cm) and weight (grams).
    package: tuple[int, int, int, int]


def _combo_positions(combo: int, grid: Grid) -> list[int]:
    """Mixed-radix digits of a combo number, first spec most significant."""
    positions = []
    for _kind, chosen in reversed(grid):
        combo, position = divmod(combo, len(chosen))
        positions.append(position)
    return positions[::-1]


@dataclass(frozen=True, slots=True)
class Pricing:
    has_skus: bool
    #: Start quantities of the price tiers; the first is the minimum order quantity.
    quantities: list[int]
    #: Tier prices in units, highest first.
    tier_prices: list[int]
    plan: SkuPlan


class OfferBuilder:
    def __init__(
        self,
        seed: int,
        layout: Layout,
        listings: ListingFacts,
        sellers: SellerDirectory,
        image_paths: ImagePaths,
        video_paths: VideoPaths,
        offer_id: Callable[[int], int],
    ):
        self.layout = layout
        self._facts = OfferFacts(seed, image_paths, video_paths)
        self._listings = listings
        self._sellers = sellers
        self._image_paths = image_paths
        self._offer_id = offer_id
        self._draws = Hasher(seed, "offer")
        self.skus = SkuFactory(seed, image_paths)

    def listing(self, index: int) -> Listing:
        return self._listings.listing(index, self.layout.block_of(index))

    def trade(self, index: int, sales_7d: int, month_sold: int) -> TradeStats:
        """The offer's ``productTradeInfo`` for other sales figures than its listing's (sales move with drift)."""
        return self._facts.trade(index, sales_7d, month_sold)

    def spec_grid(self, index: int, block: Block) -> tuple[Grid, list[int]]:
        """The spec attributes an offer uses, the value positions it offers for each, and which combos exist."""
        draws = Draws(self._draws, index, 1)
        specs = block.leaf.specs
        names = [specs[0]] + draws.sample(specs[1:], draws.between(1, len(specs)) - 1)
        grid = []
        combos = 1
        for name in names:
            kind = vocabulary.SPECS[name]
            wanted = draws.between(2, min(6 if not kind.priced else 5, len(kind.values)))
            count = max(1, min(wanted, MAX_SKU_COMBOS // combos))
            combos *= count
            grid.append((kind, draws.sample(range(len(kind.values)), count)))
        present = [combo for combo in range(combos) if combo == 0 or draws.chance(0.85)]
        return grid, present

    def pricing(self, index: int, listing: Listing) -> Pricing:
        """How an offer is priced: its own draw stream, so drift can make SKUs without rebuilding the offer."""
        draws = Draws(self._draws, index, 0)
        price, step = listing.price_units, listing.price_step
        has_skus = draws.chance(0.85)
        quote_type = 1 if has_skus and draws.chance(0.7) else 0
        tier_prices = self._tier_prices(price, step, 1 if quote_type == 1 else draws.between(1, 3), draws)
        quantities = [self._min_order_quantity(listing, draws)]
        for _ in tier_prices[1:]:
            quantities.append(quantities[-1] * draws.pick((3, 5, 10)))
        cargo = (
            f"{chr(65 + draws.below(26))}{chr(65 + draws.below(26))}-{draws.between(100, 9999)}"
            if draws.chance(0.6)
            else ""
        )
        plan = SkuPlan(
            base_price=price,
            step=step,
            increments=[ceil_step(price * draws.between(5, 20) // 100, step) for _ in range(3)],
            quote_type=quote_type,
            tier_price=tier_prices[0],
            on_promotion=draws.chance(0.15),
            cargo=cargo,
            sku_images=draws.chance(0.6),
            images_translated=draws.chance(0.6),
            package=(draws.between(50, 600), draws.between(50, 600), draws.between(20, 400), draws.between(20, 3000)),
        )
        return Pricing(has_skus, quantities, tier_prices, plan)

    def sku(self, index: int, combo: int) -> Sku:
        """One SKU of an offer as it is at epoch 0 (drift uses it to put a SKU on sale)."""
        block = self.layout.block_of(index)
        listing = self._listings.listing(index, block)
        seller = self._sellers.seller(block.first_seller + block.local_seller(index))
        grid, _present = self.spec_grid(index, block)
        plan = self.pricing(index, listing).plan
        return self.skus.make(index, combo, grid, plan, self.skus.image_paths(index, grid, plan, seller))

    def build(self, index: int) -> Offer:
        block = self.layout.block_of(index)
        leaf = block.leaf
        listing = self._listings.listing(index, block)
        seller_number = block.first_seller + block.local_seller(index)
        seller = self._sellers.seller(seller_number)
        pricing = self.pricing(index, listing)
        plan = pricing.plan
        price, step = listing.price_units, listing.price_step
        tiers = tuple(
            PriceTier(
                start_quantity=quantity,
                price=units_to_decimal(units, step),
                promotion_price=units_to_decimal(floor_step(units * 90 // 100, step), step)
                if plan.on_promotion
                else None,
            )
            for quantity, units in zip(pricing.quantities, pricing.tier_prices)
        )
        skus: tuple[Sku, ...] = ()
        if pricing.has_skus:
            grid, present = self.spec_grid(index, block)
            images = self.skus.image_paths(index, grid, plan, seller)
            skus = tuple(self.skus.make(index, combo, grid, plan, images) for combo in present)

        draws = Draws(self._draws, index, 2)
        consign_step = min(100, step)
        own_consign = units_to_decimal(
            ceil_step(price * (100 + draws.between(5, 25)) // 100, consign_step), consign_step
        )
        own_stock = 0 if draws.chance(0.03) else 1 + draws.below(50_000) * draws.below(50_000) // 50_000
        lowest, consign, promotion, stock = summary(tiers, skus, own_consign, own_stock)

        images = tuple(self._image_paths.path(index, n, seller.member_id) for n in range(draws.between(3, 6)))
        white = self._image_paths.path(index, WHITE_IMAGE, seller.member_id) if draws.chance(0.5) else None
        subject, subject_en = title(listing, leaf)
        created = (
            SNAPSHOT.replace(hour=0, minute=0, second=0)
            - timedelta(days=listing.create_days)
            + timedelta(seconds=listing.create_second)
        )
        modified = min(
            SNAPSHOT, created + timedelta(days=draws.below(listing.create_days + 1), seconds=draws.below(86_400))
        )
        # Drawn in this order since the first catalogue: later draws must not move earlier ones.
        batch_number = None if draws.chance(0.7) else draws.pick((1, 2, 5, 10))
        attributes = self._attributes(listing, block, seller_number, seller, plan.cargo, draws)
        weight_kg = Decimal(draws.between(20, 3000)).scaleb(-3)
        length, width, height = draws.between(5, 60), draws.between(5, 60), draws.between(2, 40)
        tags = (
            ("isOnePsale", listing.one_psale),
            ("isSupportMix", draws.chance(0.6)),
            ("noReason7DReturn", draws.chance(0.7)),
            ("is1688Selection", listing.selection),
        )
        facts = self._facts.offer(
            index,
            listing,
            seller,
            images,
            white,
            attributes,
            [leaf.traits[position] for position in listing.traits],
            plan.images_translated,
            tags[1][1],
            subject_en,
        )
        return Offer(
            offer_id=self._offer_id(index),
            category=block.category,
            title=subject,
            title_en=subject_en,
            seller=seller,
            status="published",
            price=lowest,
            consign_price=consign,
            promotion_price=promotion,
            price_tiers=tiers,
            quote_type=plan.quote_type if plan.quote_type == 1 or not skus else 2,
            skus=skus,
            stock=stock,
            month_sold=listing.month_sold,
            repurchase_rate=Decimal(listing.repurchase_percent).scaleb(-2),
            min_order_quantity=pricing.quantities[0],
            batch_number=batch_number,
            unit=leaf.unit,
            unit_en=vocabulary.UNITS[leaf.unit],
            image_paths=images,
            white_image_path=white,
            attributes=attributes,
            description_html=_description(
                subject,
                subject_en,
                images,
                self._image_paths.path(seller_number, SELLER_BANNER + index % 2, seller.member_id),
            ),
            shipping=Shipping(
                send_from=f"{seller.province} {seller.city}",
                weight_kg=weight_kg,
                length_cm=length,
                width_cm=width,
                height_cm=height,
                guarantee={SHIP_24H: "shipIn24Hours", SHIP_48H: "shipIn48Hours"}.get(listing.ship),
                **self._facts.shipping(index, block, weight_kg, length, width, height),
            ),
            one_psale=listing.one_psale,
            selection=listing.selection,
            tags=tags + (("select", facts["cross_select"]),),
            create_date=created,
            modify_date=modified,
            cargo_number=plan.cargo or None,
            **facts,
        )

    @staticmethod
    def _min_order_quantity(listing: Listing, draws: Draws) -> int:
        if listing.one_psale:
            return 1
        if listing.price_units < PRICE_UNITS:
            return draws.pick((50, 100, 200, 500, 1000))
        if listing.price_units < 10 * PRICE_UNITS:
            return draws.pick((2, 3, 5, 10, 20))
        return draws.pick((1, 2, 3, 5))

    @staticmethod
    def _tier_prices(lowest: int, step: int, count: int, draws: Draws) -> list[int]:
        """Tier prices, highest first, ending with the offer's lowest price."""
        prices = [lowest]
        for _ in range(count - 1):
            higher = ceil_step(prices[0] * (100 + draws.between(3, 15)) // 100, step)
            prices.insert(0, max(higher, prices[0] + step))
        return prices

    def _attributes(
        self, listing: Listing, block: Block, seller_number: int, seller: Seller, cargo: str, draws: Draws
    ) -> tuple[Attribute, ...]:
        names = vocabulary.PRODUCT_ATTRIBUTES
        traits = [block.leaf.traits[position] for position in listing.traits]
        material = next(
            (vocabulary.TRAIT_MATERIALS[t] for t in traits if t in vocabulary.TRAIT_MATERIALS), block.leaf.material
        )
        if draws.chance(0.7):
            brand = ("其他", "Other")
        else:
            zh, pinyin = self._sellers.brand(seller_number)
            brand = (zh, pinyin.upper())
        values = {
            "brand": brand,
            "material": (material, vocabulary.MATERIALS[material]),
            "origin": (seller.district, _DISTRICT_PINYIN[seller.district].capitalize()),
            "item_number": (cargo, cargo) if cargo else None,
            "imported": vocabulary.YES_NO[False],
            "cross_border": vocabulary.YES_NO[draws.chance(0.5)],
        }
        return tuple(
            Attribute(names[key][0], names[key][1], names[key][2], value[0], value[1])
            for key, value in values.items()
            if value is not None
        )


def grid_size(grid: Grid) -> int:
    """How many SKU combinations a spec grid has."""
    size = 1
    for _kind, chosen in grid:
        size *= len(chosen)
    return size


def _description(subject: str, subject_en: str, images: tuple[str, ...], banner: str) -> str:
    """The title, the offer's pictures, then the seller's shop banner (shared by all its offers)."""
    pictures = "".join(f'<p><img src="{IMAGE_HOST}/{path}" alt=""/></p>' for path in (*images, banner))
    return f'<div class="offer-desc"><p>{html.escape(subject)}</p><p>{html.escape(subject_en)}</p>{pictures}</div>'
