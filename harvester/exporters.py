"""A Parquet feed exporter, so ``scrapy crawl keyword ... -O products.parquet`` works the Scrapy way.

One feed file holds one table (Parquet files have one schema): the
``products`` table by default, or the one named by the feed option
``item_export_kwargs: {"table": "skus"}``. Product items give their row to
``products``, their SKU rows to ``skus``, their seller to ``sellers`` and
their changes to ``changes``; MissingOffer items go to ``missing`` (and
their change, if any, to ``changes``); Listing, SearchHit and Reject items
go to their own table's feed (``{"table": "listings"}`` for the listing
tier). Items the
feed's table has no row for are skipped and counted
(``harvester/dataset/export/skipped/<item class>``), e.g. the SearchHit
items of a keyword crawl in a products feed.

A Parquet file cannot be appended to: Scrapy opens ``-o FILE`` in append
mode, and this exporter refuses an existing non-empty file: it raises
:class:`ParquetAppendError` (a one-line message) once, stops the crawl
(reason ``parquet_append_refused``) and leaves the file untouched. Use
``-O`` to overwrite it, or the dataset (``HARVEST_DATA_DIR``) for crawls
that add up.
"""

from __future__ import annotations

import logging
import os
import weakref
from typing import IO, Any, Self

import pyarrow as pa
import pyarrow.parquet as pq
from scrapy.crawler import Crawler
from scrapy.exporters import BaseItemExporter

from .crawl import stop
from .crawl.identity import crawl_identity
from .dataset.convert import RowGroup
from .dataset.tables import TABLE_OF
from .dataset.writer import WriterOptions
from .items import MissingOffer, Product
from .schema import TABLES

logger = logging.getLogger(__name__)

#: Crawls whose feed refused to append: later exporters of the crawl stay quiet.
_refused_crawls: weakref.WeakSet[Crawler] = weakref.WeakSet()


class ParquetAppendError(ValueError):
    """Raised instead of appending to an existing Parquet file, which would corrupt it."""


def _appending_to_existing(file: IO[bytes]) -> bool:
    if not getattr(file, "mode", "").startswith("a"):
        return False
    try:
        return os.fstat(file.fileno()).st_size > 0
    except (AttributeError, OSError, ValueError):
        return False


class ParquetItemExporter(BaseItemExporter):
    """Writes one table's rows to the feed file, in row groups of ``HARVEST_ROW_GROUP_ROWS``."""

    def __init__(
        self,
        file: IO[bytes],
        *,
        table: str = "products",
        crawl_id: str | None = None,
        row_group_rows: int = 10_000,
        crawler: Crawler | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._crawler = crawler
        self.refused = False
        if _appending_to_existing(file):
            self._refuse(file)
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}: one of {', '.join(TABLES)}")
        schema = TABLES[table]
        if self.fields_to_export is not None:
            names = list(self.fields_to_export)
            unknown = [n for n in names if n not in schema.names]
            if unknown:
                raise ValueError(f"the {table} table has no column(s) {', '.join(unknown)}")
            schema = pa.schema([schema.field(n) for n in names], metadata=schema.metadata)
        self.file = file
        self.table = table
        self.schema = schema
        self.row_group_rows = row_group_rows
        self.skipped: dict[str, int] = {}
        self._fill = {"crawl_id": crawl_id} if crawl_id else None
        self._rows = RowGroup(schema)
        self._writer: pq.ParquetWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], **kwargs: Any) -> Self:
        return cls(
            file,
            crawl_id=crawl_identity(crawler).crawl_id,
            row_group_rows=crawler.settings.getint("HARVEST_ROW_GROUP_ROWS"),
            crawler=crawler,
            **kwargs,
        )

    def _refuse(self, file: IO[bytes]) -> None:
        """Raise the refusal once per crawl and stop the crawl; Scrapy then builds an exporter per item, which stay
        quiet and write nothing, so the log holds one error rather than one per item."""
        name = getattr(file, "name", "the feed file")
        message = (
            f"Refusing to append to the existing Parquet file {name}: a Parquet file cannot be appended to; "
            "use -O to overwrite it, or write to a new file"
        )
        crawler = self._crawler
        if crawler is None or not crawler.crawling:
            raise ParquetAppendError(message)
        self.refused = True
        if crawler in _refused_crawls:
            return
        _refused_crawls.add(crawler)
        stop.stop_crawl(crawler, stop.PARQUET_APPEND_REFUSED, message)
        raise ParquetAppendError(message)

    def start_exporting(self) -> None:
        if not self.refused:
            self._writer = pq.ParquetWriter(self.file, self.schema, **WriterOptions().parquet())

    def export_item(self, item: Any) -> None:
        if self.refused:
            return
        rows = self._rows
        if type(item) is Product and self.table != "products":
            if self.table == "skus":
                rows.add_many(item.skus)
            elif self.table == "sellers" and item.seller is not None:
                rows.add(item.seller)
            elif self.table == "changes" and item.changes:
                rows.add_many(item.changes)
            else:
                self._skip(item)
        elif type(item) is MissingOffer and self.table == "changes" and item.changes:
            rows.add_many(item.changes)
        elif TABLE_OF.get(type(item)) == self.table:
            rows.add(item)
        else:
            self._skip(item)
        if len(rows) >= self.row_group_rows:
            self._flush()

    def finish_exporting(self) -> None:
        if self.refused:
            return
        self._flush()
        assert self._writer is not None
        self._writer.close()
        if self.skipped:
            logger.info(
                "Parquet feed of the %s table skipped: %s",
                self.table,
                ", ".join(f"{n} {name}" for name, n in sorted(self.skipped.items())),
            )

    def _flush(self) -> None:
        if len(self._rows):
            assert self._writer is not None
            batch = self._rows.to_batch(self._fill)
            self._writer.write_batch(batch, row_group_size=batch.num_rows)
            self._rows = RowGroup(self.schema)

    def _skip(self, item: Any) -> None:
        name = type(item).__name__
        self.skipped[name] = self.skipped.get(name, 0) + 1
        if self._crawler is not None and self._crawler.stats is not None:
            self._crawler.stats.inc_value("harvester/dataset/export/skipped/" + name)
