"""Pieces of the answer models that several APIs share, rendered one way for all of them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from .noise import OfferNoise, price_text
from .records import Offer

JsonObject = dict[str, Any]


def product_date(moment: datetime) -> str:
    """``2024-04-20 08:00:00``: how product APIs write times (China time, no zone)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def optional(target: JsonObject, key: str, value: Any, noise: OfferNoise) -> None:
    """Set a key, or for some offers leave an absent value out instead of sending ``null``."""
    if value is not None or not noise.omit_nulls:
        target[key] = value


def money(price: Decimal | None, noise: OfferNoise) -> str | None:
    return None if price is None else price_text(price, noise)


def trace(offer: Offer) -> str:
    return f"object_id@{offer.offer_id}^object_type@offer"


def promotion_model(offer: Offer) -> JsonObject:
    """``promotionModel``: the pages say only ``plus`` is passed on; it is there when the offer has a promotion."""
    on_promotion = offer.promotion_price is not None
    return {"hasPromotion": on_promotion, "promotionType": "plus" if on_promotion else None}


def invoice_info(offer: Offer) -> JsonObject:
    invoice = offer.seller.invoice
    return {
        "supportOnlineInvoice": invoice.online,
        "supportFastInvoice": invoice.fast,
        "invoiceTypes": list(invoice.types),
        "taxpayerType": invoice.taxpayer_type,
    }
