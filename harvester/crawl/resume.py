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
  again, details only for offers not yet written, and listings only for
  offers not yet in a committed ``listings`` file. Rows in files that were
  never committed died with the process (their temporary files are swept),
  so nothing is lost and nothing written twice.
"""

from __future__ import annotations

import logging
import shutil
import weakref
from collections.abc import Hashable
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.utils.misc import build_from_crawler, load_object

from ..dataset.snapshot import DataDir, latest_snapshot
from ..dataset.storage import storage_of
from .identity import crawl_identity
from .jobdir import JobState, load, save

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

    from .seen import SeenSet

logger = logging.getLogger(__name__)

#: What Scrapy keeps in a JOBDIR for the scheduler: stale after a hard kill.
SCRAPY_STATE = ("requests.queue", "requests.seen")
#: Seen-sets that are seeded with the offers a killed crawl already wrote.
SEEDED = ("wanted", "offers")
#: The seen-set seeded with the offers a killed crawl already wrote a listing of.
LISTINGS = "listings"


class _Recovery:
    """Per crawler: whether this run recovers from a kill, and the offers it need not fetch again."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.done: set[int] = set()
        #: Offers whose listing is already written.
        self.listed: set[int] = set()
        jobdir = crawler.settings.get("JOBDIR")
        state = load(jobdir) if jobdir else None
        self.active = bool(jobdir) and state is not None and not state.clean and _scrapy_state_exists(jobdir)
        if self.active:
            assert jobdir is not None and state is not None
            for name in SCRAPY_STATE:
                target = Path(jobdir) / name
                shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
            self.done = written_offers(storage_of(crawler), state.crawl_id)
            self.listed = written_offers(storage_of(crawler), state.crawl_id, ("listings",))
            logger.warning(
                "JOBDIR %s belongs to crawl %s, which did not stop cleanly: starting it again from its "
                "units; %d offers already written are not fetched again", jobdir, state.crawl_id, len(self.done),
            )
        if jobdir:
            crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
            crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_opened(self, spider: Spider) -> None:
        save(self.crawler.settings["JOBDIR"], JobState(crawl_identity(self.crawler).crawl_id, clean=False))
        if self.active and self.crawler.stats is not None:
            self.crawler.stats.set_value("harvester/resume/recovered_offers", len(self.done))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        save(self.crawler.settings["JOBDIR"], JobState(crawl_identity(self.crawler).crawl_id, clean=True))


def _scrapy_state_exists(jobdir: str) -> bool:
    return any((Path(jobdir) / name).exists() for name in SCRAPY_STATE)


def written_offers(data_dir: DataDir, crawl_id: str, tables: tuple[str, ...] = ("products", "missing")) -> set[int]:
    """The offers of crawl ``crawl_id`` already in committed files of ``tables``, wherever the dataset is."""
    read = latest_snapshot(data_dir, tables, crawl_id=crawl_id, columns={table: ["offer_id"] for table in tables})
    return {offer_id for table in read.values() for offer_id in table.column("offer_id").to_pylist()}


_recoveries: weakref.WeakKeyDictionary[Crawler, _Recovery] = weakref.WeakKeyDictionary()


def recovery(crawler: Crawler) -> _Recovery:
    """Decided once per crawl, by whichever component asks first (the spider, before the scheduler opens)."""
    if crawler not in _recoveries:
        _recoveries[crawler] = _Recovery(crawler)
    return _recoveries[crawler]


def build_seen_set(crawler: Crawler, name: str) -> SeenSet:
    """The crawl's ``HARVEST_SEEN_SET`` called ``name``; after a kill, already holding the offers written."""
    seen: SeenSet = build_from_crawler(load_object(crawler.settings["HARVEST_SEEN_SET"]), crawler, name=name)
    state = recovery(crawler)
    if state.active and (name in SEEDED or name == LISTINGS):
        done: list[Hashable] = list(state.done if name in SEEDED else state.listed)
        seen.add_many(done)
    return seen
