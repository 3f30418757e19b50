"""Writes every dataset item into the hive-partitioned Parquet dataset under ``HARVEST_DATA_DIR``."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from ..checks import guards
from ..crawl import stats as keys
from ..crawl import stop
from ..crawl.identity import crawl_identity
from ..dataset.storage import Storage, storage_of
from ..dataset.writer import DatasetWriter, WriterOptions
from ..history.carry import carry_forward

logger = logging.getLogger(__name__)


class DatasetPipeline:
    """Buffers rows per table and hands full row groups to a writer thread (see ``harvester.dataset.writer``).

    On the reactor thread an item is only taken apart into column lists;
    converting and writing happen in the writer thread. When that thread is
    behind, the item waits for room in a thread pool instead of blocking the
    reactor, which also slows the crawl down to what the disk takes. Files
    are completed in ``close_spider`` whatever the reason the crawl stops;
    a write error stops the crawl at once (reason ``dataset_write_failed``)
    after committing what was complete.

    Stats: ``harvester/dataset/rows/<table>``, ``.../files/<table>``,
    ``.../bytes/<table>``, ``.../lost_rows/<table>`` (after a write error),
    ``.../skipped/<item class>``, ``.../temporaries_removed``,
    ``.../crawl_id``.
    """

    def __init__(self, crawler: Crawler, storage: Storage, options: WriterOptions) -> None:
        self.crawler = crawler
        self.storage = storage
        self.options = options
        self.writer: DatasetWriter | None = None
        #: Set once the crawl is ending (closing, or stopped by a write error): nothing more to stop.
        self._ending = False
        #: ``-a dry_run=1``: nothing is written.
        self._dry_run = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        # An empty HARVEST_DATA_DIR is a ConfigurationError: never a crawl harvesting into nothing.
        guards.value(settings, "HARVEST_DATA_DIR")
        options = WriterOptions.from_settings(settings)
        pipeline = cls(crawler, storage_of(crawler), options)
        crawler.signals.connect(pipeline._item_failed, signal=signals.item_error)
        return pipeline

    def _item_failed(self) -> None:
        """An item another pipeline raised an error on never reaches the dataset: a gap, not a silent loss."""
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(keys.ITEMS_FAILED)

    def open_spider(self) -> None:
        # Imported here, not at module level: importing the reactor installs one, and Scrapy must choose which.
        from twisted.internet import reactor

        identity = crawl_identity(self.crawler)
        self._dry_run = bool(getattr(self.crawler.spider, "dry_run", False))
        self.writer = DatasetWriter(
            self.storage, identity, self.options, on_error=lambda _: reactor.callFromThread(self._stop_crawl)
        )
        removed = self.writer.open()
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value(keys.DATASET_CRAWL_ID, identity.crawl_id)
        if removed:
            stats.set_value(keys.DATASET_TEMPORARIES_REMOVED, len(removed))
            logger.info("Removed %d temporary file(s) left by a crashed writer: %s", len(removed), ", ".join(removed))
        logger.info("Writing crawl %s to %s", identity.crawl_id, self.storage.show())

    def process_item(self, item: Any) -> Any:
        writer = self.writer
        assert writer is not None
        if self._dry_run:
            return item
        if not writer.add(item):
            self.crawler.stats.inc_value(f"{keys.DATASET_SKIPPED}/{type(item).__name__}")  # type: ignore[union-attr]
            return item
        if writer.has_ready:
            self._sync_stats()
            if not writer.hand_off():
                return self._wait_for_room(item)
        return item

    async def _wait_for_room(self, item: Any) -> Any:
        assert self.writer is not None
        await maybe_deferred_to_future(deferToThread(self.writer.hand_off, True))
        return item

    async def close_spider(self) -> None:
        writer, stats = self.writer, self.crawler.stats
        assert writer is not None and stats is not None
        self._ending = True
        carried = carry_forward(self.crawler)
        if len(carried) and not self._dry_run and writer.error is None:
            await maybe_deferred_to_future(deferToThread(carried.write, writer))
        await maybe_deferred_to_future(deferToThread(writer.close))
        self._sync_stats()
        if writer.error is not None:
            # Recorded here too: a file that could not be completed as the crawl closed stops nothing any more,
            # and the crawl must not exit as complete. A crawl stopped for it earlier gets the lost rows added.
            stop.record(self.crawler, stop.DATASET_WRITE_FAILED, self._failure())
            if stats.get_value(keys.STOP_REASON) == stop.DATASET_WRITE_FAILED:
                stats.set_value(keys.STOP_MESSAGE, self._failure())
        stats.set_value(keys.DATASET_CLOSED, True)

    def _failure(self) -> str:
        writer = self.writer
        assert writer is not None
        lost = ", ".join(f"{table} {count:,}" for table, count in sorted(writer.rows_lost.items()) if count)
        kept = writer.rows_written.get("products", 0)
        return (
            f"writing the dataset under {self.storage.show()} failed: {writer.error}; rows not written: "
            f"{lost or 'none'} ({kept:,} products rows kept); free space (or fix the storage) and resume with "
            "the same JOBDIR to fetch what was lost"
        )

    def _sync_stats(self) -> None:
        writer = self.writer
        stats = self.crawler.stats
        assert writer is not None and stats is not None
        for key, counts in (
            (keys.DATASET_ROWS, writer.rows_written),
            (keys.DATASET_FILES, writer.files_written),
            (keys.DATASET_BYTES, writer.bytes_written),
            (keys.DATASET_LOST_ROWS, writer.rows_lost),
        ):
            for table, count in list(counts.items()):
                stats.set_value(f"{key}/{table}", count)

    def _stop_crawl(self) -> None:
        if self._ending:
            return  # close_spider records the failure once the writer is done
        self._ending = True
        assert self.writer is not None
        stop.stop_crawl(
            self.crawler,
            stop.DATASET_WRITE_FAILED,
            f"writing the dataset under {self.storage.show()} failed: {self.writer.error}",
        )
