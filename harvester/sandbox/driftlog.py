"""The drift log: which offers changed between two epochs, and how, to measure re-harvests against.

An event is one offer's change on the way into one epoch: what happened
(:data:`drift.KINDS`), whether it was a seller's edit (one that moved
``modifyDate``), and what it changed, field by field, as text: the offer's
title, status, lowest, consign and promotion price, stock, tier prices and
modify date; each SKU's price, consign and promotion price and stock; SKUs
coming on or going off sale (field ``sku``, the spec key on the side it
exists); the offer gone (field ``offer``, ``listed`` to ``gone``). Sales,
which move every day for every offer that sells, are daily life rather
than drift and are left out: a benchmark measures a re-harvest's recall
against these events, and its ``monthSold`` tolerance against the sales.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from .drift import GONE
from .records import Offer, PriceTier
from .shapes import product_date

#: Offer fields the log compares, in this order.
OFFER_FIELDS = ("title", "status", "price", "consign_price", "promotion_price", "stock", "price_tiers", "modify_date")
#: SKU fields the log compares, in this order.
SKU_FIELDS = ("price", "consign_price", "promotion_price", "stock")


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None
    #: The SKU changed, or ``None`` for the offer itself.
    sku_id: int | None = None


@dataclass(frozen=True, slots=True)
class DriftEvent:
    offer_id: int
    #: The change happened on the way into this epoch (between ``epoch - 1`` and ``epoch``).
    epoch: int
    #: ``price``, ``stock``, ``status``, ``title``, ``skus`` or ``gone``.
    kind: str
    #: A seller's edit: it moved the offer's ``modifyDate`` (a stock level moving does not).
    seller_edit: bool
    changes: tuple[FieldChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "offer_id": self.offer_id,
            "epoch": self.epoch,
            "kind": self.kind,
            "seller_edit": self.seller_edit,
            "changes": [
                {"sku_id": change.sku_id, "field": change.field, "old": change.old, "new": change.new}
                for change in self.changes
            ],
        }


def text(value: Any) -> str | None:
    """A value as the log writes it: exact decimals without trailing zeros, product-API dates."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return product_date(value)
    if isinstance(value, tuple) and all(isinstance(tier, PriceTier) for tier in value):
        return ";".join(f"{tier.start_quantity}:{text(tier.price)}" for tier in value)
    return str(value)


def diff(before: Offer, after: Offer) -> tuple[FieldChange, ...]:
    """Every field the log compares that differs between two records of one offer."""
    changes = [
        FieldChange(name, text(getattr(before, name)), text(getattr(after, name)))
        for name in OFFER_FIELDS
        if getattr(before, name) != getattr(after, name)
    ]
    old = {sku.sku_id: sku for sku in before.skus}
    new = {sku.sku_id: sku for sku in after.skus}
    for sku_id in sorted(old.keys() | new.keys()):
        if sku_id not in new:
            changes.append(FieldChange("sku", old[sku_id].spec_key, None, sku_id))
        elif sku_id not in old:
            changes.append(FieldChange("sku", None, new[sku_id].spec_key, sku_id))
        else:
            changes.extend(
                FieldChange(name, text(getattr(old[sku_id], name)), text(getattr(new[sku_id], name)), sku_id)
                for name in SKU_FIELDS
                if getattr(old[sku_id], name) != getattr(new[sku_id], name)
            )
    return tuple(changes)


def gone(offer_id: int, epoch: int) -> DriftEvent:
    return DriftEvent(offer_id, epoch, GONE, False, (FieldChange("offer", "listed", "gone"),))


def summary(events: list[DriftEvent]) -> dict[str, Any]:
    """How many offers changed, and how many events of each kind."""
    kinds: dict[str, int] = {}
    for event in events:
        kinds[event.kind] = kinds.get(event.kind, 0) + 1
    return {"changed_offers": len({event.offer_id for event in events}), "by_kind": dict(sorted(kinds.items()))}
