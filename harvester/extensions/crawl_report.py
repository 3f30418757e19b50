"""Leave the crawl's figures beside the dataset: a JSON stats file and an HTML report of it.

Stats vanish with the process; an analyst looking at a dataset (or a test
checking a crawl run in a subprocess) needs to know how the crawl went:
calls against the quota over time, errors and retries by reason, search
hits per query, coverage against what the gateway reported. Both files
land in ``{HARVEST_DATA_DIR}/_reports/`` under the crawl id and worker id
(in the bucket when the dataset is on object storage), each written whole,
whatever way the crawl ended. The JSON is the source
of truth; the HTML page (``harvester.report.page``) shows only what it holds.
"""

from __future__ import annotations

import json
import os
import resource
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from twisted.internet import task

from ..crawl import stats as keys
from ..crawl.identity import crawl_identity
from ..dataset.storage import storage_of
from ..items import SearchHit
from ..report.exits import exit_status
from ..report.page import render
from ..report.series import ThinnedSeries
from ..report.topcounts import TopCounter

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

#: Stats sampled into the time series.
SERIES_KEYS = (
    keys.QUOTA_CALLS,
    keys.DETAILS_FETCHED,
    keys.SEARCH_PAGES,
    keys.API_RETRY_COUNT,
    keys.API_THROTTLED_RETRIES,
)
#: Queries counted one by one before counts become bounded estimates (see ``harvester.report.topcounts``).
TRACKED_QUERIES = 1000


REPORTS = "_reports"


def report_dir(data_dir: str | os.PathLike[str]) -> Path:
    """The reports folder of a dataset in a local folder."""
    return Path(data_dir).expanduser() / REPORTS


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def peak_rss_kb(usage: resource.struct_rusage) -> int:
    """This process's own peak RSS. Linux keeps ``ru_maxrss`` across fork and exec, so a crawl started by a big
    process (a test runner, a notebook) would report its parent's peak; the memory map's high-water mark
    (``VmHWM``) starts again with the program."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return usage.ru_maxrss


class CrawlReport:
    def __init__(self, crawler: Crawler, interval: float, max_samples: int, top_queries: int):
        self.crawler = crawler
        self.interval = interval
        self.top_queries = top_queries
        self.series = ThinnedSeries(max_samples)
        self.queries = TopCounter(max(TRACKED_QUERIES, top_queries))
        self._started = time.monotonic()
        self._loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            settings.getfloat("HARVEST_REPORT_SAMPLE_INTERVAL"),
            settings.getint("HARVEST_REPORT_MAX_SAMPLES"),
            settings.getint("HARVEST_REPORT_TOP_QUERIES"),
        )

    def path(self, suffix: str) -> str:
        identity = crawl_identity(self.crawler)
        return storage_of(self.crawler).path(REPORTS, f"{identity.crawl_id}-{identity.worker_id}.{suffix}")

    def spider_opened(self, spider: Spider) -> None:
        self._started = time.monotonic()
        if self.interval > 0:
            self._loop = task.LoopingCall(self.sample)
            self._loop.start(self.interval, now=True)

    def item_scraped(self, item: Any) -> None:
        # Counted here rather than as stats: one stat per keyword would grow with a keywords file.
        if type(item) is SearchHit:
            self.queries.add(item.query)

    def _point(self) -> dict[str, Any]:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        point: dict[str, Any] = {"t": round(time.monotonic() - self._started, 3)}
        point.update(
            {
                key.rsplit("/", 1)[-1] if key != keys.API_RETRY_COUNT else "retries": stats.get(key, 0)
                for key in SERIES_KEYS
            }
        )
        return point

    def sample(self) -> None:
        self.series.tick(self._point())

    def _queries(self) -> dict[str, Any]:
        """Search hits per query: the top ones, and the rest added up."""
        top = self.queries.top(self.top_queries)
        distinct = self.queries.distinct
        return {
            "hits": self.queries.total,
            "exact": self.queries.exact,
            "top": [{"query": c.key, "hits": c.count, "overcount": c.overcount} for c in top],
            "others": {
                "queries": None if distinct is None else distinct - len(top),
                "hits": self.queries.total - sum(c.count for c in top),
            },
        }

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.series.close(self._point())
        assert self.crawler.stats is not None
        usage = resource.getrusage(resource.RUSAGE_SELF)
        # Peak memory and CPU of the whole crawl process: what the scale benchmarks and the reliability tests bound.
        self.crawler.stats.set_value(keys.PROCESS_PEAK_RSS_MB, round(peak_rss_kb(usage) / 1024, 1))
        self.crawler.stats.set_value(keys.PROCESS_CPU_SECONDS, round(usage.ru_utime + usage.ru_stime, 2))
        identity = crawl_identity(self.crawler)
        stats = self.crawler.stats.get_stats()
        document = {
            "crawl_id": identity.crawl_id,
            "worker_id": identity.worker_id,
            "spider": spider.name,
            "finish_reason": reason,
            "exit": exit_status(stats),
            "qps": self.crawler.settings.getfloat("OPEN1688_QPS"),
            "queries": self._queries(),
            "stats": {key: _jsonable(value) for key, value in sorted(stats.items())},
            "series": self.series.points,
        }
        # The JSON first: it is the source of truth, and the page is rebuilt from it alone.
        text = json.dumps(document, ensure_ascii=False, indent=1)
        storage = storage_of(self.crawler)
        storage.write_whole(self.path("json"), text.encode("utf-8"))
        storage.write_whole(self.path("html"), render(json.loads(text)).encode("utf-8"))
