"""Search over the generated catalogue: keywords, sellers and images, filtered, sorted, cached.

A keyword is cut into known vocabulary terms (longest match first, spaces
ignored, full-width folded); marketing words are recognised and dropped; any
other text makes the keyword unknown, and an unknown keyword finds nothing,
as does a keyword of marketing words alone. Several terms intersect. Each
term lives in a few categories, as the head of the category (in every title),
a kind or a trait (in some titles), so a search scans only the blocks of the
categories that can match and reads each candidate's listing facts.

Besides the keyword, a search narrows by price band, categories, filter
flags, sales ranges (``saleFilterList``: 7, 14, 30 days or total, bounds
inclusive unless asked otherwise) and a navigation facet (``snId``, see
:mod:`facets`), all intersected. Search reads the epoch-0 listings, as a
search index that lags behind the offers would, and leaves out offers gone
by the requested epoch. Results are
complete ordered lists of offer ids (the gateway applies its cap and pages),
kept in an LRU (two million ids at most) so that paging through a query
costs one scan. The first search touching a category builds that category's
listing columns (about 5 microseconds per offer: 0.2 s for 保温杯's 25,000);
later searches of the category scan the columns.
"""

from __future__ import annotations

import unicodedata
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from . import facets, vocabulary
from .layout import Block, Layout
from .listing import (
    FLAG_NEW7,
    FLAG_ONE_PSALE,
    FLAG_SELECTION,
    FLAG_SHIP_24H,
    FLAG_SHIP_48H,
    PRICE_UNITS,
    Columns,
    ListingFacts,
)
from .lru import LruCache

HEAD, KIND, TRAIT = "head", "kind", "trait"
CERTIFIED_FACTORY = "certifiedFactory"
#: ``filter`` names of PROTOCOL.md and the listing flag each one requires. A certified factory
#: is a property of the seller (``sellerIdentities`` holds ``super_factory``). The pages' own
#: example, ``shipInToday,ksCiphertext``, is accepted too: the sandbox has no same-day fact and
#: takes ``shipInToday`` as shipping within 24 hours; ``ksCiphertext`` is undocumented and narrows nothing.
FILTER_FLAGS: dict[str, int] = {
    "shipIn24Hours": FLAG_SHIP_24H,
    "shipIn48Hours": FLAG_SHIP_48H,
    "shipInToday": FLAG_SHIP_24H,
    "isOnePsale": FLAG_ONE_PSALE,
    "new7": FLAG_NEW7,
    "1688Selection": FLAG_SELECTION,
    CERTIFIED_FACTORY: 0,
    "ksCiphertext": 0,
}
#: Sort fields and the column each one sorts by.
SORT_COLUMNS: dict[str, str] = {"price": "price", "rePurchaseRate": "repurchase", "monthSold": "month_sold"}
#: ``saleFilterList`` sale types and the listing column each one compares.
SALE_COLUMNS: dict[str, str] = {
    "sales7": "sales_7d",
    "sales14": "sales_14d",
    "sales30": "month_sold",
    "totalSales": "total_sales",
}


@dataclass(frozen=True)
class SaleRange:
    """One ``saleFilterList`` entry: a sale type and its bounds (either may be open)."""

    sale_type: str
    start: int | None
    end: int | None


def fold(text: str) -> str:
    """What matching compares: NFKC (full-width to ASCII), case-folded, without whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


class Tokeniser:
    """Cuts keywords into vocabulary terms.

    As the gateway translates a keyword unless ``keywordTranslate`` says it
    already was (the page: "if true, keyword translation is skipped"), a
    keyword may be Chinese or English (or both) by default, and only Chinese
    when translation is skipped.
    """

    def __init__(self) -> None:
        self._zh: dict[str, str | None] = {fold(term): term for term in vocabulary.TERMS}
        self._zh.update({fold(word): None for word in vocabulary.STOPWORDS})
        marketing = vocabulary.MARKETING_PREFIXES + vocabulary.MARKETING_SUFFIXES
        english: dict[str, str | None] = {fold(en): zh for zh, en in vocabulary.TERMS.items()}
        english.update({fold(en): None for _zh, en in marketing})
        self._translated: dict[str, str | None] = {**english, **self._zh}
        self._longest = max(len(key) for key in self._translated)

    def terms(self, keyword: str, untranslated: bool = False) -> tuple[str, ...] | None:
        """The distinct terms of a keyword (sorted), or ``None`` if some part of it is not vocabulary.

        ``untranslated`` (``keywordTranslate`` true): the keyword is taken as Chinese, word for word.
        """
        table = self._zh if untranslated else self._translated
        text = fold(keyword)
        found: set[str] = set()
        position = 0
        while position < len(text):
            for length in range(min(self._longest, len(text) - position), 0, -1):
                piece = text[position : position + length]
                if piece in table:
                    term = table[piece]
                    if term is not None:
                        found.add(term)
                    position += length
                    break
            else:
                return None
        return tuple(sorted(found))


@dataclass(frozen=True)
class SearchRequest:
    """One search, hashable so that it can key the result cache."""

    keyword: str | None = None
    #: ``keywordTranslate``: the keyword was translated already, so it is matched as Chinese only.
    keyword_translate: bool = False
    seller: int | None = None
    #: The offer an uploaded image showed, when an image search found one.
    image_index: int | None = None
    #: An image search whose image matched nothing: finds nothing.
    image_unmatched: bool = False
    price_start: Decimal | None = None
    price_end: Decimal | None = None
    category_ids: tuple[int, ...] = ()
    filters: tuple[str, ...] = ()
    sort: tuple[str, str] | None = None
    epoch: int = 0
    #: Sales ranges, all of which an offer must meet.
    sales: tuple[SaleRange, ...] = ()
    #: Whether ``sales`` bounds are inclusive (UNCONFIRMED by the pages: a sandbox setting).
    sales_inclusive: bool = True
    facet: facets.Facet | None = None


class SearchEngine:
    def __init__(
        self,
        layout: Layout,
        listings: ListingFacts,
        certified: Callable[[int], bool],
        gone: Callable[[int, int], bool],
        offer_id: Callable[[int], int],
        result_ids: int = 2_000_000,
        column_rows: int = 2_000_000,
    ):
        self._layout = layout
        self._listings = listings
        self._certified = certified
        self._gone = gone
        self._offer_id = offer_id
        self._results: LruCache[SearchRequest, array] = LruCache(result_ids, weigh=len)
        self._columns: LruCache[int, Columns] = LruCache(column_rows, weigh=lambda columns: len(columns.ids))
        self._facet_tables: dict[tuple[facets.Facet, int], bytes | None] = {}
        self._navigation: LruCache[SearchRequest, list[tuple[facets.Navigation, list[str]]]] = LruCache(256)
        self._term_counts: dict[int, tuple[list[int], list[int]]] = {}
        self.tokeniser = Tokeniser()
        self._postings: dict[str, dict[int, tuple[str, int]]] = {}
        for block in layout.blocks:
            leaf = block.leaf
            for role, terms in ((HEAD, (leaf.head,)), (KIND, leaf.kinds), (TRAIT, leaf.traits)):
                for position, term in enumerate(terms):
                    self._postings.setdefault(term, {})[block.position] = (role, position)

    def search(self, request: SearchRequest) -> array:
        """Offer ids matching a request, in result order (an ``array('q')``)."""
        if request in self._results:
            return self._results[request]
        return self._results.put(request, self._run(request))

    def navigation(self, request: SearchRequest) -> list[tuple[facets.Navigation, list[str]]]:
        """The facets of a search's matches: each navigation with its children, most offers first."""
        if request in self._navigation:
            return self._navigation[request]
        counts: dict[tuple[facets.Navigation, str], int] = {}
        for block, columns, matched in self._matches(request):
            pairs: dict[tuple[int, int], int] = {}
            kind, traits = columns.kind, columns.traits
            for j in matched:
                key = (kind[j], traits[j])
                pairs[key] = pairs.get(key, 0) + 1
            for (row_kind, row_traits), number in pairs.items():
                for child in facets.values(block.leaf, row_kind, row_traits):
                    counts[child] = counts.get(child, 0) + number
        result = []
        for navigation in facets.NAVIGATIONS:
            children = sorted(
                ((number, value) for (nav, value), number in counts.items() if nav is navigation),
                key=lambda entry: (-entry[0], facets.child_id(navigation, entry[1])),
            )
            if children:
                result.append((navigation, [value for _number, value in children]))
        return self._navigation.put(request, result)

    def term_counts(self, block: Block) -> tuple[list[int], list[int]]:
        """How many offers of a block show each of its kinds and each of its traits (epoch-0 listings)."""
        if block.position not in self._term_counts:
            columns = self._block_columns(block)
            leaf = block.leaf
            kinds, traits = [0] * len(leaf.kinds), [0] * len(leaf.traits)
            for kind in columns.kind:
                if kind >= 0:
                    kinds[kind] += 1
            for mask in columns.traits:
                for position in range(len(traits)):
                    if mask >> position & 1:
                        traits[position] += 1
            self._term_counts[block.position] = (kinds, traits)
        return self._term_counts[block.position]

    def _run(self, request: SearchRequest) -> array:
        leader = request.image_index
        first: list[int] = []
        rows: list[tuple[int, int, int, int]] = []
        column = SORT_COLUMNS[request.sort[0]] if request.sort else None
        sign = -1 if request.sort and request.sort[1] == "desc" else 1
        for block, columns, matched in self._matches(request):
            ids, relevance = columns.ids, columns.relevance
            values = getattr(columns, column) if column else None
            start = block.start
            for j in matched:
                if start + j == leader:
                    first.append(ids[j])
                    continue
                rows.append((sign * values[j] if values is not None else 0, -relevance[j], start + j, ids[j]))
        rows.sort()
        return array("q", first + [row[3] for row in rows])

    def _matches(self, request: SearchRequest) -> list[tuple[Block, Columns, list[int] | range]]:
        """Each candidate block with its columns and the positions in it that match the request."""
        if request.image_unmatched:
            return []
        conditions: dict[int, list[tuple[str, int]]] | None = None
        if request.keyword is not None:
            terms = self.tokeniser.terms(request.keyword, request.keyword_translate)
            if not terms:
                return []
            conditions = self._conditions(terms)
        wanted = set(request.category_ids)
        blocks = [
            block
            for block in self._layout.blocks
            if (conditions is None or block.position in conditions)
            and (not wanted or wanted & {block.category.id, block.category.second_id, block.category.top_id})
        ]
        if request.seller is not None:
            home = self._layout.seller_block(request.seller)
            local = home.seller_indexes(request.seller - home.first_seller)
            candidates: list[tuple[Block, Iterable[int] | None]] = (
                [(home, sorted(index - home.start for index in local))] if home in blocks else []
            )
        elif request.image_index is not None:
            home = self._layout.block_of(request.image_index)
            candidates = [(home, None)] if home in blocks else []
        else:
            candidates = [(block, None) for block in blocks]

        found: list[tuple[Block, Columns, list[int] | range]] = []
        for block, positions in candidates:
            table = self._facet_table(request.facet, block) if request.facet is not None else None
            if request.facet is not None and table is None:
                continue
            columns = self._block_columns(block)
            matched = self._filter(
                request,
                block,
                columns,
                positions,
                conditions.get(block.position, []) if conditions is not None else [],
                table,
            )
            found.append((block, columns, matched))
        return found

    def _facet_table(self, facet: facets.Facet, block: Block) -> bytes | None:
        key = (facet, block.position)
        if key not in self._facet_tables:
            self._facet_tables[key] = facets.table(facet, block.leaf)
        return self._facet_tables[key]

    def _filter(
        self,
        request: SearchRequest,
        block: Block,
        columns: Columns,
        positions: Iterable[int] | None,
        conditions: list[tuple[str, int]],
        facet_table: bytes | None,
    ) -> list[int] | range:
        """Positions in the block that pass the keyword conditions, price band, filters, sales and facet."""
        kinds = {position for role, position in conditions if role == KIND}
        if len(kinds) > 1:
            return []
        kind = kinds.pop() if kinds else None
        trait_mask = sum(1 << position for role, position in conditions if role == TRAIT)
        low = None if request.price_start is None else _units(request.price_start, ROUND_CEILING)
        high = None if request.price_end is None else _units(request.price_end, ROUND_FLOOR)
        flag_mask = 0
        for name in request.filters:
            flag_mask |= FILTER_FLAGS[name]
        certified = CERTIFIED_FACTORY in request.filters
        # Each sales range as (column, lowest, highest) with inclusive integer bounds.
        shift = 0 if request.sales_inclusive else 1
        sales = [
            (
                getattr(columns, SALE_COLUMNS[entry.sale_type]),
                None if entry.start is None else entry.start + shift,
                None if entry.end is None else entry.end - shift,
            )
            for entry in request.sales
        ]
        if positions is None:
            positions = range(block.size)
            if (
                kind is None
                and not trait_mask
                and low is None
                and high is None
                and not flag_mask
                and not certified
                and not request.epoch
                and not sales
                and facet_table is None
            ):
                return positions
        kind_column, traits, price, flags = columns.kind, columns.traits, columns.price, columns.flags
        matched = []
        for j in positions:
            if kind is not None and kind_column[j] != kind:
                continue
            if trait_mask and traits[j] & trait_mask != trait_mask:
                continue
            if low is not None and price[j] < low or high is not None and price[j] > high:
                continue
            if flag_mask and flags[j] & flag_mask != flag_mask:
                continue
            if sales and not all(
                (least is None or column[j] >= least) and (most is None or column[j] <= most)
                for column, least, most in sales
            ):
                continue
            if facet_table is not None and not facet_table[(kind_column[j] + 1) << 7 | traits[j]]:
                continue
            index = block.start + j
            if certified and not self._certified(block.first_seller + block.local_seller(index)):
                continue
            if request.epoch and self._gone(index, request.epoch):
                continue
            matched.append(j)
        return matched

    def _block_columns(self, block: Block) -> Columns:
        if block.position in self._columns:
            return self._columns[block.position]
        return self._columns.put(block.position, self._listings.columns(block, self._offer_id))

    def _conditions(self, terms: tuple[str, ...]) -> dict[int, list[tuple[str, int]]]:
        """Per block that holds every term: the (role, position) each title there must show."""
        postings = [self._postings.get(term, {}) for term in terms]
        common = set(postings[0]).intersection(*postings[1:])
        return {
            position: [posting[position] for posting in postings if posting[position][0] != HEAD] for position in common
        }


def _units(price: Decimal, rounding: str) -> int:
    """A bound in price units, rounded inwards so that inclusive bounds stay exact."""
    return int((price * PRICE_UNITS).to_integral_value(rounding=rounding))
