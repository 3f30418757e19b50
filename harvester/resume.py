"""Resuming a crawl from its JOBDIR, after a clean stop or after ``kill -9``.

Scrapy's JOBDIR keeps the scheduler's queue and the dupefilter, but writes
their bookkeeping only when the crawl stops cleanly: after a hard kill the
queue on disk re-delivers or forgets requests and the dupefilter has lost
its tail. So the harvester keeps one small file of its own in the JOBDIR,
``harvester-crawl.json``: the crawl id (a resumed crawl writes into the same
crawl) and whether the crawl stopped cleanly.

- Stopped cleanly (finished, Ctrl-C, budget spent, a fatal error): Scrapy's
  own JOBDIR state is exact and is used as is.
- Killed: that state cannot be trusted, so it is dropped and the crawl starts
  again from its units, with every offer already in a committed file of this
  crawl (``products``, ``missing``) marked as seen: search pages are fetched
  again, details only for offers not yet written. Rows in files that were
  never committed died with the process (their temporary files are swept),
  so nothing is lost and nothing written twice.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Hashable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.utils.misc import build_from_crawler, load_object

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from .dataset.storage import Storage
    from .seen import SeenSet

logger = logging.getLogger(__name__)

STATE_FILE = "harvester-crawl.json"
#: What Scrapy keeps in a JOBDIR for the scheduler: stale after a hard kill.
SCRAPY_STATE = ("requests.queue", "requests.seen")
#: Seen-sets that are seeded with the offers a killed crawl already wrote.
SEEDED = ("wanted", "offers")
MEMORY_SEEN_SET = "harvester.seen.MemorySeenSet"
REDIS_SEEN_SET = "harvester.distributed.seen.RedisSeenSet"


@dataclass
class JobState:
    crawl_id: str
    #: False from the start of a run until it stops cleanly.
    clean: bool = False


def _path(jobdir: str) -> Path:
    return Path(jobdir) / STATE_FILE


def load(jobdir: str) -> JobState | None:
    try:
        return JobState(**json.loads(_path(jobdir).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None


def save(jobdir: str, state: JobState) -> None:
    path = _path(jobdir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{STATE_FILE}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(state), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def jobdir_crawl_id(settings: BaseSettings, fresh: Callable[[], str]) -> str | None:
    """The crawl id of the JOBDIR's crawl (made and recorded on its first run); None without a JOBDIR."""
    jobdir = settings.get("JOBDIR")
    if not jobdir:
        return None
    state = load(jobdir)
    if state is None:
        state = JobState(fresh())
        save(jobdir, state)
    return state.crawl_id


class _Recovery:
    """Per crawler: whether this run recovers from a kill, and the offers it need not fetch again."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.done: set[int] = set()
        jobdir = crawler.settings.get("JOBDIR")
        state = load(jobdir) if jobdir else None
        self.active = bool(jobdir) and state is not None and not state.clean and _scrapy_state_exists(jobdir)
        if self.active:
            assert jobdir is not None and state is not None
            for name in SCRAPY_STATE:
                target = Path(jobdir) / name
                shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
            from .dataset.storage import storage_of  # noqa: PLC0415 (pyarrow only when recovering)

            self.done = written_offers(storage_of(crawler), state.crawl_id)
            logger.warning(
                "JOBDIR %s belongs to crawl %s, which did not stop cleanly: starting it again from its "
                "units; %d offers already written are not fetched again", jobdir, state.crawl_id, len(self.done),
            )
        if jobdir:
            crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
            crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_opened(self, spider: Spider) -> None:
        from .crawl import crawl_identity  # noqa: PLC0415 (crawl imports this module)

        save(self.crawler.settings["JOBDIR"], JobState(crawl_identity(self.crawler).crawl_id, clean=False))
        if self.active and self.crawler.stats is not None:
            self.crawler.stats.set_value("harvester/resume/recovered_offers", len(self.done))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        from .crawl import crawl_identity  # noqa: PLC0415

        save(self.crawler.settings["JOBDIR"], JobState(crawl_identity(self.crawler).crawl_id, clean=True))


def _scrapy_state_exists(jobdir: str) -> bool:
    return any((Path(jobdir) / name).exists() for name in SCRAPY_STATE)


def written_offers(data_dir: str | os.PathLike[str] | Storage, crawl_id: str) -> set[int]:
    """The offers in committed files of ``crawl_id`` (``products``, ``missing``), wherever the dataset is."""
    from .dataset.snapshot import latest_snapshot  # noqa: PLC0415 (pyarrow only when recovering)

    tables = latest_snapshot(data_dir, ("products", "missing"), crawl_id=crawl_id,
                             columns={"products": ["offer_id"], "missing": ["offer_id"]})
    return {offer_id for table in tables.values() for offer_id in table.column("offer_id").to_pylist()}


_recoveries: weakref.WeakKeyDictionary[Crawler, _Recovery] = weakref.WeakKeyDictionary()


def recovery(crawler: Crawler) -> _Recovery:
    """Decided once per crawl, by whichever component asks first (the spider, before the scheduler opens)."""
    if crawler not in _recoveries:
        _recoveries[crawler] = _Recovery(crawler)
    return _recoveries[crawler]


def seen_set_class(settings: BaseSettings) -> str:
    """``HARVEST_SEEN_SET``; a distributed crawl left with the in-memory default shares one in Redis instead."""
    name: str = settings["HARVEST_SEEN_SET"]
    if name == MEMORY_SEEN_SET and settings.getbool("HARVEST_DISTRIBUTED"):
        return REDIS_SEEN_SET
    return name


def build_seen_set(crawler: Crawler, name: str) -> SeenSet:
    """The crawl's ``HARVEST_SEEN_SET`` called ``name``; after a kill, already holding the offers written."""
    seen: SeenSet = build_from_crawler(load_object(seen_set_class(crawler.settings)), crawler, name=name)
    state = recovery(crawler)
    if state.active and name in SEEDED:
        done: list[Hashable] = list(state.done)
        seen.add_many(done)
    return seen
