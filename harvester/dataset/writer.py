"""The dataset writer: buffered row groups per table, converted and written by one background thread.

Rows are buffered per table in column lists (see ``convert.RowGroup``);
every ``row_group_rows`` rows the buffer becomes a job. Jobs go through a
bounded queue to the writer thread, which converts them to Arrow and writes
them as one row group, rolling to a new part file every ``file_rows`` rows.
Memory is therefore bounded by (queue size + tables being filled) row
groups, whatever the crawl's size.

The caller's thread never converts nor writes: :meth:`DatasetWriter.add`
only buffers, and :meth:`DatasetWriter.hand_off` passes finished row groups
on without blocking unless asked to, so a Scrapy pipeline can wait for
room in a thread instead of blocking the reactor.

Layout: ``{root}/{table}/crawl_date=YYYY-MM-DD/part-{crawl_id}-{worker}-{seq:05d}.parquet``, in a
local folder or on an object store (see ``storage``: there a part file is also rolled once its spool file
reaches ``spool_file_bytes``, which bounds the local disk it takes).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

import pyarrow as pa

from ..crawl.identity import CrawlIdentity
from ..items import Change, Listing, MediaFile, MissingOffer, Product
from ..schema import TABLES
from .convert import RowGroup
from .files import PartFile, SpooledFile
from .storage import Storage, resolve
from .tables import TABLE_OF

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

_CODECS = ("zstd", "snappy", "gzip", "brotli", "lz4", "none")

_STOP = None


@dataclass(frozen=True)
class WriterOptions:
    row_group_rows: int = 10_000
    file_rows: int = 1_000_000
    #: Row groups that may wait for the writer thread.
    queue_size: int = 4
    compression: str = "zstd"
    compression_level: int | None = None
    #: Object stores only: a part file is uploaded once its local spool file is this big (or has ``file_rows``).
    spool_file_bytes: int = 128 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        """The ``HARVEST_*`` options the crawl's writer and ``scrapy compact`` share; ValueError when they are wrong."""
        options = cls(
            row_group_rows=settings.getint("HARVEST_ROW_GROUP_ROWS"),
            file_rows=settings.getint("HARVEST_FILE_ROWS"),
            queue_size=settings.getint("HARVEST_WRITE_QUEUE"),
            compression=settings.get("HARVEST_PARQUET_COMPRESSION"),
            compression_level=settings.getint("HARVEST_PARQUET_COMPRESSION_LEVEL") or None,
            spool_file_bytes=int(settings.getfloat("HARVEST_SPOOL_FILE_MB") * 1024 * 1024),
        )
        if options.row_group_rows < 1 or options.file_rows < options.row_group_rows or options.queue_size < 1:
            raise ValueError(
                "need HARVEST_ROW_GROUP_ROWS >= 1, HARVEST_FILE_ROWS >= HARVEST_ROW_GROUP_ROWS, "
                "HARVEST_WRITE_QUEUE >= 1"
            )
        if options.spool_file_bytes < 1024 * 1024:
            raise ValueError("HARVEST_SPOOL_FILE_MB must be at least 1")
        codec = options.compression
        if codec not in _CODECS or (codec != "none" and not pa.Codec.is_available(codec)):
            raise ValueError(f"HARVEST_PARQUET_COMPRESSION: no {codec!r} codec; one of {', '.join(_CODECS)}")
        return options

    def parquet(self) -> dict[str, Any]:
        return {
            "compression": self.compression,
            "compression_level": self.compression_level,
            # Precision-18 decimals as INT64: compact, and read exactly by DuckDB, polars and pandas.
            "store_decimal_as_integer": True,
        }


class ReadyRows:
    """Arrow rows in the writer's queue beside the row groups it converts itself."""

    def __init__(self, batch: pa.RecordBatch) -> None:
        self.batch = batch

    def __len__(self) -> int:
        return self.batch.num_rows

    def to_batch(self, fill: Any = None) -> pa.RecordBatch:
        return self.batch


class DatasetWriter:
    """Writes one crawl's items into the Parquet dataset under ``root`` (a folder, a URI or a ``Storage``)."""

    def __init__(
        self,
        root: str | os.PathLike[str] | Storage,
        identity: CrawlIdentity,
        options: WriterOptions | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """``on_error`` is called once, from the writer thread, when writing first fails (a failure while the
        crawl closes included: the caller must not take a closed crawl for a complete one)."""
        self.storage = resolve(root)
        self._on_error = on_error
        self.identity = identity
        self.options = options or WriterOptions()
        #: Rows in completed part files, by table.
        self.rows_written: Counter[str] = Counter()
        self.files_written: Counter[str] = Counter()
        self.bytes_written: Counter[str] = Counter()
        #: Rows that were buffered but could not be written (after an error): said, never silent.
        self.rows_lost: Counter[str] = Counter()
        #: The first failure of the writer thread; every job is still tried, and what failed is counted lost.
        self.error: BaseException | None = None
        self._buffers: dict[str, RowGroup] = {table: RowGroup(schema) for table, schema in TABLES.items()}
        self._ready: deque[tuple[str, RowGroup]] = deque()
        self._queue: queue.Queue[tuple[str, RowGroup | ReadyRows] | None] = queue.Queue(self.options.queue_size)
        self._open: dict[str, PartFile | SpooledFile] = {}
        self._seq: dict[str, int] = {}
        # A row made from this crawl's own detail holds that detail: carried rows come with theirs.
        self._fill = {"crawl_id": identity.crawl_id, "detail_crawl_id": identity.crawl_id}
        self._partition = f"crawl_date={identity.crawl_date.isoformat()}"
        self._thread = threading.Thread(target=self._run, name="harvester-dataset-writer", daemon=True)

    def open(self) -> list[str]:
        """Sweep what dead writers left, start the writer thread; returns the temporary files removed."""
        removed = self.storage.sweep(older_than=time.time())
        self._thread.start()
        return removed

    # --- caller's side -----------------------------------------------------

    def add(self, item: Any) -> bool:
        """Buffer the rows of ``item``; False when the dataset has no table for it."""
        buffers = self._buffers
        limit = self.options.row_group_rows
        if type(item) is Product:
            products = buffers["products"]
            products.add(item)
            skus = buffers["skus"]
            skus.add_many(item.skus)
            if item.seller is not None:
                sellers = buffers["sellers"]
                sellers.add(item.seller)
                if len(sellers) >= limit:
                    self._seal("sellers")
            if item.changes:
                self._add_rows("changes", item.changes)
            if item.media:
                self._add_rows("media", item.media)
            if len(products) >= limit:
                self._seal("products")
            if len(skus) >= limit:
                self._seal("skus")
            return True
        table = TABLE_OF.get(type(item))
        if table is None:
            return False
        rows = buffers[table]
        rows.add(item)
        if (type(item) is MissingOffer or type(item) is Listing) and item.changes:
            self._add_rows("changes", item.changes)
        if len(rows) >= limit:
            self._seal(table)
        return True

    def add_batch(self, table: str, batch: pa.RecordBatch) -> None:
        """Queue rows that are already Arrow (rows carried forward from an earlier crawl) as a row group of their
        own; blocks while the writer thread is behind, so call it from a thread."""
        self._queue.put((table, ReadyRows(batch.cast(TABLES[table]))))

    def _add_rows(self, table: str, items: list[Change] | list[MediaFile]) -> None:
        """Rows an item carries for a table of their own (its changes, its media)."""
        rows = self._buffers[table]
        rows.add_many(items)
        if len(rows) >= self.options.row_group_rows:
            self._seal(table)

    @property
    def has_ready(self) -> bool:
        return bool(self._ready)

    def hand_off(self, wait: bool = False) -> bool:
        """Pass finished row groups to the writer thread; without ``wait``, False when its queue is full."""
        while self._ready:
            job = self._ready.popleft()
            try:
                self._queue.put(job, block=wait)
            except queue.Full:
                self._ready.appendleft(job)
                return False
        return True

    def close(self) -> None:
        """Write what is buffered and complete every open file. Blocks until done: call it from a thread."""
        for table, rows in self._buffers.items():
            if len(rows):
                self._seal(table)
        self.hand_off(wait=True)
        self._queue.put(_STOP)
        self._thread.join()

    def _seal(self, table: str) -> None:
        self._ready.append((table, self._buffers[table]))
        self._buffers[table] = RowGroup(TABLES[table])

    # --- writer thread -----------------------------------------------------

    def _run(self) -> None:
        """Write every job; one that fails is counted lost and the next is still tried. A full disk is the usual
        cause, and aborting the failed file frees its space: the rows buffered for the other tables (and the
        crawl's last rows, written as it stops) may well fit, and each kept row is one a resume need not buy."""
        while (job := self._queue.get()) is not _STOP:
            table, rows = job
            try:
                self._write(table, rows)
            except BaseException as exc:  # noqa: BLE001 - reported through .error; the thread must go on draining
                self.rows_lost[table] += len(rows)
                self._failed(f"Writing the {table} table failed ({len(rows)} rows lost)", exc)
        for table in list(self._open):
            try:
                self._commit(table)
            except BaseException as exc:  # noqa: BLE001
                self._failed(f"Completing the {table} part file failed", exc)

    def _failed(self, what: str, exc: BaseException) -> None:
        logger.error("%s: %s", what, exc, exc_info=self.error is None)  # the first failure with its traceback
        if self.error is None:
            self.error = exc
            if self._on_error is not None:
                self._on_error(exc)

    def _write(self, table: str, rows: RowGroup | ReadyRows) -> None:
        schema = TABLES[table]
        batch = rows.to_batch(self._fill)
        part = self._open.get(table)
        if part is None:
            storage = self.storage
            folder = storage.path(table, self._partition)
            storage.make_folder(folder)
            name, seq = storage.free_part_name(
                folder, self.identity.crawl_id, self.identity.worker_id, self._seq.get(table, 0)
            )
            self._seq[table] = seq + 1
            part = self._open[table] = storage.part_file(folder, name, schema, self.options.parquet())
        try:
            part.write(batch)
        except BaseException:
            # The file may hold half a row group: it must never become a part file.
            del self._open[table]
            self.rows_lost[table] += part.rows
            part.abort()
            raise
        if part.rows >= self.options.file_rows or (
            not self.storage.local and part.size >= self.options.spool_file_bytes
        ):
            self._commit(table)

    def _commit(self, table: str) -> None:
        part = self._open.pop(table)
        try:
            size = part.commit()
        except BaseException:
            self.rows_lost[table] += part.rows
            part.abort()
            raise
        self.rows_written[table] += part.rows
        self.bytes_written[table] += size
        self.files_written[table] += 1
