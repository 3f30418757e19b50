"""An offer's listing facts: the few fields search filters, sorts and matches on.

One keyed hash per offer yields them all (title terms, lowest price, monthly
sales, flags...), so a search can scan a 60,000-offer category in well under
a second and the full offer record, built later from the same facts, always
agrees with what search said about it.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from . import vocabulary
from .layout import Block
from .scramble import derive_key

#: Prices are held as integers of 1/10,000 CNY: exact, and cheap to compare.
PRICE_UNITS = 10_000

#: ``shipIn24Hours`` offers also ship within 48 hours.
SHIP_NONE, SHIP_24H, SHIP_48H = 0, 1, 2


class Listing(NamedTuple):
    index: int
    #: Position of the kind in the category's kinds, or -1.
    kind: int
    #: Positions of the category traits in the title, ascending.
    traits: tuple[int, ...]
    #: Marketing prefix and suffix positions, or -1.
    prefix: int
    suffix: int
    price_units: int
    #: The price's quantum in units: 10,000 (whole yuan), 1,000, 100, 10 or 1.
    price_step: int
    month_sold: int
    repurchase_percent: int
    ship: int
    one_psale: bool
    selection: bool
    #: Days before the catalogue's reference date the offer was created, and the second of that day.
    create_days: int
    create_second: int
    relevance: int
    #: Units sold in the last 7 and 14 days and in total (``month_sold`` is the last 30 days'):
    #: ``sales_7d <= sales_14d <= month_sold <= total_sales``.
    sales_7d: int
    sales_14d: int
    total_sales: int

    @property
    def price(self) -> Decimal:
        return units_to_decimal(self.price_units, self.price_step)


_DECIMALS = {1: 4, 10: 3, 100: 2, 1_000: 1, 10_000: 0}


def units_to_decimal(units: int, step: int) -> Decimal:
    """An exact price with as many decimals as its quantum has (step 100 -> ``12.30``)."""
    quanta, remainder = divmod(units, step)
    if remainder:
        raise ValueError(f"{units} price units are not a multiple of the quantum {step}")
    return Decimal(quanta).scaleb(-_DECIMALS[step])


def _log_uniform(bits20: int, powers: int) -> int:
    """Integer ``2**(u*powers) - 1`` for u uniform in [0, 1): a heavy tail without floats."""
    scaled = bits20 * powers
    whole, fraction = scaled >> 20, scaled & 0xFFFFF
    return (1 << whole) + ((1 << whole) * fraction >> 20) - 1


#: Bits of :attr:`Columns.flags`.
FLAG_SHIP_24H, FLAG_SHIP_48H, FLAG_ONE_PSALE, FLAG_SELECTION, FLAG_NEW7 = 1, 2, 4, 8, 16


@dataclass(frozen=True, slots=True)
class Columns:
    """The listings of one category block as compact arrays: the search index of that block.

    Built on the first search that touches the block and kept (bounded) by the
    search engine, so that the many narrow queries of a split harvest each cost
    an array scan rather than a rehash of the block.
    """

    ids: array
    kind: array
    #: Bit t set when the title shows trait t.
    traits: array
    price: array
    month_sold: array
    repurchase: array
    flags: array
    relevance: array
    sales_7d: array
    sales_14d: array
    total_sales: array


class ListingFacts:
    """Computes listings of one catalogue; the hot loop of every search."""

    def __init__(self, seed: int):
        self._key = derive_key(seed, "listing")
        self._price_ranges = [
            tuple(int(Decimal(value) * PRICE_UNITS) for value in leaf.price) for leaf in vocabulary.LEAF_CATEGORIES
        ]

    def listing(self, index: int, block: Block) -> Listing:
        return Listing(index, *self._fields(self._hash(index), block))

    def columns(self, block: Block, offer_id: Callable[[int], int]) -> Columns:
        columns = Columns(
            ids=array("q"),
            kind=array("b"),
            traits=array("H"),
            price=array("q"),
            month_sold=array("l"),
            repurchase=array("B"),
            flags=array("B"),
            relevance=array("l"),
            sales_7d=array("i"),
            sales_14d=array("i"),
            total_sales=array("i"),
        )
        fields = self._fields
        digest = self._hash
        for index in range(block.start, block.stop):
            (
                kind,
                traits,
                _prefix,
                _suffix,
                price,
                _step,
                month_sold,
                repurchase,
                ship,
                one_psale,
                selection,
                create_days,
                _second,
                relevance,
                sales_7d,
                sales_14d,
                total_sales,
            ) = fields(digest(index), block)
            columns.ids.append(offer_id(index))
            columns.kind.append(kind)
            columns.traits.append(sum(1 << t for t in traits))
            columns.price.append(price)
            columns.month_sold.append(month_sold)
            columns.repurchase.append(repurchase)
            columns.flags.append(
                (FLAG_SHIP_24H if ship == SHIP_24H else 0)
                | (FLAG_SHIP_48H if ship != SHIP_NONE else 0)
                | (FLAG_ONE_PSALE if one_psale else 0)
                | (FLAG_SELECTION if selection else 0)
                | (FLAG_NEW7 if create_days < 7 else 0)
            )
            columns.relevance.append(relevance)
            columns.sales_7d.append(sales_7d)
            columns.sales_14d.append(sales_14d)
            columns.total_sales.append(total_sales)
        return columns

    def _hash(self, index: int) -> int:
        return int.from_bytes(
            hashlib.blake2b(self._key + index.to_bytes(8, "little"), digest_size=32).digest(), "little"
        )

    def _fields(self, h: int, block: Block) -> tuple:
        """Every listing field but the index, sliced from one 256-bit hash."""
        leaf = block.leaf
        kinds, traits = len(leaf.kinds), len(leaf.traits)

        v = h & 0xFF
        kind = -1 if v < 77 or not kinds else (v - 77) % kinds
        count = (0, 1, 1, 1, 2, 2, 2, 2)[(h >> 8) & 7]
        first = ((h >> 11) & 0xFF) % traits
        if count == 2 and traits > 1:
            second = (first + 1 + ((h >> 19) & 0xFF) % (traits - 1)) % traits
            chosen: tuple[int, ...] = (first, second) if first < second else (second, first)
        else:
            chosen = (first,) if count else ()
        prefix = ((h >> 27) & 7) - 3
        suffix = ((h >> 30) & 7) - 3

        low, high = self._price_ranges[block.position]
        r = (h >> 33) & 0xFFFF
        raw = low + (high - low) * r * r // (1 << 32)
        precision = (h >> 49) & 0xF
        if raw < PRICE_UNITS:
            step = 10 if precision < 11 else 1
        elif precision < 2:
            step = 10_000
        elif precision < 4:
            step = 1_000
        elif precision == 4:
            step = 10
        else:
            step = 100
        price = raw // step * step or step

        ship_draw = (h >> 80) & 0xFF
        u = (h >> 104) & 0xFFF
        create_days = u * u * 1500 >> 24
        month_sold = _log_uniform((h >> 53) & 0xFFFFF, 17)
        # The last 7 days sell 10-41% of the last 30's, the last 14 a further 40-71% of the rest; an offer
        # older than a month sold 30-93% of a month's sales in each earlier month.
        sales_7d = month_sold * (10 + ((h >> 153) & 0x1F)) // 100
        sales_14d = sales_7d + (month_sold - sales_7d) * (40 + ((h >> 158) & 0x1F)) // 100
        # An offer younger than 14 (7) days sold its whole month in its last 14 (7) days: it had no earlier day
        # (so that a day-by-day series can add up to these figures; see :mod:`sales`).
        if create_days < 14:
            sales_14d = month_sold
            if create_days < 7:
                sales_7d = month_sold
        total_sales = month_sold + month_sold * (create_days // 30) * (30 + ((h >> 163) & 0x3F)) // 100
        return (
            kind,
            chosen,
            prefix if prefix >= 0 else -1,
            suffix if suffix >= 0 else -1,
            price,
            step,
            month_sold,
            ((h >> 73) & 0x7F) * 61 >> 7,
            SHIP_24H if ship_draw < 51 else SHIP_48H if ship_draw < 128 else SHIP_NONE,
            ((h >> 88) & 0xFF) < 90,
            ((h >> 96) & 0xFF) < 26,
            create_days,
            ((h >> 116) & 0x1FFFF) % 86400,
            (h >> 133) & 0xFFFFF,
            sales_7d,
            sales_14d,
            total_sales,
        )


def title(listing: Listing, leaf: vocabulary.LeafCategory) -> tuple[str, str]:
    """The Chinese title and its English translation, both built from the listing's terms."""
    zh: list[str] = []
    en: list[str] = []
    if listing.prefix >= 0:
        word, word_en = vocabulary.MARKETING_PREFIXES[listing.prefix]
        zh.append(word)
        en.append(word_en)
    for position in listing.traits:
        zh.append(leaf.traits[position])
        en.append(vocabulary.TERMS[leaf.traits[position]])
    if listing.kind >= 0:
        zh.append(leaf.kinds[listing.kind])
        en.append(vocabulary.TERMS[leaf.kinds[listing.kind]])
    zh.append(leaf.head)
    en.append(vocabulary.TERMS[leaf.head])
    if listing.suffix >= 0:
        word, word_en = vocabulary.MARKETING_SUFFIXES[listing.suffix]
        zh.append(word)
        en.append(word_en)
    return "".join(zh), " ".join(en)
