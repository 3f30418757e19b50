"""Page through a search completely, splitting the queries whose total reaches the search cap.

The gateway pages through at most ``OPEN1688_SEARCH_CAP`` results of one
query and reports the total capped at that figure (``total "2000"`` with
``pages "41"``), so a total at the cap means "this many or more". Such a
query is cut into slices by :mod:`harvester.stages.splits`, recursively,
until every slice's total is under the cap; a slice no dimension can cut is
paged as far as the gateway serves and counted as a gap. ``totalPage`` is
never trusted: a query of ``total`` results has ``ceil(min(total, cap) /
pageSize)`` pages, all asked for once its first page has answered.

Every result item becomes a search hit (``search_hits``), a raw listing
(the ``listings`` table: the listing tier, 50 offers a call) and an offer
wanted for its detail. Stats are under ``harvester/search`` (keys in
:mod:`harvester.crawl.stats`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.python.failure import Failure

from ..checks import guards
from ..crawl import stats as keys
from ..crawl.resume import resume
from ..dataset.storage import storage_of
from ..dataset.tree import category_children
from ..gateway.calls import api_request, outcome_of
from ..items import QueryRecord, RawListing, SearchHit
from ..open1688 import endpoints
from ..open1688.endpoints import Endpoint
from ..open1688.queries import SearchQuery, parse_positive_int
from .details import Wanted, listing_fields
from .ledger import SplitLedger, split_key
from .splits import Dimension, Split, Splitter, parse_dimensions

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: Request meta: the split parent a slice belongs to (partitions only), for the ledger.
SPLIT_PARENT = "split_parent"
#: Facets are asked for before any page of a slice they may cut.
NAVIGATION_PRIORITY = 5


class SearchCallbacks(Protocol):
    """The spider methods search requests call back (Scrapy serialises callbacks by name)."""

    def parse_search_page(self, response: Response) -> Iterator[Any]: ...

    def search_page_failed(self, failure: Failure) -> Any: ...

    def parse_navigation(self, response: Response) -> Iterator[Any]: ...

    def navigation_failed(self, failure: Failure) -> Iterator[Any]: ...


class OfferSink(Protocol):
    def want(self, wanted: Iterable[Wanted]) -> list[Request]:
        """Take the offers a search page found; returns the calls to send now (if any)."""


class SearchPager:
    """Turns a search query into every result page, search hits, listings and detail requests."""

    @classmethod
    def for_spider(cls, crawler: Crawler, spider: Any, arguments: Mapping[str, Any], **options: Any) -> SearchPager:
        """The pager of a searching spider, limited by its ``-a max_pages`` (checked already by ``validate``)."""
        offers = options.pop("offers", None) or spider.details
        return cls(
            crawler,
            spider,
            spider.access,
            offers,
            max_pages=parse_positive_int(arguments.get("max_pages"), "max_pages"),
            **options,
        )

    def __init__(
        self,
        crawler: Crawler,
        callbacks: SearchCallbacks,
        access: Any,
        offers: OfferSink,
        *,
        max_pages: int | None = None,
    ):
        """``offers`` receives the offers found (the detail fetcher, or a ranking); each query goes to the search
        API it names (:func:`endpoint_for`)."""
        settings = crawler.settings
        self.crawler = crawler
        #: Callbacks must be the spider's own methods so requests survive a JOBDIR or a Redis queue.
        self.callbacks = callbacks
        self.access = access
        self.offers = offers
        self.max_pages = max_pages
        self.page_size = guards.value(settings, "OPEN1688_PAGE_SIZE")
        self.cap = guards.value(settings, "OPEN1688_SEARCH_CAP")
        self.country = settings.get("OPEN1688_COUNTRY")
        self.method = settings.get("OPEN1688_HTTP_METHOD")
        dimensions = parse_dimensions(settings.get("OPEN1688_SPLIT_DIMENSIONS"))
        tree = category_children(storage_of(crawler)) if Dimension.CATEGORY in dimensions else {}
        self.splitter = Splitter(dimensions, self.cap, settings.getbool("OPEN1688_SALE_FILTER_INCLUSIVE"), tree)
        self.ledger: SplitLedger = build_from_crawler(load_object(settings["HARVEST_SPLIT_LEDGER"]), crawler)
        #: Keyword -> its navigation facet ids (empty: none, or the call failed), once asked for.
        self._facets: dict[str, list[str]] = {}
        #: Keyword -> the capped slices waiting for its facets: (query, first page items, reported total).
        self._waiting: dict[str, list[tuple[SearchQuery, list[dict[str, Any]], int]]] = {}
        # Slices still waiting when a run stops wait on in the next (their keyword's navigation call is in the
        # queue the JOBDIR keeps): forgotten, they would never be paged, and the crawl would not know.
        handed = resume(crawler).hand_over("search", lambda: {"facets": self._facets, "waiting": self._waiting})
        if handed:
            self._facets.update(handed["facets"])
            self._waiting.update(handed["waiting"])

    @property
    def stats(self) -> StatsCollector:
        # The spider (and so this object) is built before the crawler's stats exist.
        return self.crawler.stats  # type: ignore[return-value]

    # --- requests ---------------------------------------------------------------

    def first_page(self, query: SearchQuery, *, root: bool = True, parent: str | None = None) -> Request:
        if root:
            self.stats.inc_value(keys.SEARCH_QUERIES)
        self.stats.inc_value(keys.SEARCH_PAGES_PLANNED)
        return self._page(query, 1, root=root, parent=parent)

    def _page(self, query: SearchQuery, page: int, *, root: bool = False, parent: str | None = None) -> Request:
        meta: dict[str, Any] = {"query": query, "page": page, "root": root}
        if parent is not None:
            meta[SPLIT_PARENT] = parent
        return api_request(
            self.access,
            endpoint_for(query),
            {"offerQueryParam": query.offer_query_param(page=page, page_size=self.page_size, country=self.country)},
            method=self.method,
            meta=meta,
            callback=self.callbacks.parse_search_page,
            errback=self.callbacks.search_page_failed,
        )

    def _navigation(self, keyword: str) -> Request:
        self.stats.inc_value(keys.SEARCH_NAVIGATION_CALLS)
        return api_request(
            self.access,
            endpoints.KEYWORD_NAVIGATION,
            {"snParams": {"keyword": keyword, "language": "en_US", "region": "US", "currency": "USD"}},
            method=self.method,
            meta={"keyword": keyword},
            callback=self.callbacks.parse_navigation,
            errback=self.callbacks.navigation_failed,
            priority=NAVIGATION_PRIORITY,
        )

    # --- answers ----------------------------------------------------------------

    def parse(self, response: Response) -> Iterator[Request | SearchHit | RawListing | QueryRecord]:
        outcome = outcome_of(response)
        query: SearchQuery = response.meta["query"]
        page: int = response.meta["page"]
        result = outcome.data if isinstance(outcome.data, dict) else {}
        items = [item for item in (result.get("data") or []) if isinstance(item, dict)]
        total = max(0, _int(result.get("totalRecords")))
        self.stats.inc_value(keys.SEARCH_PAGES)
        if page == 1:
            if response.meta.get("root"):
                self.stats.inc_value(keys.SEARCH_REPORTED, total)
                yield query_record(query, endpoint_for(query).key, total)
            if response.meta.get(SPLIT_PARENT):
                self._child_answered(response.meta[SPLIT_PARENT], total)
            yield from self._plan(query, items, total)
        else:
            self._check_page(query, page, items, response.meta.get("total", 0))
        yield from self._found(query, page, items)

    def _plan(self, query: SearchQuery, items: list[dict[str, Any]], total: int) -> Iterator[Request]:
        """What follows a first page: slices when the query may be truncated, else its other pages."""
        if total >= self.cap and self._splits(query):
            split = self.splitter.split(query, items, total, self._facets.get(query.keyword or ""))
            if split is not None:
                yield from self._slices(query, total, split)
                return
            if self.splitter.wants_facets(query) and query.keyword not in self._facets:
                yield from self._wait_for_facets(query, items, total)
                return
            self._leaf_at_cap(query, total)
        reachable = min(total, self.cap)
        last = math.ceil(reachable / self.page_size)
        if self.max_pages is not None:
            last = min(last, self.max_pages)
        if len(items) < min(reachable, self.page_size):
            # A short first page: the gateway will not serve the rest of what it reported either.
            self._shortfall(query, min(reachable, last * self.page_size) - len(items))
            return
        self.stats.inc_value(keys.SEARCH_PAGES_PLANNED, max(0, last - 1))
        for page in range(2, last + 1):
            request = self._page(query, page)
            request.meta["total"] = reachable
            yield request

    def _splits(self, query: SearchQuery) -> bool:
        """Whether a query at the cap is cut: not a sample (``-a max_pages``), and not an image search, whose
        similarity order has no bands to cut (its first pages are the answer asked for)."""
        return self.max_pages is None and not query.image_id

    def _slices(self, query: SearchQuery, total: int, split: Split) -> Iterator[Request]:
        dimension = split.dimension
        self.stats.inc_value(f"{keys.SEARCH_SPLITS}/{dimension.value}")
        self.stats.inc_value(keys.SEARCH_SLICES, len(split.children))
        logger.info(
            "%s: %d results%s: %d slices by %s",
            query.label,
            total,
            " (the cap: maybe more)" if total >= self.cap else "",
            len(split.children),
            dimension.value,
        )
        parent = None
        if dimension.partition:
            parent = split_key(query)
            self.ledger.open(parent, total, len(split.children))
        else:
            # Offers outside every facet cannot be asked for: this slice cannot be proven complete.
            self.stats.inc_value(keys.SEARCH_FACET_REMAINDERS)
            logger.warning(
                "%s: only search-navigation facets cut this slice; offers in none of them cannot be "
                "reached, so it may be incomplete",
                query.label,
            )
        for child in split.children:
            yield self.first_page(child, root=False, parent=parent)

    def _wait_for_facets(self, query: SearchQuery, items: list[dict[str, Any]], total: int) -> Iterator[Request]:
        keyword = query.keyword or ""
        waiting = self._waiting.setdefault(keyword, [])
        waiting.append((query, items, total))
        if len(waiting) == 1:
            yield self._navigation(keyword)

    def parse_navigation(self, response: Response) -> Iterator[Request]:
        outcome = outcome_of(response)
        keyword: str = response.meta["keyword"]
        self._facets[keyword] = facet_ids(outcome.data)
        yield from self._replan(keyword)

    def navigation_failed(self, failure: Failure) -> Iterator[Request]:
        keyword: str = failure.request.meta["keyword"]  # type: ignore[attr-defined]
        logger.warning("Could not get the search navigation of %s: %s", keyword, failure.value)
        self._facets[keyword] = []
        yield from self._replan(keyword)

    def _replan(self, keyword: str) -> Iterator[Request]:
        for query, items, total in self._waiting.pop(keyword, []):
            yield from self._plan(query, items, total)

    def _leaf_at_cap(self, query: SearchQuery, total: int) -> None:
        self.stats.inc_value(keys.SEARCH_CAPPED_LEAVES)
        if total > self.cap:
            self.stats.inc_value(keys.SEARCH_UNREACHABLE, total - self.cap)
        logger.warning(
            "%s: %d results reach the search cap of %d and no dimension cuts the query further: "
            "offers past the first %d may be missing",
            query.label,
            total,
            self.cap,
            self.cap,
        )

    def _child_answered(self, parent: str, total: int) -> None:
        verdict = self.ledger.answered(parent, total)
        if verdict is None:
            return
        if verdict.children > verdict.reported:
            self.stats.inc_value(keys.SEARCH_TRUNCATION_PROVEN)
        elif verdict.children == verdict.reported:
            self.stats.inc_value(keys.SEARCH_SPLITS_EXACT)
        else:
            self._shortfall(None, verdict.reported - verdict.children)

    def _check_page(self, query: SearchQuery, page: int, items: list[dict[str, Any]], total: int) -> None:
        """A page holds ``pageSize`` items but the last; fewer means results the gateway reported and never served."""
        expected = min(self.page_size, total - (page - 1) * self.page_size)
        if len(items) < expected:
            self._shortfall(query, expected - len(items))

    def _shortfall(self, query: SearchQuery | None, missing: int) -> None:
        self.stats.inc_value(keys.SEARCH_SHORTFALL, missing)
        logger.warning(
            "%s: %d result(s) the gateway reported were never served",
            query.label if query is not None else "The slices of a split",
            missing,
        )

    def _found(
        self, query: SearchQuery, page: int, items: list[dict[str, Any]]
    ) -> Iterator[Request | SearchHit | RawListing]:
        now = datetime.now(UTC)
        label = query.label
        source = endpoint_for(query).key
        wanted = []
        for position, item in enumerate(items, start=1):
            offer_id = _int(item.get("offerId"))
            if offer_id <= 0:
                self.stats.inc_value(keys.SEARCH_ITEMS_WITHOUT_ID)
                continue
            yield SearchHit(query=label, offer_id=offer_id, page=page, position=position, found_at=now)
            yield RawListing(source_api=source, data=item, query=label, fetched_at=now)
            wanted.append(Wanted(offer_id, label, listing_fields(item)))
        yield from self.offers.want(wanted)

    def page_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.stats.inc_value(keys.SEARCH_PAGES_LOST)
        resume(self.crawler).retry_next_run(request)
        logger.warning(
            "Lost search page %s of %s: %s", request.meta.get("page"), request.meta["query"].label, failure.value
        )


def endpoint_for(query: SearchQuery) -> Endpoint:
    """The search API a query is asked of: an image's, a seller's catalogue, or the keyword search."""
    if query.image_id:
        return endpoints.IMAGE_SEARCH
    if query.seller_open_id:
        return endpoints.SELLER_OFFERS
    return endpoints.KEYWORD_SEARCH


def query_record(query: SearchQuery, source_api: str, reported: int) -> QueryRecord:
    """A row of the ``queries`` table: what was asked (so it can be asked again) and what the gateway reported."""
    return QueryRecord(
        query=query.label,
        source_api=source_api,
        keyword=query.keyword,
        seller_open_id=query.seller_open_id,
        image=query.image_name,
        price_start=query.price_start,
        price_end=query.price_end,
        category_id=query.category_id,
        sort=":".join(query.sort) if query.sort else None,
        filter=",".join(query.filters) or None,
        reported=reported,
        crawled_at=datetime.now(UTC),
    )


def facet_ids(data: Any) -> list[str]:
    """The facet ids of a ``keywordSNQuery`` answer to cut by: every child, or a group without children itself."""
    ids: list[str] = []
    for group in data if isinstance(data, list) else []:
        if not isinstance(group, dict):
            continue
        children = [child.get("id") for child in group.get("children") or [] if isinstance(child, dict)]
        children = [str(child) for child in children if child not in (None, "")]
        if children:
            ids.extend(children)
        elif group.get("id") not in (None, ""):
            ids.append(str(group["id"]))
    return list(dict.fromkeys(ids))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
