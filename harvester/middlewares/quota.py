"""Hold the app's call quota: calls per second (GCRA, slowed by AIMD when throttled) and the daily budget.

Every attempt that would reach the gateway passes here, retries included,
and answers served from the HTTP cache never do (this middleware sits below
the cache). Waiting happens in ``process_request``, so a call waits for its
slot without holding the reactor; the downloader's concurrency bounds how
many calls wait at once. The day's budget is spent last, as the call
leaves, so a call that never leaves never counts. Once the crawl is stopping
(Ctrl-C, the budget spent, a fatal error) waiting calls are not sent: they
go back into the queue (``harvester.crawl.stop.put_back``), which a JOBDIR
keeps, so Ctrl-C takes effect at once and nothing waiting is lost.

One machine paces and counts in process (:class:`~harvester.quota.pace.LocalPacer`,
a :class:`~harvester.quota.budget.FileBudget`); the workers of a distributed crawl
(``HARVEST_DISTRIBUTED``) share one pace and one budget in Redis
(:mod:`harvester.quota.shared`), reached with ``redis.asyncio`` so the
reactor never waits on Redis.

The per-process :class:`~harvester.quota.pace.SendWindow` catches calls that
were planned apart but leave together (a busy reactor wakes several at
once). On one machine it caps sends at ``floor(OPEN1688_QPS)`` per second.
With N workers a per-process cap of the whole rate would allow N times the
rate, and a cap of 1/N of it would idle workers whose share is uneven; so a
distributed crawl keeps the window only as a bound on one worker's bunch
(no worker alone may send more than the app's second's worth at once) and
relies on the Redis GCRA for the total, and on ``OPEN1688_QPS_HEADROOM`` for
the jitter between a slot and the actual send.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy import signals as scrapy_signals
from scrapy.http import Response

from ..checks import guards
from ..crawl import stats as keys
from ..crawl import stop
from ..distributed import connection
from ..distributed.connection import RedisUnavailable
from ..gateway import signals as harvester_signals
from ..gateway.access import GatewayAccess
from ..gateway.calls import NOT_BEFORE, endpoint_of
from ..quota.budget import Budget, FileBudget, LocalBudget
from ..quota.pace import LocalPacer, Pacer, SendWindow
from ..quota.shared import RedisBudget, RedisPacer

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: Longest sleep between two looks at whether the crawl is stopping, while a call waits for its slot.
PAUSE_STEP = 0.25


class QuotaMiddleware:
    def __init__(self, crawler: Crawler, pacer: Pacer | None, budget: Budget | None, qps: float):
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]
        self.pacer = pacer
        self.budget = budget
        self.qps = qps
        #: Our own count of the busiest second, to compare with what the gateway saw.
        self._per_second = SendWindow(1 << 30)
        #: A hard cap on one process's sends per second: calls planned apart may still leave together.
        self.window = SendWindow(math.floor(qps)) if pacer is not None and qps >= 1 else None
        #: Slow-downs being told to a shared pacer (the throttled signal is synchronous).
        self._telling: set[asyncio.Future[None]] = set()
        crawler.signals.connect(self.throttled, harvester_signals.gateway_throttled)
        crawler.signals.connect(self.close, signal=scrapy_signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        # Read through the guards: a bad value is a ConfigurationError, never this middleware switched off.
        qps = guards.value(settings, "OPEN1688_QPS")
        daily = guards.value(settings, "OPEN1688_DAILY_CALL_BUDGET")
        headroom = guards.value(settings, "OPEN1688_QPS_HEADROOM")
        pace = qps * (1 - headroom)
        burst = guards.value(settings, "OPEN1688_QPS_BURST")
        if settings.getbool("HARVEST_DISTRIBUTED"):
            pacer, budget = cls._shared(crawler, pace if qps > 0 else 0, burst, daily)
        else:
            pacer = LocalPacer(pace, burst) if qps > 0 else None
            budget = None
            if daily > 0:
                app_key = GatewayAccess.from_crawler(crawler).app_key
                budget = LocalBudget(FileBudget(daily, guards.value(settings, "OPEN1688_STATE_DIR"), app_key))
        crawler.stats.set_value(keys.QUOTA_QPS, qps)  # type: ignore[union-attr]
        crawler.stats.set_value(keys.QUOTA_DAILY_BUDGET, daily)  # type: ignore[union-attr]
        crawler.stats.set_value(  # type: ignore[union-attr]
            keys.QUOTA_SHARED, settings.getbool("HARVEST_DISTRIBUTED")
        )
        return cls(crawler, pacer, budget, qps)

    @staticmethod
    def _shared(crawler: Crawler, pace: float, burst: int, daily: int) -> tuple[RedisPacer | None, RedisBudget | None]:
        """The pace and budget every worker shares; Redis is checked now, so a wrong REDIS_URL fails at start-up."""
        if pace <= 0 and daily <= 0:
            return None, None
        settings = crawler.settings
        connection.check(settings)
        app_key = GatewayAccess.from_crawler(crawler).app_key
        url, prefix = settings["REDIS_URL"], settings["HARVEST_REDIS_PREFIX"]
        pacer = (
            RedisPacer(connection.async_client(settings), url, prefix, app_key, pace, burst=burst) if pace > 0 else None
        )
        budget = RedisBudget(connection.async_client(settings), url, prefix, app_key, daily) if daily > 0 else None
        return pacer, budget

    async def process_request(self, request: Request) -> Request | None:
        """Wait for the call's slot, then spend one call of the day's budget; a stopping crawl sends nothing more
        and puts the request back into its queue instead (``harvester.crawl.stop``)."""
        if endpoint_of(request) is None:
            return None
        not_before = request.meta.get(NOT_BEFORE)
        if not_before is not None and not await self._pause(not_before - time.time()):
            return stop.put_back(self.crawler, request)
        request.meta.pop(NOT_BEFORE, None)
        try:
            if not await self._take_slot():
                return stop.put_back(self.crawler, request)
            if not await self._spend():
                return stop.put_back(self.crawler, request)
        except RedisUnavailable as error:
            # Not a failed call (its errback would count the offer lost): the crawl stops, and the request goes
            # back to the queue (if Redis takes it; else its lease, never acked now, brings it back).
            stop.stop_crawl(self.crawler, stop.REDIS_UNAVAILABLE, str(error))
            return stop.put_back(self.crawler, request)
        self.stats.inc_value(keys.QUOTA_CALLS)
        self.stats.max_value(keys.QUOTA_MAX_PER_SECOND, self._per_second.add(time.monotonic()))
        return None

    async def _pause(self, seconds: float) -> bool:
        """Sleep ``seconds`` in short steps; False as soon as the crawl is stopping (Ctrl-C must not wait for a
        30-second backoff to end, and the call it was waiting for is not to be sent any more)."""
        deadline = time.monotonic() + seconds
        while True:
            if stop.stopping(self.crawler):
                return False
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            await asyncio.sleep(min(left, PAUSE_STEP))

    async def _take_slot(self) -> bool:
        """Wait for the call's slot (the pace, then the per-second window); False when the crawl stops meanwhile."""
        if self.pacer is not None:
            wait = await self.pacer.reserve()
            if wait > 0:
                self.stats.inc_value(keys.QUOTA_WAIT_SECONDS, wait)
                if not await self._pause(wait):
                    return False
        if self.window is not None:
            while (hold := self.window.wait(time.monotonic())) > 0:
                self.stats.inc_value(keys.QUOTA_HELD_BACK)
                if not await self._pause(hold):
                    return False
            self.window.record(time.monotonic())
        return not stop.stopping(self.crawler)

    async def _spend(self) -> bool:
        """Spend one call of today's budget, just before the call leaves; False (the crawl stopping) when spent."""
        if self.budget is None or await self.budget.try_spend(time.time()):
            return True
        stop.stop_crawl(
            self.crawler,
            stop.DAILY_BUDGET_SPENT,
            f"the daily call budget (OPEN1688_DAILY_CALL_BUDGET={self.budget.limit}) is spent; "
            "everything harvested so far is kept: resume tomorrow (UTC) or raise the budget",
        )
        self.stats.inc_value(keys.QUOTA_REFUSED_BUDGET)
        return False

    def process_response(self, request: Request, response: Response) -> Response:
        if self.pacer is not None and response.status == 200 and endpoint_of(request) is not None:
            self.pacer.succeeded()
        return response

    def throttled(self, request: Request, retry_after: float | None) -> None:
        if self.pacer is None:
            return
        told = asyncio.ensure_future(self._slow_down(self.pacer, retry_after))
        self._telling.add(told)
        told.add_done_callback(self._telling.discard)

    async def _slow_down(self, pacer: Pacer, retry_after: float | None) -> None:
        try:
            rate = await pacer.throttled(retry_after)
        except RedisUnavailable as error:
            # The next reservation meets the same error and stops the crawl; a slow-down missed meanwhile is moot.
            logger.warning("Could not slow down the shared pace: %s", error)
            return
        if rate is not None:
            self.stats.inc_value(keys.QUOTA_SLOWDOWNS)
            logger.info("The gateway throttled us: pacing at %.2f calls/s (of %.2f) and recovering", rate, pacer.target)

    async def close(self) -> None:
        if self._telling:
            await asyncio.gather(*self._telling)
        if self.budget is not None:
            try:
                self.stats.set_value(keys.QUOTA_BUDGET_SPENT_TODAY, await self.budget.spent(time.time()))
            except RedisUnavailable as error:
                logger.warning("Could not read the day's budget: %s", error)
            await self.budget.close()
        if self.pacer is not None:
            await self.pacer.close()
