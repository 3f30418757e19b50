"""The real gateway's untidiness, drawn per offer so that every answer about an offer is untidy the same way.

None of it changes meaning: a full-width ``ＸＬ`` is ``XL`` after NFKC, stray
spaces trim away, a duplicated SKU repeats the same content, a missing block
or a ``null`` withholds information without contradicting it. A normaliser
that folds NFKC, trims, de-duplicates by ``skuId`` and reads numbers from
strings recovers the truth record exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .scramble import Draws, Hasher

_FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}
_FULL_WIDTH[0x20] = 0x3000


@dataclass(frozen=True, slots=True)
class OfferNoise:
    #: ``categoryName`` comes back ``null``.
    category_name_null: bool
    #: Whole numbers (ids, counts, quantities, ``quoteType``) come back as strings (``"120"``), as relayed
    #: real answers send most of them; most offers.
    numbers_as_strings: bool
    #: SKU attribute values with Latin letters or digits come back full-width (``ＸＬ``).
    full_width: bool
    #: Titles and attribute values carry leading/trailing spaces.
    whitespace: bool
    #: One SKU appears twice (same ``skuId``, same content); the position of the copy.
    duplicate_sku: int | None
    #: ``productShippingInfo`` (detail) is absent.
    no_shipping_block: bool
    #: ``sellerDataInfo`` (detail) is ``null``.
    no_seller_data: bool
    #: ``tagInfoList`` (detail) is absent.
    no_tags: bool
    #: Absent optional values are left out rather than sent as ``null``.
    omit_nulls: bool
    #: Integer prices come back as ``"47"`` rather than ``"47.0"``.
    bare_integers: bool
    #: Search items carry only the eight fields of the relayed real item (no categories, seller, dates...).
    sparse_listing: bool
    #: A rate of zero is sent as ``""`` (the pages: "empty value means 0") rather than ``"0.00%"``.
    empty_zero_rates: bool


#: Offers whose search items carry only the relayed real item's eight fields, by default.
SPARSE_LISTING_SHARE = 0.08


class Noise:
    def __init__(self, seed: int, sparse_listing_share: float = SPARSE_LISTING_SHARE):
        self._hasher = Hasher(seed, "noise")
        self.sparse_listing_share = sparse_listing_share

    def for_offer(self, offer_id: int, sku_count: int) -> OfferNoise:
        draws = Draws(self._hasher, offer_id)
        duplicate = draws.chance(0.04)
        position = draws.below(max(1, sku_count))
        return OfferNoise(
            category_name_null=draws.chance(0.25),
            numbers_as_strings=draws.chance(0.7),
            full_width=draws.chance(0.12),
            whitespace=draws.chance(0.1),
            duplicate_sku=position if duplicate and sku_count else None,
            no_shipping_block=draws.chance(0.1),
            no_seller_data=draws.chance(0.05),
            no_tags=draws.chance(0.15),
            omit_nulls=draws.chance(0.3),
            bare_integers=draws.chance(0.2),
            sparse_listing=draws.chance(self.sparse_listing_share),
            empty_zero_rates=draws.chance(0.5),
        )


def full_width(text: str) -> str:
    """ASCII letters, digits, punctuation and spaces as their full-width forms (NFKC undoes it)."""
    return text.translate(_FULL_WIDTH)


def padded(text: str, noise: OfferNoise, salt: int = 0) -> str:
    """The text with a stray space or ideographic space around it, when the offer is untidy."""
    if not noise.whitespace:
        return text
    return (" ", "", "\u3000 ")[salt % 3] + text + (" ", "  ", "")[salt % 3]


def price_text(price: Decimal, noise: OfferNoise | None = None) -> str:
    """A price as the gateway writes it: ``"47.0"`` (or ``"47"``), ``"12.3"``, ``"0.085"``; never exponent form."""
    text = format(price.normalize(), "f")
    if "." not in text and not (noise and noise.bare_integers):
        text += ".0"
    return text


def count(value: int, noise: OfferNoise) -> int | str:
    """A whole number as this offer's answers send it: a JSON number, or a string for most offers."""
    return str(value) if noise.numbers_as_strings else value


def percent(fraction: Decimal, noise: OfferNoise, places: int = 2) -> str:
    """A rate as ``"99.12%"``; zero as ``""`` for offers whose answers leave zero rates empty."""
    if not fraction and noise.empty_zero_rates:
        return ""
    return f"{fraction * 100:.{places}f}%"


def short_percent(fraction: Decimal) -> str:
    """A rate without trailing zeros: ``"98%"``, ``"33.9%"``, ``"0%"`` (``offerDataInfo``'s form)."""
    return format((fraction * 100).normalize(), "f") + "%"
