"""How a query that reaches the search cap is cut into narrower queries: the pure part of splitting.

The gateway pages through at most ``OPEN1688_SEARCH_CAP`` results of a query
and reports the total **capped** (a real answer: ``total "2000"``, 41 pages of
50), so a query whose total reaches the cap may hide more offers and is cut
into narrower slices, dimension after dimension, from what its first page
shows (a fair sample of its offers):

1. ``price``: bands whose limits are quantiles of the sampled prices;
2. ``category``: for a query without a category, the categories the sampled
   offers belong to; for a query filtered to a category that has children
   in the dataset's category tree (``scrapy crawl categories``), those
   children (a true partition, no sample needed; a category with one child
   is cut by its grandchildren);
3. ``sales``: ranges of 30-day sales (``saleFilterList``, saleType ``sales30``)
   at quantiles of the sampled ``monthSold``;
4. ``facet``: the search-navigation facets of the keyword (``keywordSNQuery``
   -> ``snId``).

The first three are partitions: each offer of the parent is in exactly one
slice (price bands and sales ranges are cut so that no offer sits on two),
so children adding up to more than the parent's reported total prove the
truncation, and children adding up to less show offers lost between them.
Facets are not a partition (an offer may match several or none), so they
come last, for slices no partition can cut, and a facet split cannot prove
the slice complete. The order differs from the one PROTOCOL.md lists
(facets before sales ranges) for that reason: every partition is tried
before the one cut that can miss offers.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from ..open1688.queries import SalesRange, SearchQuery

#: Aim each slice at this share of what the gateway pages through, so most slices fit at once.
FILL = Decimal("0.6")
#: Slices of a query whose total is reported at the cap: its true size is unknown, so cut it this many ways and
#: let the slices that still reach the cap be cut again.
CAPPED_FANOUT = 4
#: Never split one query into more slices than this at once.
MAX_FANOUT = 64
#: Price bands narrower than this are not split again (limits sit at x.xxx5).
NARROWEST = Decimal("0.002")
_MILLI = Decimal("0.001")
#: Added to a band limit so that it ends in 5 at the fourth decimal, a price offers rarely have.
_ODD = Decimal("0.0005")


class Dimension(enum.Enum):
    PRICE = "price"
    CATEGORY = "category"
    SALES = "sales"
    FACET = "facet"

    @property
    def partition(self) -> bool:
        return self is not Dimension.FACET


ORDER = (Dimension.PRICE, Dimension.CATEGORY, Dimension.SALES, Dimension.FACET)


def parse_dimensions(value: Any) -> tuple[Dimension, ...]:
    """``OPEN1688_SPLIT_DIMENSIONS``: a list or comma-separated names, applied in the documented order."""
    names = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    wanted = {str(name).strip() for name in names if str(name).strip()}
    unknown = sorted(wanted - {d.value for d in Dimension})
    if unknown:
        raise ValueError(
            f"OPEN1688_SPLIT_DIMENSIONS: unknown {', '.join(unknown)}; use any of {', '.join(d.value for d in ORDER)}"
        )
    return tuple(d for d in ORDER if d.value in wanted)


@dataclass(frozen=True)
class Split:
    dimension: Dimension
    children: tuple[SearchQuery, ...]


def price_of(item: dict[str, Any]) -> Decimal | None:
    info = item.get("priceInfo")
    value = info.get("price") if isinstance(info, dict) else None
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return price if price.is_finite() and price >= 0 else None


def category_of(item: dict[str, Any]) -> int | None:
    for key in ("thirdCategoryId", "secondCategoryId", "topCategoryId"):
        value = _int(item.get(key))
        if value is not None and value > 0:
            return value
    return None


def month_sold_of(item: dict[str, Any]) -> int | None:
    value = _int(item.get("monthSold"))
    return value if value is not None and value >= 0 else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def fanout(total: int, cap: int) -> int:
    """How many slices to cut a query into: enough for each to fill ``FILL`` of the cap, when the total is known
    (a total reported exactly at the cap is a floor, not a size)."""
    if total == cap:
        return CAPPED_FANOUT
    return min(MAX_FANOUT, max(2, -(-total // max(1, int(cap * FILL)))))


def price_boundaries(prices: list[Decimal], slices: int, low: Decimal, high: Decimal | None) -> list[Decimal]:
    """Band limits at quantiles of the sampled prices, strictly inside (low, high).

    Bands include both their limits (as the gateway's priceStart/priceEnd do),
    so an offer priced exactly on a limit would be found twice. Limits are
    therefore put on an unlikely price, one ending in 5 at the fourth decimal:
    between two different sampled prices, just above their midpoint; at a
    price sampled on both sides, just above that price (all its offers go to
    the lower band).
    """
    prices = sorted(prices)
    bounds: list[Decimal] = []
    for k in range(1, slices):
        i = min(len(prices) - 1, max(1, round(k * len(prices) / slices)))
        below, above = prices[i - 1], prices[i]
        base = below if below == above else ((below + above) / 2).quantize(_MILLI, rounding=ROUND_FLOOR)
        bound = base.quantize(_MILLI, rounding=ROUND_FLOOR) + _ODD
        if bound > low and (high is None or bound < high) and (not bounds or bound > bounds[-1]):
            bounds.append(bound)
    if not bounds and prices and high is not None and high - low >= NARROWEST:
        # Every sampled price is the same: cut the band in two so the next level can narrow further.
        middle = ((low + high) / 2).quantize(_MILLI, rounding=ROUND_FLOOR) + _ODD
        if low < middle < high:
            bounds.append(middle)
    return bounds


def sales_boundaries(sold: list[int], slices: int, low: int, high: int | None) -> list[int]:
    """Starts of the upper ranges at quantiles of the sampled sales, strictly inside (low, high]."""
    sold = sorted(sold)
    starts: list[int] = []
    for k in range(1, slices):
        i = min(len(sold) - 1, max(1, round(k * len(sold) / slices)))
        below, above = sold[i - 1], sold[i]
        start = above if above > below else below + 1
        if start > low and (high is None or start <= high) and (not starts or start > starts[-1]):
            starts.append(start)
    if not starts and sold and high is not None and high > low:
        starts.append(low + (high - low + 1) // 2)
    return starts


def _sales_ranges(sale_type: str, edges: list[int], high: int | None, inclusive: bool) -> list[SalesRange]:
    """Disjoint ranges from ``edges[0]``, each ending just before the next edge.

    With inclusive bounds a range ``[a, b-1]`` holds exactly the integers a..b-1; with exclusive bounds the same
    integers are ``(a-1, b)``.
    """
    ranges = []
    for index, start in enumerate(edges):
        end = edges[index + 1] - 1 if index + 1 < len(edges) else high
        if inclusive:
            ranges.append(SalesRange(sale_type, start or None, end))
        else:
            ranges.append(SalesRange(sale_type, start - 1 if start else None, end + 1 if end is not None else None))
    return ranges


class Splitter:
    """Cuts one query along the first dimension that can narrow it, from the items of its first page."""

    def __init__(
        self,
        dimensions: Sequence[Dimension],
        cap: int,
        sales_inclusive: bool = True,
        tree: Mapping[int, Sequence[int]] | None = None,
    ):
        """``tree``: each category's children (``harvester.dataset.tree``), empty when the dataset has none."""
        self.dimensions = tuple(dimensions)
        self.cap = cap
        self.sales_inclusive = sales_inclusive
        self.tree = tree or {}

    def split(
        self, query: SearchQuery, items: list[dict[str, Any]], total: int, facets: Iterable[str] | None = None
    ) -> Split | None:
        """The slices of ``query``, or None when no dimension narrows it. ``facets``: the keyword's navigation ids
        (None: not fetched yet; the caller fetches them when this returns None and ``wants_facets`` holds)."""
        for dimension in self.dimensions:
            children = self._cut(dimension, query, items, total, facets)
            if children:
                return Split(dimension, tuple(children))
        return None

    def wants_facets(self, query: SearchQuery) -> bool:
        """Facets are the last resort, for keyword searches not cut by a facet already."""
        return Dimension.FACET in self.dimensions and bool(query.keyword) and query.sn_id is None and not query.image_id

    def _cut(
        self,
        dimension: Dimension,
        query: SearchQuery,
        items: list[dict[str, Any]],
        total: int,
        facets: Iterable[str] | None,
    ) -> list[SearchQuery]:
        if dimension is Dimension.PRICE:
            return self._by_price(query, items, total)
        if dimension is Dimension.CATEGORY:
            if query.category_id is not None:
                return [query.narrowed(category_id=c) for c in self._children(query.category_id)]
            categories = sorted({c for c in map(category_of, items) if c is not None})
            if len(categories) > 1:
                return [query.narrowed(category_id=c) for c in categories]
            return []
        if dimension is Dimension.SALES:
            return self._by_sales(query, items, total)
        if facets is None or not self.wants_facets(query):
            return []
        return [query.narrowed(sn_id=facet) for facet in facets]

    def _children(self, category_id: int) -> Sequence[int]:
        """The category's children in the tree, past any level with a single child (it would cut nothing). The tree
        is rows the gateway answered: a single child met twice (a cycle) cuts nothing either."""
        children = self.tree.get(category_id, ())
        passed = {category_id}
        while len(children) == 1:
            if children[0] in passed:
                return ()
            passed.add(children[0])
            children = self.tree.get(children[0], ())
        return children

    def _by_price(self, query: SearchQuery, items: list[dict[str, Any]], total: int) -> list[SearchQuery]:
        low = query.price_start or Decimal(0)
        high = query.price_end
        if high is not None and high - low < NARROWEST:
            return []
        prices = [p for p in map(price_of, items) if p is not None and p >= low and (high is None or p <= high)]
        bounds = price_boundaries(prices, fanout(total, self.cap), low, high)
        if not bounds:
            return []
        edges = [low, *bounds, high]
        return [query.narrowed(price_start=start, price_end=end) for start, end in zip(edges, edges[1:])]

    def _by_sales(self, query: SearchQuery, items: list[dict[str, Any]], total: int) -> list[SearchQuery]:
        current = query.sales or SalesRange()
        if current.sale_type != "sales30":
            return []
        low, high = self._integers(current)
        sold = [s for s in map(month_sold_of, items) if s is not None and s >= low and (high is None or s <= high)]
        starts = sales_boundaries(sold, fanout(total, self.cap), low, high)
        if not starts:
            return []
        ranges = _sales_ranges("sales30", [low, *starts], high, self.sales_inclusive)
        return [query.narrowed(sales=sales) for sales in ranges]

    def _integers(self, sales: SalesRange) -> tuple[int, int | None]:
        """The range of sales integers a ``SalesRange`` holds: [low, high], high None when open."""
        if self.sales_inclusive:
            return sales.start or 0, sales.end
        low = (sales.start + 1) if sales.start is not None else 0
        return low, (sales.end - 1) if sales.end is not None else None
