"""Fetch offer details in batches, each offer once per crawl, whichever spider found it.

Offers arrive one by one from search pages, id lists or sellers; sending
them in ``alibaba.cross.productList`` calls of ``OPEN1688_DETAIL_BATCH_SIZE``
is what makes a harvest cost ``pages + offers / batch`` calls instead of
``pages + offers``. Ids a batch reports missing, or that it silently leaves
out, get one ``queryProductDetail`` call each; an app without the batch API
falls back to single calls for everything. An offer the single call, too,
reports gone becomes a :class:`MissingOffer` (a row of the ``missing``
table), so every id asked for ends as a product, a missing row or a counted
loss.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, NamedTuple

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from ..crawl.resume import build_seen_set
from ..crawl.seen import SeenSet
from ..gateway.calls import ACL_FALLBACK, ApiCallFailed, api_request, outcome_of
from ..items import MissingOffer, RawOffer
from ..open1688 import endpoints
from ..open1688.outcomes import Outcome

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from ..gateway.access import GatewayAccess
    from ..spiders.base import HarvestSpider

logger = logging.getLogger(__name__)

STATS = "harvester/details"
#: Detail calls go before more search pages, so pending offers do not pile up in memory.
DETAIL_PRIORITY = 10
#: Missing offer ids named in the stats (``harvester/details/missing_sample``) and the crawl's summary.
MISSING_SAMPLE = 20


class Wanted(NamedTuple):
    offer_id: int
    #: Label of the query that found it (None for id lists).
    query: str | None = None
    #: The search list item that found it, kept for the fields details lack.
    search_item: dict[str, Any] | None = None
    #: Endpoint key of the search that found it.
    found_by: str | None = None
    #: Place in the crawl's merged result list, and every query that found it (spiders that rank, e.g. image).
    rank: int | None = None
    queries: list[str] | None = None


def _business_reason(outcome: Outcome) -> str:
    """``OFFER_NOT_FOUND: 商品不存在``: the gateway's own words, for the ``missing`` table."""
    document = outcome.document if isinstance(outcome.document, dict) else {}
    envelope = document.get("result") if isinstance(document.get("result"), dict) else document
    message = envelope.get("message")
    return f"{outcome.code}: {message}" if isinstance(message, str) and message else outcome.message


def offer_id_of(product: dict[str, Any]) -> int | None:
    """Both detail APIs, both spellings: ``offerId`` and ``productID``."""
    value = product.get("offerId", product.get("productID"))
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class DetailFetcher:
    def __init__(self, crawler: Crawler, access: GatewayAccess, spider: HarvestSpider):
        settings = crawler.settings
        #: Callbacks must be the spider's own methods so requests survive a JOBDIR or a Redis queue.
        self.spider = spider
        self.access = access
        self.crawler = crawler
        self.batch_size = settings.getint("OPEN1688_DETAIL_BATCH_SIZE")
        self.batch_api = settings.getbool("OPEN1688_BATCH_DETAIL")
        self.country = settings.get("OPEN1688_COUNTRY")
        self.method = settings.get("OPEN1688_HTTP_METHOD")
        #: With the HTTP cache on, a batch holds one search page's offers in id order, so the
        #: same crawl asks the same batches again and the cache answers them (at the price of
        #: a partly filled batch per page, up to ~20% more detail calls on the first crawl).
        self.batch_per_page = settings.getbool("HTTPCACHE_ENABLED")
        if self.batch_size < 1:
            raise ValueError("OPEN1688_DETAIL_BATCH_SIZE must be at least 1")
        self._seen: SeenSet = build_seen_set(crawler, "wanted")
        self._pending: list[Wanted] = []
        #: The first few offers the gateway said do not exist, for the crawl's summary (all go to ``missing``).
        self._missing_sample: list[str] = []

    # --- asking -------------------------------------------------------------


    @property
    def stats(self) -> StatsCollector:
        # The spider (and so this object) is built before the crawler's stats exist.
        return self.crawler.stats  # type: ignore[return-value]
    def want(self, wanted: Iterable[Wanted]) -> list[Request]:
        """Queue offers for detail (those not asked for before); returns the calls ready to send.

        Offers from one search page arrive together: with ``batch_per_page`` they
        make their own batches, which the interleaving of concurrent callbacks
        cannot mix with another page's.
        """
        wanted = list(wanted)
        new = self._seen.add_many([w.offer_id for w in wanted])
        fresh = [w for w, is_new in zip(wanted, new) if is_new]
        self.stats.inc_value(f"{STATS}/already_seen", len(wanted) - len(fresh))
        self.stats.inc_value(f"{STATS}/wanted", len(fresh))
        if self.batch_per_page:
            return self._calls(sorted(fresh))
        self._pending.extend(fresh)
        if not self.batch_api:
            return self.flush()
        full = len(self._pending) - len(self._pending) % self.batch_size
        ready, self._pending = self._pending[:full], self._pending[full:]
        return self._calls(ready)

    def again(self, offer_ids: Iterable[int]) -> list[Request]:
        """Calls for offers asked for before whose answers were lost with a killed worker (seen-set bypassed)."""
        wanted = [Wanted(offer_id) for offer_id in offer_ids]
        self.stats.inc_value(f"{STATS}/wanted_again", len(wanted))
        return [request.replace(dont_filter=True) for request in self._calls(wanted)]

    def flush(self) -> list[Request]:
        """Calls for everything still waiting: the crawl went idle."""
        pending, self._pending = self._pending, []
        return self._calls(pending)

    def _calls(self, wanted: list[Wanted]) -> list[Request]:
        if not self.batch_api:
            return [self._single_request(w) for w in wanted]
        return [
            self._batch_request(wanted[start : start + self.batch_size])
            for start in range(0, len(wanted), self.batch_size)
        ]

    @property
    def pending(self) -> int:
        return len(self._pending)

    def _batch_request(self, batch: list[Wanted]) -> Request:
        self.stats.inc_value(f"{STATS}/batch_calls")
        return api_request(
            self.access,
            endpoints.BATCH_DETAIL,
            {"productIdList": [wanted.offer_id for wanted in batch]},
            method=self.method,
            meta={"batch": batch, ACL_FALLBACK: True},
            callback=self.spider.parse_batch_detail,
            errback=self.spider.batch_detail_failed,
            priority=DETAIL_PRIORITY,
        )

    def _single_request(self, wanted: Wanted) -> Request:
        self.stats.inc_value(f"{STATS}/single_calls")
        return api_request(
            self.access,
            endpoints.PRODUCT_DETAIL,
            {"offerDetailParam": {"offerId": wanted.offer_id, "country": self.country}},
            method=self.method,
            meta={"wanted": wanted},
            callback=self.spider.parse_product_detail,
            errback=self.spider.product_detail_failed,
            priority=DETAIL_PRIORITY,
        )

    # --- answers ------------------------------------------------------------

    def parse_batch(self, response: Response) -> Iterator[RawOffer | Request]:
        outcome = outcome_of(response)
        now = datetime.now(timezone.utc)
        by_id = {wanted.offer_id: wanted for wanted in response.meta["batch"]}
        products = outcome.data if isinstance(outcome.data, list) else []
        for product in products:
            offer_id = offer_id_of(product) if isinstance(product, dict) else None
            wanted = by_id.pop(offer_id, None) if offer_id is not None else None
            if wanted is None:
                self.stats.inc_value(f"{STATS}/unexpected_products")
                continue
            self.stats.inc_value(f"{STATS}/fetched")
            yield self._raw(endpoints.BATCH_DETAIL.key, product, wanted, now)
        for offer_id, wanted in by_id.items():
            reported = offer_id in outcome.item_failures
            self.stats.inc_value(f"{STATS}/batch_reported_missing" if reported else f"{STATS}/batch_left_out")
            yield self._single_request(wanted)

    def parse_single(self, response: Response) -> Iterator[RawOffer | MissingOffer]:
        outcome = outcome_of(response)
        wanted: Wanted = response.meta["wanted"]
        if not isinstance(outcome.data, dict):
            yield self._missing(wanted, "empty answer")
            return
        self.stats.inc_value(f"{STATS}/fetched")
        yield self._raw(endpoints.PRODUCT_DETAIL.key, outcome.data, wanted, datetime.now(timezone.utc))

    def batch_failed(self, failure: Failure) -> Iterator[RawOffer | Request]:
        batch: list[Wanted] = failure.request.meta["batch"]  # type: ignore[attr-defined]
        error = failure.value
        if isinstance(error, ApiCallFailed) and error.outcome.code == "gw.APIACLDecline":
            if self.batch_api:
                logger.warning(
                    "This app may not call %s: fetching details one offer at a time instead "
                    "(request the API in the 1688 console to save calls)",
                    endpoints.BATCH_DETAIL.qualified_name,
                )
                self.stats.set_value(f"{STATS}/batch_api_refused", True)
            self.batch_api = False
            for wanted in batch:
                yield self._single_request(wanted)
            return
        yield from self._lost(batch, error)

    def single_failed(self, failure: Failure) -> Iterator[RawOffer | MissingOffer]:
        wanted: Wanted = failure.request.meta["wanted"]  # type: ignore[attr-defined]
        error = failure.value
        if isinstance(error, ApiCallFailed) and not error.gave_up and not error.outcome.code.startswith(("gw.", "http.")):
            # A business answer about this offer (such as 商品不存在): it is gone.
            yield self._missing(wanted, _business_reason(error.outcome))
            return
        yield from self._lost([wanted], error)

    def _raw(self, source_api: str, data: dict[str, Any], wanted: Wanted, now: datetime) -> RawOffer:
        return RawOffer(source_api=source_api, data=data, fetched_at=now, query=wanted.query,
                        search_item=wanted.search_item, rank=wanted.rank, found_by=wanted.queries)

    def _missing(self, wanted: Wanted, reason: str) -> MissingOffer:
        """The offer is gone: a row of the ``missing`` table, and the first few ids in the stats for the summary."""
        self.stats.inc_value(f"{STATS}/missing")
        if len(self._missing_sample) < MISSING_SAMPLE:
            self._missing_sample.append(str(wanted.offer_id))
            self.stats.set_value(f"{STATS}/missing_sample", ",".join(self._missing_sample))
        logger.debug("Offer %s is missing: %s", wanted.offer_id, reason)
        return MissingOffer(wanted.offer_id, reason, datetime.now(timezone.utc), wanted.query)

    def _lost(self, batch: list[Wanted], error: BaseException) -> Iterator[RawOffer]:
        """Details that could not be fetched: keep what the search said about them, count the rest."""
        now = datetime.now(timezone.utc)
        for wanted in batch:
            if wanted.search_item is not None and wanted.found_by is not None:
                self.stats.inc_value(f"{STATS}/kept_search_item_only")
                yield RawOffer(source_api=wanted.found_by, data=wanted.search_item, fetched_at=now,
                               query=wanted.query, search_item=wanted.search_item, rank=wanted.rank,
                               found_by=wanted.queries)
            else:
                self.stats.inc_value(f"{STATS}/lost")
        logger.warning("Could not fetch %d offer detail(s): %s", len(batch), error)
