"""Leave the crawl's figures beside the dataset: a JSON stats file with a time series.

Stats vanish with the process; an analyst looking at a dataset (or a test
checking a crawl run in a subprocess) needs to know how the crawl went:
calls against the quota over time, errors and retries by reason, coverage
against what the gateway reported. The file lands in
``{HARVEST_DATA_DIR}/_reports/`` under the crawl id and worker id, written
atomically, whatever way the crawl ended.
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from twisted.internet import task

from ..crawl import crawl_identity

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from typing_extensions import Self

#: Stats sampled into the time series.
SERIES_KEYS = (
    "harvester/quota/calls",
    "harvester/details/fetched",
    "harvester/search/pages",
    "harvester/api/retry/count",
    "harvester/api/throttled_retries",
)


def report_dir(data_dir: str | os.PathLike[str]) -> Path:
    return Path(data_dir).expanduser() / "_reports"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


class CrawlReport:
    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.series: list[dict[str, float]] = []
        self._started = time.monotonic()
        self._loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawler.settings.getfloat("HARVEST_REPORT_SAMPLE_INTERVAL"))

    def path(self, suffix: str) -> Path:
        identity = crawl_identity(self.crawler)
        folder = report_dir(self.crawler.settings["HARVEST_DATA_DIR"])
        return folder / f"{identity.crawl_id}-{identity.worker_id}.{suffix}"

    def spider_opened(self, spider: Spider) -> None:
        self._started = time.monotonic()
        if self.interval > 0:
            self._loop = task.LoopingCall(self.sample)
            self._loop.start(self.interval, now=True)

    def sample(self) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        point = {"t": round(time.monotonic() - self._started, 3)}
        point.update({key.rsplit("/", 1)[-1] if key != "harvester/api/retry/count" else "retries": stats.get(key, 0)
                      for key in SERIES_KEYS})
        self.series.append(point)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.sample()
        assert self.crawler.stats is not None
        usage = resource.getrusage(resource.RUSAGE_SELF)
        # Peak memory and CPU of the whole crawl process: what the scale benchmarks and the reliability tests bound.
        self.crawler.stats.set_value("harvester/process/peak_rss_mb", round(usage.ru_maxrss / 1024, 1))
        self.crawler.stats.set_value("harvester/process/cpu_seconds", round(usage.ru_utime + usage.ru_stime, 2))
        identity = crawl_identity(self.crawler)
        document = {
            "crawl_id": identity.crawl_id,
            "worker_id": identity.worker_id,
            "spider": spider.name,
            "finish_reason": reason,
            "qps": self.crawler.settings.getfloat("OPEN1688_QPS"),
            "stats": {key: _jsonable(value) for key, value in sorted(self.crawler.stats.get_stats().items())},
            "series": self.series,
        }
        self._write(self.path("json"), json.dumps(document, ensure_ascii=False, indent=1))

    @staticmethod
    def _write(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
