"""A progress line every few seconds and a summary at the end, from the crawl's stats.

Harvests run for hours inside a quota, so the useful questions are: how far
along, at what share of the allowed rate, how much budget is left, and when
will it end. Everything shown comes from stats the components already keep.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from twisted.internet import task

from ..crawl import stats as keys
from ..history.plan import plan_summary
from ..stages.enrichment import enrichment_summary

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


class Progress:
    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self._loop: task.LoopingCall | None = None
        self._started = time.monotonic()
        self._last = (self._started, 0, 0)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawler.settings.getfloat("HARVEST_PROGRESS_INTERVAL"))

    def _stats(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        return self.crawler.stats.get_stats()

    def spider_opened(self, spider: Spider) -> None:
        self._started = time.monotonic()
        self._last = (self._started, 0, 0)
        if self.interval > 0:
            self._loop = task.LoopingCall(self.log_progress)
            self._loop.start(self.interval, now=False)

    def log_progress(self) -> None:
        stats = self._stats()
        now = time.monotonic()
        calls = stats.get(keys.QUOTA_CALLS, 0)
        fetched = stats.get(keys.DETAILS_FETCHED, 0)
        last_time, last_calls, last_fetched = self._last
        self._last = (now, calls, fetched)
        elapsed = max(now - last_time, 1e-9)
        call_rate = (calls - last_calls) / elapsed
        fetch_rate = (fetched - last_fetched) / elapsed
        qps = stats.get(keys.QUOTA_QPS, 0)
        found = stats.get(keys.DETAILS_WANTED, 0)
        reported = stats.get(keys.SEARCH_REPORTED, 0)
        parts = [
            f"pages {stats.get('harvester/search/pages', 0):,}",
            f"offers found {found:,}" + (f" of {reported:,} reported" if reported else ""),
            f"details {fetched:,}",
            f"{call_rate:.1f} calls/s" + (f" of {qps:g} allowed" if qps else ""),
        ]
        budget = stats.get(keys.QUOTA_DAILY_BUDGET, 0)
        if budget:
            parts.append(f"budget left {max(0, budget - calls):,}")
        remaining = max(reported, found) - fetched
        if fetch_rate > 0 and remaining > 0:
            parts.append(f"ETA {_duration(remaining / fetch_rate)}")
        logger.info("Progress: %s", " | ".join(parts))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        stats = self._stats()
        elapsed = max(time.monotonic() - self._started, 1e-9)
        calls = stats.get(keys.QUOTA_CALLS, 0)
        retries = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith(keys.API_RETRY_REASONS + "/")}
        lines = [
            f"finished ({stats.get('harvester/stop/reason') or reason}) in {_duration(elapsed)}",
            f"gateway calls: {calls:,} ({calls / elapsed:.1f}/s)",
            f"offers: {stats.get('harvester/search/reported', 0):,} reported by the gateway, "
            f"{stats.get('harvester/details/wanted', 0):,} found, {stats.get('harvester/details/fetched', 0):,} "
            "with details",
        ]
        plan = plan_summary(stats)
        if plan:
            lines.append(plan)
        enrichment = enrichment_summary(stats)
        if enrichment:
            lines.append(enrichment)
        gaps = {gap.label: stats.get(gap.key, 0) for gap in keys.GAPS}
        gaps_text = ", ".join(f"{name} {count:,}" for name, count in gaps.items() if count)
        if gaps_text:
            lines.append(f"gaps: {gaps_text}")
        missing = stats.get(keys.DETAILS_MISSING, 0)
        if missing:
            sample = stats.get(keys.DETAILS_MISSING_SAMPLE, "").replace(",", ", ")
            more = ", …" if missing > sample.count(",") + 1 else ""
            lines.append(f"missing: {sample}{more} (all {missing:,} in the missing table)")
        if retries:
            lines.append("retries: " + ", ".join(f"{k} {v}" for k, v in sorted(retries.items())))
        logger.info("Summary: %s", "; ".join(lines))
