"""Fetch each offer's detail once per crawl, whichever spider or query found it: one queryProductDetail a call.

``product.search.queryProductDetail`` is the only general detail API of the
platform (``alibaba.cross.productList`` answers only offers already in the
app's listing relation, without SKUs or prices: PROTOCOL.md section 9), so
the detail tier costs one call per offer. Offers arrive a page at a time
(search pages, id lists, ranked image results); each new one becomes one
request, sent before further search pages so pending offers never pile up,
and paced with every other call by the quota middleware.

Every offer asked for ends as a product, a ``missing`` row (the gateway says
it does not exist) or a counted loss (``harvester/details/lost``, a gap that
makes the crawl exit 4): an offer without its detail is never written to
``products`` from its search listing, so a later run (a resume, the next
crawl) knows it still lacks one; a resume with the same JOBDIR asks for it
again (``harvester.crawl.resume``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from scrapy import Request, signals
from scrapy.http import Response
from twisted.python.failure import Failure

from ..crawl import stats as keys
from ..crawl.resume import build_seen_set, resume
from ..crawl.seen import SeenSet
from ..gateway.calls import ApiCallFailed, api_request, outcome_of
from ..history.carry import carry_forward
from ..history.plan import DetailPlan
from ..items import MissingOffer, RawOffer
from ..open1688 import endpoints
from ..open1688.outcomes import Outcome

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from ..gateway.access import GatewayAccess
    from .enrichment import EnrichmentFetcher

logger = logging.getLogger(__name__)

#: Detail calls go before more search pages, so pending offers do not pile up in memory.
DETAIL_PRIORITY = 10
#: Missing offer ids named in the stats (``harvester/details/missing_sample``) and the crawl's summary.
MISSING_SAMPLE = 20
#: What a detail lacks and its search listing has: kept from the listing, in the request, for the product row.
LISTING_FIELDS = ("priceInfo", "monthSold", "sales7d", "repurchaseRate", "modifyDate", "subjectTrans")


class Wanted(NamedTuple):
    offer_id: int
    #: Label of the query that found it (None for id lists).
    query: str | None = None
    #: The fields of its search listing that details lack (``LISTING_FIELDS``), None for id lists.
    listing: dict[str, Any] | None = None
    #: Place in the crawl's merged result list, and every query that found it (spiders that rank, e.g. image).
    rank: int | None = None
    queries: list[str] | None = None


def listing_fields(item: dict[str, Any]) -> dict[str, Any]:
    """The few listing fields a product row takes from the search that found it (a request carries them)."""
    return {key: item[key] for key in LISTING_FIELDS if item.get(key) is not None}


class DetailCallbacks(Protocol):
    """The spider methods detail requests call back (Scrapy serialises callbacks by name)."""

    def parse_product_detail(self, response: Response) -> Iterator[Any]: ...

    def product_detail_failed(self, failure: Failure) -> Iterator[Any]: ...


def _business_reason(outcome: Outcome) -> str:
    """``OFFER_NOT_FOUND: 商品不存在``: the gateway's own words, for the ``missing`` table."""
    document = outcome.document if isinstance(outcome.document, dict) else {}
    envelope = document.get("result") if isinstance(document.get("result"), dict) else document
    message = envelope.get("message")
    return f"{outcome.code}: {message}" if isinstance(message, str) and message else outcome.message


class DetailFetcher:
    def __init__(
        self,
        crawler: Crawler,
        access: GatewayAccess,
        callbacks: DetailCallbacks,
        plan: DetailPlan | None = None,
        *,
        dry_run: bool = False,
        enrichment: EnrichmentFetcher | None = None,
    ):
        """``plan`` decides which offers a search found get a detail call (``-a details``; None: all of them);
        a ``dry_run`` counts what it would fetch and fetches nothing; ``enrichment`` gets every offer wanted for
        the first time (its freight and trend calls go out with the details)."""
        settings = crawler.settings
        #: Callbacks must be the spider's own methods so requests survive a JOBDIR or a Redis queue.
        self.callbacks = callbacks
        self.access = access
        self.crawler = crawler
        self.country = settings.get("OPEN1688_COUNTRY")
        self.method = settings.get("OPEN1688_HTTP_METHOD")
        self.plan = plan
        self.dry_run = dry_run
        self.enrichment = enrichment
        self._carry = carry_forward(crawler)
        crawler.signals.connect(self._opened, signal=signals.spider_opened)
        self._seen: SeenSet = build_seen_set(crawler, "wanted")
        #: The first few offers the gateway said do not exist, for the crawl's summary (all go to ``missing``).
        self._missing_sample: list[str] = []

    def _opened(self) -> None:
        if self.plan is not None:
            self.stats.set_value(keys.PLAN_MODE, self.plan.mode.value)
        if self.dry_run:
            self.stats.set_value(keys.PLAN_DRY_RUN, True)

    @property
    def stats(self) -> StatsCollector:
        # The spider (and so this object) is built before the crawler's stats exist.
        return self.crawler.stats  # type: ignore[return-value]

    # --- asking -------------------------------------------------------------

    def want(self, wanted: Iterable[Wanted]) -> list[Request]:
        """One detail request for each offer not asked for before in this crawl that the plan says to fetch;
        the offers it says are unchanged are carried forward from their last detail."""
        wanted = list(wanted)
        new = self._seen.add_many([w.offer_id for w in wanted])
        fresh = [w for w, is_new in zip(wanted, new) if is_new]
        self.stats.inc_value(keys.DETAILS_ALREADY_SEEN, len(wanted) - len(fresh))
        self.stats.inc_value(keys.DETAILS_WANTED, len(fresh))
        enriched = self.enrichment.want([w.offer_id for w in fresh]) if self.enrichment is not None else []
        if self.plan is None:
            return [self._request(w) for w in fresh] + enriched
        requests = []
        for w in fresh:
            reason, last = self.plan.decide(w.offer_id, w.listing)
            self.stats.inc_value(f"{keys.PLAN}/{reason.value}")
            if self.dry_run:
                continue
            if reason.fetch:
                requests.append(self._request(w))
            elif last is not None:
                self._carry.add(w.offer_id, last, w.query)
        return requests + enriched

    def again(self, offer_ids: Iterable[int]) -> list[Request]:
        """Calls for offers asked for before whose answers were lost with a killed worker (seen-set bypassed)."""
        wanted = [Wanted(offer_id) for offer_id in offer_ids]
        self.stats.inc_value(keys.DETAILS_WANTED_AGAIN, len(wanted))
        return [self._request(w).replace(dont_filter=True) for w in wanted]

    def _request(self, wanted: Wanted) -> Request:
        self.stats.inc_value(keys.DETAILS_CALLS)
        return api_request(
            self.access,
            endpoints.PRODUCT_DETAIL,
            {"offerDetailParam": {"offerId": wanted.offer_id, "country": self.country}},
            method=self.method,
            meta={"wanted": wanted},
            callback=self.callbacks.parse_product_detail,
            errback=self.callbacks.product_detail_failed,
            priority=DETAIL_PRIORITY,
        )

    # --- answers ------------------------------------------------------------

    def parse(self, response: Response) -> Iterator[RawOffer | MissingOffer]:
        outcome = outcome_of(response)
        wanted: Wanted = response.meta["wanted"]
        if not isinstance(outcome.data, dict):
            yield self._missing(wanted, "empty answer")
            return
        self.stats.inc_value(keys.DETAILS_FETCHED)
        yield RawOffer(
            source_api=endpoints.PRODUCT_DETAIL.key,
            data=outcome.data,
            query=wanted.query,
            listing=wanted.listing,
            fetched_at=datetime.now(UTC),
            rank=wanted.rank,
            found_by=wanted.queries,
        )

    def failed(self, failure: Failure) -> Iterator[MissingOffer]:
        wanted: Wanted = failure.request.meta["wanted"]  # type: ignore[attr-defined]
        error = failure.value
        if isinstance(error, ApiCallFailed) and error.business_answer:
            # A business answer about this offer (such as 商品不存在): it is gone.
            yield self._missing(wanted, _business_reason(error.outcome))
            return
        self.stats.inc_value(keys.DETAILS_LOST)
        resume(self.crawler).retry_next_run(failure.request)  # type: ignore[attr-defined]
        logger.warning("Could not fetch the detail of offer %s: %s", wanted.offer_id, error)

    def _missing(self, wanted: Wanted, reason: str) -> MissingOffer:
        """The offer is gone: a row of the ``missing`` table, and the first few ids in the stats for the summary."""
        self.stats.inc_value(keys.DETAILS_MISSING)
        if len(self._missing_sample) < MISSING_SAMPLE:
            self._missing_sample.append(str(wanted.offer_id))
            self.stats.set_value(keys.DETAILS_MISSING_SAMPLE, ",".join(self._missing_sample))
        logger.debug("Offer %s is missing: %s", wanted.offer_id, reason)
        return MissingOffer(wanted.offer_id, reason, datetime.now(UTC), wanted.query)
