"""Hold the app's call quota: calls per second (GCRA, slowed by AIMD when throttled) and the daily budget.

Every attempt that would reach the gateway passes here, retries included,
and answers served from the HTTP cache never do (this middleware sits below
the cache). Waiting happens in ``process_request``, so a call waits for its
slot without holding the reactor; the downloader's concurrency bounds how
many calls wait at once.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy import signals as scrapy_signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from .. import signals as harvester_signals
from ..access import GatewayAccess
from ..budget import Budget, FileBudget
from ..calls import NOT_BEFORE, endpoint_of, stop_crawl
from ..ratelimit import Aimd, Gcra, Limiter, SendWindow

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from typing_extensions import Self

logger = logging.getLogger(__name__)

BUDGET_SPENT = "daily_budget_spent"


class QuotaMiddleware:
    def __init__(
        self,
        crawler: Crawler,
        limiter: Limiter | None,
        budget: Budget | None,
        qps: float,
        pace: float,
    ):
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]
        self.limiter = limiter
        self.aimd = Aimd(limiter, pace) if limiter is not None else None
        self.budget = budget
        self.qps = qps
        #: Our own count of the busiest second, to compare with what the gateway saw.
        self._per_second = SendWindow(1 << 30)
        #: A hard cap on sends per second: calls planned apart may still leave together.
        self.window = SendWindow(math.floor(qps)) if limiter is not None and qps >= 1 else None
        crawler.signals.connect(self.throttled, harvester_signals.gateway_throttled)
        crawler.signals.connect(self.close, signal=scrapy_signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        qps = settings.getfloat("OPEN1688_QPS")
        daily = settings.getint("OPEN1688_DAILY_CALL_BUDGET")
        if qps < 0 or daily < 0:
            raise NotConfigured("OPEN1688_QPS and OPEN1688_DAILY_CALL_BUDGET must not be negative")
        headroom = settings.getfloat("OPEN1688_QPS_HEADROOM")
        if not 0 <= headroom < 1:
            raise NotConfigured("OPEN1688_QPS_HEADROOM must be a share between 0 and 1")
        pace = qps * (1 - headroom)
        limiter = Gcra(pace, settings.getint("OPEN1688_QPS_BURST")) if qps > 0 else None
        budget = None
        if daily > 0:
            access = GatewayAccess.from_crawler(crawler)
            budget = FileBudget(daily, settings.get("OPEN1688_STATE_DIR"), access.app_key)
        crawler.stats.set_value("harvester/quota/qps", qps)  # type: ignore[union-attr]
        crawler.stats.set_value("harvester/quota/daily_budget", daily)  # type: ignore[union-attr]
        return cls(crawler, limiter, budget, qps, pace)

    async def process_request(self, request: Request) -> None:
        if endpoint_of(request) is None:
            return None
        not_before = request.meta.pop(NOT_BEFORE, None)
        if not_before is not None:
            backoff = not_before - time.time()
            if backoff > 0:
                await asyncio.sleep(backoff)
        if self.budget is not None and not self.budget.try_spend(time.time()):
            stop_crawl(
                self.crawler,
                BUDGET_SPENT,
                f"the daily call budget (OPEN1688_DAILY_CALL_BUDGET={self.budget.limit}) is spent; "
                "everything harvested so far is kept: resume tomorrow (UTC) or raise the budget",
            )
            self.stats.inc_value("harvester/quota/refused_budget")
            raise IgnoreRequest("daily call budget spent")
        if self.limiter is not None:
            wait = self.limiter.reserve(time.monotonic())
            if wait > 0:
                self.stats.inc_value("harvester/quota/wait_seconds", wait)
                await asyncio.sleep(wait)
        if self.window is not None:
            while (hold := self.window.wait(time.monotonic())) > 0:
                self.stats.inc_value("harvester/quota/held_back")
                await asyncio.sleep(hold)
            self.window.record(time.monotonic())
        self.stats.inc_value("harvester/quota/calls")
        self.stats.max_value("harvester/quota/max_calls_per_second", self._per_second.add(time.monotonic()))
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if self.aimd is not None and response.status == 200 and endpoint_of(request) is not None:
            self.aimd.succeeded(time.monotonic())
        return response

    def throttled(self, request: Request, retry_after: float | None) -> None:
        if self.aimd is None:
            return
        if self.aimd.throttled(time.monotonic(), retry_after):
            self.stats.inc_value("harvester/quota/slowdowns")
            logger.info(
                "The gateway throttled us: pacing at %.2f calls/s (of %.2f) and recovering", self.aimd.rate,
                self.aimd.target,
            )

    def close(self) -> None:
        if self.budget is not None:
            self.budget.close()
