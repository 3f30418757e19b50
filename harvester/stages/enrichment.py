"""Opt-in calls per offer beyond its detail: freight to an address, per-day trends (PROTOCOL.md section 11).

``-a freight_to=330000`` (with ``-a freight_quantity=``) asks
``product.freight.estimate`` once per offer; ``-a trends=1`` asks the three
``product.analyze.*`` APIs (units sold per day, the 30-day median price,
the repurchase rate) over the last ``HARVEST_TRENDS_DAYS`` days ending
``HARVEST_TRENDS_END``, one call per API and month-long window (the pages
allow at most one month a call, 90 days back). Neither needs the offer's
detail, so each distinct offer a crawl finds is enriched when it is first
wanted, whether or not the detail plan fetches its detail: the calls go
out beside the detail calls, paced with every other call.

Calls are planned (``harvester/enrichment/<api>/planned``: what the
offers found would cost, the figure a dry run prints), capped by
``HARVEST_FREIGHT_MAX_CALLS`` and ``HARVEST_TRENDS_MAX_CALLS`` per crawl
(offers past the cap are counted as ``capped``, not called), and
reported: an offer the gateway says does not exist is counted
``missing``; a call that fails for good is a gap (``lost``: exit status
4), sent again by a resume with the same JOBDIR.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from ..checks import guards
from ..crawl import stats as keys
from ..crawl.resume import resume
from ..gateway.calls import ApiCallFailed, api_request, outcome_of
from ..history.plan import parse_flag
from ..inputs.provinces import Destination, parse_destination
from ..items import FreightEstimate, TrendPoint
from ..normalise.enrichment import freight_row, trend_rows
from ..normalise.scalars import CHINA_OFFSET
from ..open1688 import endpoints
from ..open1688.queries import QueryError, freight_param, parse_positive_int, trend_param

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from ..gateway.access import GatewayAccess

logger = logging.getLogger(__name__)

#: Spider arguments of the enrichment, for the spiders that take them.
ARGUMENTS = {
    "freight_to": "estimate each offer's freight to this province: its code or Chinese name (330000, 浙江省), or "
    "province,city,district codes (330000,330100,330108); one call per offer",
    "freight_quantity": "pieces the freight estimate is for (default 1)",
    "trends": "1: per-day units sold, 30-day median price and repurchase rate of each offer (three calls per offer "
    "and month-long window)",
}
#: Enrichment calls go out with the detail calls, before more search pages.
ENRICHMENT_PRIORITY = 10
#: Refused calls logged one by one; past this many they are only counted.
LOGGED_REFUSALS = 5
#: How the gateway says the offer does not exist (the detail API's 商品不存在; the sandbox's OFFER_NOT_FOUND). Only
#: the offer's: "address code not exist" is a refusal of the call (a gap), not an offer gone.
_GONE = ("商品不存在", "offer_not_found", "offer not exist")


def _gone(code: str, message: str) -> bool:
    text = f"{code} {message}".lower()
    return any(sign in text for sign in _GONE)


@dataclass(frozen=True)
class Enrichment:
    """What a crawl's arguments ask for beyond details."""

    freight_to: Destination | None = None
    freight_quantity: int = 1
    trends: bool = False

    @property
    def wanted(self) -> bool:
        return self.freight_to is not None or self.trends


def parse_enrichment(arguments: Mapping[str, Any]) -> Enrichment:
    """The enrichment the ``-a`` arguments ask for; ValueError (one line, what to give) for a bad one."""
    freight_to = arguments.get("freight_to")
    destination = parse_destination(freight_to) if freight_to not in (None, "") else None
    try:
        quantity = parse_positive_int(arguments.get("freight_quantity"), "freight_quantity")
    except QueryError as error:
        raise ValueError(str(error)) from None
    if quantity is not None and destination is None:
        raise ValueError("freight_quantity needs freight_to: give -a freight_to=330000 (a province) as well")
    return Enrichment(destination, quantity or 1, parse_flag(arguments.get("trends"), "trends"))


def month_after(day: date) -> date:
    """The same day of the next month, or that month's last day: the furthest a trend call's end may be."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def trend_windows(end: date, days: int) -> list[tuple[date, date]]:
    """The ``days`` days ending ``end``, cut into windows no longer than the pages allow one call (a month)."""
    start = end - timedelta(days=days - 1)
    windows = []
    while start <= end:
        last = min(month_after(start), end)
        windows.append((start, last))
        start = last + timedelta(days=1)
    return windows


def trends_end(setting: str, now: datetime | None = None, last_complete_day: date | None = None) -> date:
    """``HARVEST_TRENDS_END`` (yyyyMMdd); when it is empty, the gateway's last complete day if it says so (the
    embedded sandbox), else yesterday in China (today may be incomplete)."""
    if setting:
        return datetime.strptime(setting, "%Y%m%d").date()
    if last_complete_day is not None:
        return last_complete_day
    return ((now or datetime.now(UTC)) + CHINA_OFFSET).date() - timedelta(days=1)


class EnrichmentCallbacks(Protocol):
    """The spider methods enrichment requests call back (Scrapy serialises callbacks by name)."""

    def parse_freight(self, response: Response) -> Iterator[Any]: ...

    def freight_failed(self, failure: Failure) -> Iterator[Any]: ...

    def parse_trend(self, response: Response) -> Iterator[Any]: ...

    def trend_failed(self, failure: Failure) -> Iterator[Any]: ...


class _Budget:
    """Calls of one kind this crawl may still make (``HARVEST_*_MAX_CALLS``; 0: no limit)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.spent = 0

    def take(self, calls: int) -> bool:
        if self.limit and self.spent + calls > self.limit:
            return False
        self.spent += calls
        return True


class EnrichmentFetcher:
    """Takes the offers a crawl wants (each once) and asks the enrichment APIs the arguments name about them."""

    def __init__(
        self,
        crawler: Crawler,
        access: GatewayAccess,
        callbacks: EnrichmentCallbacks,
        enrichment: Enrichment,
        *,
        dry_run: bool = False,
    ):
        settings = crawler.settings
        self.crawler = crawler
        self.access = access
        self.callbacks = callbacks
        self.enrichment = enrichment
        self.dry_run = dry_run
        self.method = settings.get("OPEN1688_HTTP_METHOD")
        end = trends_end(guards.value(settings, "HARVEST_TRENDS_END"), last_complete_day=access.last_complete_day)
        self.windows = trend_windows(end, guards.value(settings, "HARVEST_TRENDS_DAYS"))
        self._freight = _Budget(guards.value(settings, "HARVEST_FREIGHT_MAX_CALLS"))
        self._trends = _Budget(guards.value(settings, "HARVEST_TRENDS_MAX_CALLS"))
        self._refusals = 0
        if enrichment.wanted:
            logger.info("Enrichment planned: %s", self.plan())

    def plan(self) -> str:
        """What each offer found will cost, in words, for the log (the counts come with the crawl's stats)."""
        parts = []
        destination = self.enrichment.freight_to
        if destination is not None:
            parts.append(
                f"freight of {self.enrichment.freight_quantity} piece(s) to {'/'.join(destination.codes)}: "
                f"1 call per offer, at most {self._freight.limit or 'unlimited'}"
            )
        if self.enrichment.trends:
            first, last = self.windows[0][0], self.windows[-1][1]
            parts.append(
                f"trends {first:%Y%m%d}..{last:%Y%m%d}: {self.trend_calls_per_offer} calls per offer, at "
                f"most {self._trends.limit or 'unlimited'}"
            )
        return "; ".join(parts)

    @property
    def stats(self) -> StatsCollector:
        return self.crawler.stats  # type: ignore[return-value]

    @property
    def trend_calls_per_offer(self) -> int:
        return len(endpoints.TRENDS) * len(self.windows)

    def want(self, offer_ids: Iterable[int]) -> list[Request]:
        """The enrichment calls of offers wanted for the first time this crawl (planned, capped; none in a dry
        run)."""
        if not self.enrichment.wanted:
            return []
        requests: list[Request] = []
        destination = self.enrichment.freight_to
        per_offer = self.trend_calls_per_offer
        for offer_id in offer_ids:
            if destination is not None:
                self.stats.inc_value(keys.FREIGHT_PLANNED)
                if not self._freight.take(1):
                    self.stats.inc_value(keys.FREIGHT_CAPPED)
                elif not self.dry_run:
                    requests.append(self._freight_request(offer_id, destination))
            if self.enrichment.trends:
                self.stats.inc_value(keys.TRENDS_PLANNED, per_offer)
                if not self._trends.take(per_offer):
                    self.stats.inc_value(keys.TRENDS_CAPPED, per_offer)
                elif not self.dry_run:
                    requests.extend(self._trend_requests(offer_id))
        return requests

    # --- freight ----------------------------------------------------------------

    def _freight_request(self, offer_id: int, destination: Destination) -> Request:
        self.stats.inc_value(keys.FREIGHT_CALLS)
        quantity = self.enrichment.freight_quantity
        return api_request(
            self.access,
            endpoints.FREIGHT_ESTIMATE,
            {"productFreightQueryParamsNew": freight_param(offer_id, destination, quantity)},
            method=self.method,
            meta={"offer_id": offer_id, "address": destination.codes, "quantity": quantity},
            callback=self.callbacks.parse_freight,
            errback=self.callbacks.freight_failed,
            priority=ENRICHMENT_PRIORITY,
        )

    def parse_freight(self, response: Response) -> Iterator[FreightEstimate]:
        outcome = outcome_of(response)
        meta = response.meta
        row = freight_row(
            outcome.data,
            offer_id=meta["offer_id"],
            address=meta["address"],
            quantity=meta["quantity"],
            crawled_at=datetime.now(UTC),
            note=self._note,
        )
        self.stats.inc_value(keys.FREIGHT_ESTIMATES)
        yield row

    def freight_failed(self, failure: Failure) -> Iterator[Any]:
        self._failed(failure, (keys.FREIGHT_MISSING, keys.FREIGHT_REFUSED, keys.FREIGHT_LOST), "freight estimate")
        return iter(())

    # --- trends -----------------------------------------------------------------

    def _trend_requests(self, offer_id: int) -> Iterator[Request]:
        for metric, (endpoint, parameter) in endpoints.TRENDS.items():
            for start, end in self.windows:
                self.stats.inc_value(keys.TRENDS_CALLS)
                yield api_request(
                    self.access,
                    endpoint,
                    {parameter: trend_param(offer_id, start, end)},
                    method=self.method,
                    meta={"offer_id": offer_id, "metric": metric},
                    callback=self.callbacks.parse_trend,
                    errback=self.callbacks.trend_failed,
                    priority=ENRICHMENT_PRIORITY,
                )

    def parse_trend(self, response: Response) -> Iterator[TrendPoint]:
        outcome = outcome_of(response)
        rows = trend_rows(
            outcome.data,
            offer_id=response.meta["offer_id"],
            metric=response.meta["metric"],
            crawled_at=datetime.now(UTC),
            note=self._note,
        )
        self.stats.inc_value(keys.TRENDS_SERIES)
        self.stats.inc_value(keys.TRENDS_POINTS, len(rows))
        yield from rows

    def trend_failed(self, failure: Failure) -> Iterator[Any]:
        self._failed(
            failure,
            (keys.TRENDS_MISSING, keys.TRENDS_REFUSED, keys.TRENDS_LOST),
            f"{failure.request.meta['metric']} trend",
        )
        return iter(())

    # --- both -------------------------------------------------------------------

    def _failed(self, failure: Failure, outcomes: tuple[str, str, str], what: str) -> None:
        """Sorts a failed call: the offer is gone (``missing``), the gateway refused the request (``refused``, a
        gap: asking again would be refused again), or the call failed for good (``lost``, a gap the next run of
        the JOBDIR asks again)."""
        request = failure.request  # type: ignore[attr-defined]
        error = failure.value
        offer_id = request.meta["offer_id"]
        missing, refused, lost = outcomes
        if isinstance(error, ApiCallFailed) and error.business_answer:
            if _gone(error.outcome.code, error.outcome.message):
                self.stats.inc_value(missing)
                logger.debug("No %s of offer %s: %s", what, offer_id, error.outcome.message)
                return
            self.stats.inc_value(refused)
            self._refusals += 1
            if self._refusals <= LOGGED_REFUSALS:
                logger.warning(
                    "The gateway refused the %s of offer %s: %s%s",
                    what,
                    offer_id,
                    error.outcome.message,
                    " (further refusals are only counted)" if self._refusals == LOGGED_REFUSALS else "",
                )
            return
        self.stats.inc_value(lost)
        resume(self.crawler).retry_next_run(request)
        logger.warning("Could not fetch the %s of offer %s: %s", what, offer_id, error)

    def _note(self, what: str) -> None:
        self.stats.inc_value(f"{keys.ENRICHMENT_NORMALISE}/{what}")


def enrichment_summary(stats: Mapping[str, Any]) -> str | None:
    """One line on the enrichment calls planned, made, capped and lost; None when none was asked for."""
    parts = []
    for name, planned, calls, capped, missing, refused, lost in (
        (
            "freight",
            keys.FREIGHT_PLANNED,
            keys.FREIGHT_CALLS,
            keys.FREIGHT_CAPPED,
            keys.FREIGHT_MISSING,
            keys.FREIGHT_REFUSED,
            keys.FREIGHT_LOST,
        ),
        (
            "trends",
            keys.TRENDS_PLANNED,
            keys.TRENDS_CALLS,
            keys.TRENDS_CAPPED,
            keys.TRENDS_MISSING,
            keys.TRENDS_REFUSED,
            keys.TRENDS_LOST,
        ),
    ):
        if not stats.get(planned):
            continue
        figures = [f"{int(stats.get(planned, 0)):,} calls planned"]
        if stats.get(keys.PLAN_DRY_RUN):
            figures.append(f"{int(stats.get(planned, 0)) - int(stats.get(capped, 0)):,} it would make")
        else:
            figures.append(f"{int(stats.get(calls, 0)):,} made")
        figures += [
            f"{int(stats.get(key, 0)):,} {label}"
            for key, label in (
                (capped, "past the cap"),
                (missing, "offers missing"),
                (refused, "refused"),
                (lost, "lost"),
            )
            if stats.get(key)
        ]
        parts.append(f"{name}: " + ", ".join(figures))
    if stats.get(keys.CATEGORIES_CALLS):
        lost = int(stats.get(keys.CATEGORIES_LOST, 0)) + int(stats.get(keys.CATEGORIES_NAMES_LOST, 0))
        parts.append(
            f"categories: {int(stats.get(keys.CATEGORIES_ROWS, 0)):,} written from "
            f"{int(stats.get(keys.CATEGORIES_CALLS, 0)) + int(stats.get(keys.CATEGORIES_TRANSLATION_CALLS, 0)):,}"
            f" calls" + (f", {lost:,} not walked or named" if lost else "")
        )
    return "enrichment " + "; ".join(parts) if parts else None
