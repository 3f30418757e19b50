"""Page through a search completely, splitting queries the gateway will not page to the end.

The gateway answers a bounded number of results per query. A query is
known to be truncated from its own answers: ``totalRecords`` beyond what
``totalPage`` pages reach, or a page that comes back short or empty before
the end. A truncated query is split into price bands whose limits are
quantiles of the prices on its first page (a fair sample of where its
offers are), recursively until every slice fits; a band too narrow to split
again is split by the categories its offers belong to. Only what still
cannot be reached is reported as unreachable.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from ..crawl.resume import build_seen_set
from ..crawl.seen import SeenSet
from ..gateway.calls import api_request, outcome_of
from ..items import SearchHit
from ..open1688.endpoints import Endpoint
from ..open1688.queries import SearchQuery, parse_positive_int
from .details import Wanted

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from ..spiders.base import HarvestSpider

logger = logging.getLogger(__name__)

STATS = "harvester/search"
#: Aim each slice at this share of what the gateway pages through, so most slices fit at once.
FILL = Decimal("0.6")
#: Never split one query into more slices than this at once.
MAX_FANOUT = 64
#: Price bands narrower than this are not split again (limits sit at x.xxx5).
NARROWEST = Decimal("0.002")
_MILLI = Decimal("0.001")
#: Added to a band limit so that it ends in 5 at the fourth decimal, a price offers rarely have.
_ODD = Decimal("0.0005")


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
        try:
            value = int(item.get(key) or 0)
        except (TypeError, ValueError):
            continue
        if value > 0:
            return value
    return None


def price_boundaries(prices: list[Decimal], slices: int, low: Decimal, high: Decimal | None) -> list[Decimal]:
    """Band limits at quantiles of the sampled prices, strictly inside (low, high).

    Bands include both their limits (as the gateway's priceStart/priceEnd do),
    so an offer priced exactly on a limit is found twice. Limits are therefore
    put on an unlikely price, one ending in 5 at the fourth decimal: between two
    different sampled prices, just above their midpoint; at a price sampled on
    both sides, just above that price (all its offers go to the lower band).
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


class OfferSink(Protocol):
    def want(self, wanted: Iterable[Wanted]) -> list[Request]:
        """Take the offers a search page found; returns the calls to send now (if any)."""


class SearchPager:
    """Turns a search query into every result page, search hits and detail requests."""

    @classmethod
    def for_spider(cls, crawler: Crawler, spider: HarvestSpider, endpoint: Endpoint, arguments: Mapping[str, Any],
                   **options: Any) -> SearchPager:
        """The pager of a searching spider, limited by its ``-a max_pages`` (checked already by ``validate``)."""
        return cls(crawler, spider, endpoint, max_pages=parse_positive_int(arguments.get("max_pages"), "max_pages"),
                   **options)

    def __init__(self, crawler: Crawler, spider: HarvestSpider, endpoint: Endpoint, *, max_pages: int | None = None,
                 split: bool = True, offers: OfferSink | None = None):
        """``split=False`` pages through what the gateway serves and never splits (an image search's similarity
        order has no price bands); ``offers`` receives the offers found instead of the spider's detail fetcher
        (the image spider ranks them first)."""
        settings = crawler.settings
        #: Callbacks must be the spider's own methods so requests survive a JOBDIR or a Redis queue.
        self.spider = spider
        self.access = spider.access
        self.endpoint = endpoint
        self.details: OfferSink = offers or spider.details
        self.max_pages = max_pages
        self.split = split and max_pages is None
        self.page_size = settings.getint("OPEN1688_PAGE_SIZE")
        self.country = settings.get("OPEN1688_COUNTRY")
        self.method = settings.get("OPEN1688_HTTP_METHOD")
        self.crawler = crawler
        #: Queries already split: a seen-set, so that the workers of a distributed crawl, parsing pages of
        #: the same query, split it once between them.
        self._split: SeenSet = build_seen_set(crawler, "splits")


    @property
    def stats(self) -> StatsCollector:
        # The spider (and so this object) is built before the crawler's stats exist.
        return self.crawler.stats  # type: ignore[return-value]
    def first_page(self, query: SearchQuery, *, root: bool = True) -> Request:
        if root:
            self.stats.inc_value(f"{STATS}/queries")
        return self._page(query, 1, root=root)

    def _page(self, query: SearchQuery, page: int, *, root: bool = False) -> Request:
        return api_request(
            self.access,
            self.endpoint,
            {"offerQueryParam": query.offer_query_param(page=page, page_size=self.page_size, country=self.country)},
            method=self.method,
            meta={"query": query, "page": page, "root": root},
            callback=self.spider.parse_search_page,
            errback=self.spider.search_page_failed,
        )

    def parse(self, response: Response) -> Iterator[Request | SearchHit]:
        outcome = outcome_of(response)
        query: SearchQuery = response.meta["query"]
        page: int = response.meta["page"]
        result = outcome.data if isinstance(outcome.data, dict) else {}
        items = [item for item in (result.get("data") or []) if isinstance(item, dict)]
        total = _int(result.get("totalRecords"))
        page_size = _int(result.get("pageSize")) or self.page_size
        total_pages = _int(result.get("totalPage")) or math.ceil(total / page_size)
        self.stats.inc_value(f"{STATS}/pages")

        if page == 1:
            if response.meta.get("root"):
                self.stats.inc_value(f"{STATS}/reported", total)
            yield from self._plan(query, items, total, total_pages, page_size)
        elif page < total_pages and len(items) < page_size and self.split:
            # The gateway stopped serving before the end it announced.
            self.stats.inc_value(f"{STATS}/short_pages")
            yield from self._split_query(query, items, total, (page - 1) * page_size + len(items))

        yield from self._found(query, page, items)

    def _plan(self, query: SearchQuery, items: list[dict[str, Any]], total: int, total_pages: int,
              page_size: int) -> Iterator[Request]:
        reachable = total_pages * page_size
        if total > reachable and self.split:
            slices = self._split_query(query, items, total, reachable)
            if slices:
                yield from slices
                return
        last = total_pages if self.max_pages is None else min(total_pages, self.max_pages)
        for page in range(2, last + 1):
            yield self._page(query, page)

    def _split_query(self, query: SearchQuery, items: list[dict[str, Any]], total: int,
                     reachable: int) -> list[Request]:
        """First pages of narrower slices; empty when the query cannot be split (or already was)."""
        if not self._split.add(query):
            return []
        low = query.price_start or Decimal(0)
        high = query.price_end
        prices = [p for p in map(price_of, items) if p is not None and p >= low and (high is None or p <= high)]
        can_narrow = high is None or high - low >= NARROWEST
        slices = min(MAX_FANOUT, max(2, math.ceil(Decimal(total) / (max(reachable, 1) * FILL))))
        bounds = price_boundaries(prices, slices, low, high) if can_narrow else []
        if bounds:
            edges = [low, *bounds, high]
            self.stats.inc_value(f"{STATS}/splits/price")
            self.stats.inc_value(f"{STATS}/slices", len(edges) - 1)
            logger.info("%s: %d results, %d reachable: splitting into %d price bands", query.label,
                        total, reachable, len(edges) - 1)
            return [
                self.first_page(query.narrowed(price_start=start, price_end=end), root=False)
                for start, end in zip(edges, edges[1:])
            ]
        categories = sorted({c for c in map(category_of, items) if c is not None})
        if query.category_id is None and len(categories) > 1:
            self.stats.inc_value(f"{STATS}/splits/category")
            self.stats.inc_value(f"{STATS}/slices", len(categories))
            logger.info("%s: %d results share one price band: splitting by %d categories", query.label,
                        total, len(categories))
            return [self.first_page(query.narrowed(category_id=c), root=False) for c in categories]
        self.stats.inc_value(f"{STATS}/unreachable", max(0, total - reachable))
        logger.warning("%s: %d results, of which only %d can be paged and the query cannot be split further",
                       query.label, total, reachable)
        return []

    def _found(self, query: SearchQuery, page: int, items: list[dict[str, Any]]) -> Iterator[Request | SearchHit]:
        now = datetime.now(timezone.utc)
        label = query.label
        wanted = []
        for position, item in enumerate(items, start=1):
            offer_id = _int(item.get("offerId"))
            if offer_id <= 0:
                self.stats.inc_value(f"{STATS}/items_without_id")
                continue
            yield SearchHit(query=label, offer_id=offer_id, page=page, position=position, found_at=now)
            wanted.append(Wanted(offer_id, label, item, self.endpoint.key))
        yield from self.details.want(wanted)

    def page_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.stats.inc_value(f"{STATS}/pages_lost")
        logger.warning("Lost search page %s of %s: %s", request.meta.get("page"), request.meta["query"].label,
                       failure.value)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
