"""What changed in an offer between two crawls, compared on normalised values, never on raw JSON.

Both sides are reduced to one :class:`OfferState`: this crawl's from the
normalised :class:`~harvester.items.Product`, the previous crawl's from its
rows in the dataset (``harvester.history.previous``). The two detail APIs
answer the same offer in different words and with different noise (a price
``"47.0"`` or ``47``, a stock ``"12"`` or ``12``); after normalisation they
are the same ``Decimal``/``int``/``str``, so a change is a change of the
offer, not of the way it was written.

Fields (``changes.field``), offer-level (``sku_id`` null): ``title``,
``status``, ``stock``, ``price_min``, ``price_max``, ``price_ranges`` (the
quantity tiers as ``start:price`` joined by ``;``) and ``offer`` (``listed``
-> ``missing``: the gateway reports the offer gone). SKU-level, by
``sku_id``: ``price``, ``consign_price``, ``promotion_price``, ``stock``
and ``sku`` (null -> its ``spec_key``: the SKU appeared; its ``spec_key``
-> null: it vanished).

Search listings are compared too (``changes.source`` says which: ``listing``
or ``detail``), on what a search page shows of an offer: ``listing_price``
(``priceInfo.price``), ``modified_at`` (a seller's edit) and ``month_sold``
when it moved by more than ``HARVEST_MONTH_SOLD_TOLERANCE`` (30-day sales move
a little every day; a tick is not a change worth a row). An offer a
re-harvest carried forward unchanged has listing changes at most.

A value one side does not know (null: the API did not say) is not a change,
except ``promotion_price``, where null means "no promotion" and a promotion
that starts or ends is one. An offer known only from a search item (its
detail could not be had) has no SKUs to compare. Values are written as
exact text: prices as their shortest exact decimal (``47``, ``12.5``,
``0.085``), counts as integers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..items import Product
from ..open1688 import endpoints

OFFER_FIELDS = ("title", "status", "stock", "price_min", "price_max", "price_ranges")
SKU_FIELDS = ("price", "consign_price", "promotion_price", "stock")
#: The offer is gone: ``offer`` changes from ``listed`` to ``missing``.
OFFER, LISTED, MISSING = "offer", "listed", "missing"
#: A SKU appeared (old null) or vanished (new null); the value is its spec_key.
SKU = "sku"
#: Fields where null is a value ("no promotion"), not "unknown".
NULL_IS_A_VALUE = frozenset({"promotion_price"})
#: Price fields whose relative moves the summary ranks.
PRICE_FIELDS = frozenset({"price_min", "price_max", "price", "listing_price"})
#: Answers that carry an offer's SKUs: queryProductDetail's, and in datasets written before schema version 4
#: alibaba.cross.productList's (``batch_detail``) too.
DETAIL_APIS = frozenset({"batch_detail", endpoints.PRODUCT_DETAIL.key})

#: A quantity tier: (start quantity, price).
Tier = tuple[int, Decimal]


@dataclass(frozen=True, slots=True)
class SkuState:
    spec_key: str
    price: Decimal | None
    consign_price: Decimal | None
    promotion_price: Decimal | None
    stock: int | None


@dataclass(frozen=True, slots=True)
class OfferState:
    """The part of an offer that is watched."""

    title: str | None
    status: str | None
    stock: int | None
    price_min: Decimal | None
    price_max: Decimal | None
    #: None when unknown (no tiers in the answer).
    price_ranges: tuple[Tier, ...] | None
    #: By sku_id; None when the answer had no SKUs to tell (a search item).
    skus: Mapping[int, SkuState] | None


@dataclass(frozen=True, slots=True)
class ListingState:
    """The part of a search listing that is watched."""

    price: Decimal | None
    modified_at: datetime | None
    month_sold: int | None


#: Where a change was seen (``changes.source``).
FROM_LISTING, FROM_DETAIL = "listing", "detail"


@dataclass(frozen=True, slots=True)
class FieldChange:
    sku_id: int | None
    field: str
    old_value: str | None
    new_value: str | None
    #: Relative move of a price (0.2 = +20%), for the summary; None for other fields.
    move: Decimal | None = None


def state_of(product: Product) -> OfferState:
    """A normalised offer's watched state; SKUs without a sku_id (an offer's implicit row) are not watched."""
    skus = None
    if product.source_api in DETAIL_APIS:
        skus = {
            sku.sku_id: SkuState(sku.spec_key, sku.price, sku.consign_price, sku.promotion_price, sku.stock)
            for sku in product.skus
            if sku.sku_id is not None
        }
    tiers = tuple((tier.start_quantity, tier.price) for tier in product.price_ranges)
    return OfferState(
        product.title, product.status, product.stock, product.price_min, product.price_max, tiers or None, skus
    )


def value_text(value: Any) -> str | None:
    """Exact text of a watched value: ``Decimal("12.5000")`` is ``12.5``, tiers are ``1:12.5;10:11``."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return ";".join(f"{start}:{value_text(price)}" for start, price in value)
    return str(value)


def _move(field: str, old: Any, new: Any) -> Decimal | None:
    if field not in PRICE_FIELDS or not isinstance(old, Decimal) or not isinstance(new, Decimal) or not old:
        return None
    return (new - old) / old


def _compare_value(changes: list[FieldChange], sku_id: int | None, field: str, old: Any, new: Any) -> None:
    if old == new or ((old is None or new is None) and field not in NULL_IS_A_VALUE):
        return
    changes.append(FieldChange(sku_id, field, value_text(old), value_text(new), _move(field, old, new)))


def compare(old: OfferState, new: OfferState) -> list[FieldChange]:
    """Every watched field that differs, offer-level first, then SKUs by sku_id."""
    changes: list[FieldChange] = []
    for field in OFFER_FIELDS:
        _compare_value(changes, None, field, getattr(old, field), getattr(new, field))
    if old.skus is None or new.skus is None:
        return changes
    for sku_id in sorted(old.skus.keys() | new.skus.keys()):
        before, after = old.skus.get(sku_id), new.skus.get(sku_id)
        if before is None:
            changes.append(FieldChange(sku_id, SKU, None, after.spec_key))  # type: ignore[union-attr]
        elif after is None:
            changes.append(FieldChange(sku_id, SKU, before.spec_key, None))
        else:
            for field in SKU_FIELDS:
                _compare_value(changes, sku_id, field, getattr(before, field), getattr(after, field))
    return changes


def compare_listing(old: ListingState, new: ListingState, month_sold_tolerance: float) -> list[FieldChange]:
    """The watched listing fields that differ (``month_sold`` only past the tolerance)."""
    changes: list[FieldChange] = []
    _compare_value(changes, None, "listing_price", old.price, new.price)
    _compare_value(changes, None, "modified_at", old.modified_at, new.modified_at)
    if (
        old.month_sold is not None
        and new.month_sold is not None
        and abs(new.month_sold - old.month_sold) > month_sold_tolerance * max(old.month_sold, 1)
    ):
        _compare_value(changes, None, "month_sold", old.month_sold, new.month_sold)
    return changes


def gone() -> FieldChange:
    """The change of an offer the gateway reports missing."""
    return FieldChange(None, OFFER, LISTED, MISSING)
