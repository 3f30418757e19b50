"""How the catalogue changes between epochs, for monitoring crawls and incremental re-harvests.

Between epoch e-1 and e (the catalogue's day e) a keyed draw picks a share
of offers (``drift_share``, 5% by default), and a second draw picks what
happens to each: a SKU's price (or the tier prices) moves, a stock level
changes, the status or the title changes, a SKU comes on or off sale, or
(rarely, a twentieth of the drifted offers) the offer is gone for good.
An offer at epoch e is its epoch-0 record with the changes of epochs 1..e
applied in order, so records of two epochs differ exactly where a change
was drawn, and every derived field (lowest price, stock) moves with it.

A seller's edit (price, title, SKUs, status: :data:`SELLER_EDITS`) moves the
offer's ``modify_date`` into that day, as the real site does; a stock
level moving (sales, a restock) does not. An edit that changes nothing
(a price too small to move by a step) is no edit. Sales move every day for
every offer that sells (:mod:`sales`): the 7-, 14- and 30-day and total
sales of epoch e are sums over the days up to day e, and the trade figures
follow them; those moves are daily life, not drift, and the drift log
(:mod:`driftlog`) leaves them out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from . import vocabulary
from .listing import units_to_decimal
from .offers import SNAPSHOT, OfferBuilder, ceil_step, floor_step, grid_size, step_of, summary, to_units
from .records import Offer, PriceTier, ServiceRates, Sku
from .sales import SalesSeries, window
from .scramble import Draws, Hasher

#: Share of offers drifted per epoch unless configured otherwise.
DEFAULT_SHARE = 0.05
PRICE, STOCK, STATUS, TITLE, SKUS, GONE = "price", "stock", "status", "title", "skus", "gone"
KINDS = (PRICE, STOCK, STATUS, TITLE, SKUS, GONE)
#: Changes a seller makes: they move the offer's ``modify_date``.
SELLER_EDITS = frozenset({PRICE, STATUS, TITLE, SKUS})
NO_RATES = ServiceRates(*(Decimal(0),) * 6)
#: Cumulative shares (out of 256) of the kinds of change a drawn offer undergoes.
_KINDS = ((102, PRICE), (179, STOCK), (197, STATUS), (215, TITLE), (243, SKUS), (256, GONE))


@dataclass(frozen=True, slots=True)
class Day:
    """What one day after day 0 did to an offer."""

    epoch: int
    #: The change the offer underwent (what happened, which can differ from what was drawn: a SKU change
    #: of an offer without SKUs moves its stock), or ``None``.
    kind: str | None
    #: The lowest price at the end of the day.
    price: Decimal
    #: Units sold that day (none while the offer is not published).
    sold: int
    #: The record at the end of the day, its sales figures not yet moved (they are :meth:`Drift.apply`'s).
    offer: Offer


@dataclass(frozen=True, slots=True)
class History:
    """An offer's days after day 0, and its record at the end of the last (sales not yet moved)."""

    #: ``None`` once the offer is gone.
    offer: Offer | None
    #: Days 1, 2, ... up to the epoch asked for, or up to the day before the offer went.
    days: tuple[Day, ...]


class Drift:
    def __init__(
        self, seed: int, builder: OfferBuilder, share: float = DEFAULT_SHARE, sales: SalesSeries | None = None
    ):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"drift share {share} is not between 0 and 1")
        self.share = share
        self._threshold = share * (1 << 32)
        self._select = Hasher(seed, "drift")
        self._params = Hasher(seed, "drift-change")
        self._builder = builder
        self.sales = sales or SalesSeries(seed)
        self._changes = {
            PRICE: self._price,
            STOCK: self._stock,
            STATUS: self._status,
            TITLE: self._title,
            SKUS: self._skus,
        }

    def change(self, index: int, epoch: int) -> str | None:
        """What is drawn for an offer on the way into ``epoch`` (>= 1), or ``None``."""
        h = self._select(index, epoch)
        if (h & 0xFFFFFFFF) >= self._threshold:
            return None
        pick = (h >> 32) & 0xFF
        return next(kind for bound, kind in _KINDS if pick < bound)

    def gone(self, index: int, epoch: int) -> bool:
        return any(self.change(index, step) == GONE for step in range(1, epoch + 1))

    def history(self, offer: Offer, index: int, epoch: int) -> History:
        """The days 1..``epoch`` of an offer, given its epoch-0 record."""
        listing = self._builder.listing(index)
        days: list[Day] = []
        for step in range(1, epoch + 1):
            drawn = self.change(index, step)
            kind = None
            if drawn == GONE:
                return History(None, tuple(days))
            if drawn is not None:
                draws = Draws(self._params, index, step)
                changed, kind = self._changes[drawn](offer, index, draws)
                if changed == offer:
                    kind = None
                elif kind in SELLER_EDITS:
                    modified = SNAPSHOT + timedelta(days=step) - timedelta(seconds=draws.below(86_400))
                    changed = dataclasses.replace(changed, modify_date=modified)
                offer = changed
            sold = self.sales.day(index, listing, step) if offer.status == "published" else 0
            days.append(Day(step, kind, offer.price, sold, offer))
        return History(offer, tuple(days))

    def apply(self, offer: Offer, index: int, epoch: int) -> Offer | None:
        """The offer at ``epoch``, given its epoch-0 record; ``None`` once it is gone."""
        history = self.history(offer, index, epoch)
        if history.offer is None:
            return None
        listing = self._builder.listing(index)
        past = self.sales.past(index, listing)
        sold = [day.sold for day in history.days]
        sales_7d, sales_14d, month_sold = (window(past, sold, epoch, days) for days in (7, 14, 30))
        offer = dataclasses.replace(
            history.offer,
            sales_7d=sales_7d,
            sales_14d=sales_14d,
            month_sold=month_sold,
            total_sales=listing.total_sales + sum(sold),
            trade=self._builder.trade(index, sales_7d, month_sold),
        )
        if not month_sold:
            # An offer that sold nothing in 30 days has no fulfilment rates (the pages: empty means 0).
            offer = dataclasses.replace(offer, rates=NO_RATES, applause_rate=Decimal(0))
        return offer

    def _price(self, offer: Offer, index: int, draws: Draws) -> tuple[Offer, str]:
        percent = 100 + draws.pick((-1, 1)) * draws.between(5, 20)
        if offer.skus and offer.quote_type == 1:
            target = draws.below(len(offer.skus))
            skus = tuple(_reprice(sku, percent) if i == target else sku for i, sku in enumerate(offer.skus))
            return _settle(offer, skus=skus), PRICE
        tiers = _reprice_tiers(offer.price_tiers, percent)
        skus = tuple(_reprice(sku, percent, tiers[0].price) for sku in offer.skus)
        consign = _scaled(offer.consign_price, percent, min(100, step_of(offer.consign_price)))
        return _settle(offer, tiers=tiers, skus=skus, own_consign=consign), PRICE

    def _stock(self, offer: Offer, index: int, draws: Draws) -> tuple[Offer, str]:
        if not offer.skus:
            return _settle(offer, own_stock=_new_stock(offer.stock, draws)), STOCK
        target = draws.below(len(offer.skus))
        skus = tuple(
            dataclasses.replace(sku, stock=_new_stock(sku.stock, draws)) if i == target else sku
            for i, sku in enumerate(offer.skus)
        )
        return _settle(offer, skus=skus), STOCK

    def _status(self, offer: Offer, index: int, draws: Draws) -> tuple[Offer, str]:
        return dataclasses.replace(offer, status="expired" if offer.status == "published" else "published"), STATUS

    def _title(self, offer: Offer, index: int, draws: Draws) -> tuple[Offer, str]:
        """A new marketing prefix: the searchable terms stay, the title string changes."""
        prefixes = vocabulary.MARKETING_PREFIXES
        current = next((p for p in prefixes if offer.title.startswith(p[0])), None)
        rest = offer.title[len(current[0]) :] if current else offer.title
        rest_en = offer.title_en[len(current[1]) + 1 :] if current else offer.title_en
        choices = [p for p in prefixes if p != current]
        zh, en = draws.pick(choices)
        return dataclasses.replace(offer, title=zh + rest, title_en=f"{en} {rest_en}"), TITLE

    def _skus(self, offer: Offer, index: int, draws: Draws) -> tuple[Offer, str]:
        """A SKU comes on sale (a spec combination not offered yet) or, failing that, one goes."""
        if not offer.skus:
            return self._stock(offer, index, draws)
        builder = self._builder
        block = builder.layout.block_of(index)
        grid, _present = builder.spec_grid(index, block)
        offered = {builder.skus.combo_of(sku.sku_id) for sku in offer.skus}
        missing = [combo for combo in range(grid_size(grid)) if combo not in offered]
        if missing and (draws.chance(0.5) or len(offer.skus) == 1):
            added = builder.sku(index, draws.pick(missing))
            if offer.quote_type != 1:
                added = _reprice(added, 100, offer.price_tiers[0].price)
            skus = tuple(sorted(offer.skus + (added,), key=lambda sku: builder.skus.combo_of(sku.sku_id)))
            return _settle(offer, skus=skus), SKUS
        if len(offer.skus) == 1:
            return self._stock(offer, index, draws)
        target = draws.below(len(offer.skus))
        return _settle(offer, skus=tuple(sku for i, sku in enumerate(offer.skus) if i != target)), SKUS


def _new_stock(old: int, draws: Draws) -> int:
    new = 0 if draws.chance(0.2) else draws.between(1, 30_000)
    return new if new != old else new + 1


def _scaled(price: Decimal, percent: int, step: int) -> Decimal:
    return units_to_decimal(ceil_step(to_units(price) * percent // 100, step), step)


def _reprice(sku: Sku, percent: int, fixed: Decimal | None = None) -> Sku:
    """A SKU at a new price (scaled, or ``fixed`` for tier-priced offers), consign and promotion following."""
    step = step_of(sku.price)
    price = (
        fixed
        if fixed is not None
        else units_to_decimal(max(step, ceil_step(to_units(sku.price) * percent // 100, step)), step)
    )
    ratio = to_units(price) * 100 // max(1, to_units(sku.price))
    consign_step = min(100, step_of(sku.consign_price))
    promotion = None
    if sku.promotion_price is not None:
        promotion = units_to_decimal(floor_step(to_units(price) * 90 // 100, step), step)
    return dataclasses.replace(
        sku,
        price=price,
        consign_price=units_to_decimal(
            max(to_units(price), ceil_step(to_units(sku.consign_price) * ratio // 100, consign_step)), consign_step
        ),
        promotion_price=promotion,
    )


def _reprice_tiers(tiers: tuple[PriceTier, ...], percent: int) -> tuple[PriceTier, ...]:
    """Every tier scaled, still strictly descending."""
    step = step_of(tiers[-1].price)
    result: list[PriceTier] = []
    floor = 0
    for tier in reversed(tiers):
        units = max(step, ceil_step(to_units(tier.price) * percent // 100, step), floor + step if result else 0)
        promotion = units_to_decimal(floor_step(units * 90 // 100, step), step) if tier.promotion_price else None
        result.append(dataclasses.replace(tier, price=units_to_decimal(units, step), promotion_price=promotion))
        floor = units
    return tuple(reversed(result))


def _settle(
    offer: Offer,
    *,
    tiers: tuple[PriceTier, ...] | None = None,
    skus: tuple[Sku, ...] | None = None,
    own_consign: Decimal | None = None,
    own_stock: int | None = None,
) -> Offer:
    """Apply changes and re-derive what depends on them; a SKU-priced offer's one tier follows its cheapest SKU."""
    skus = offer.skus if skus is None else skus
    tiers = offer.price_tiers if tiers is None else tiers
    if offer.quote_type == 1 and skus:
        cheapest = min(skus, key=lambda sku: sku.price)
        tiers = (dataclasses.replace(tiers[0], price=cheapest.price, promotion_price=cheapest.promotion_price),)
    price, consign, promotion, stock = summary(
        tiers,
        skus,
        offer.consign_price if own_consign is None else own_consign,
        offer.stock if own_stock is None else own_stock,
    )
    return dataclasses.replace(
        offer,
        price_tiers=tiers,
        skus=skus,
        price=price,
        consign_price=consign,
        promotion_price=promotion,
        stock=stock,
    )
