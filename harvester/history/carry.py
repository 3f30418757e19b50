"""Offers a re-harvest did not fetch again, written into this crawl from their last detail.

An incremental crawl (``-a details=new|changed``) skips the detail call of
an offer whose listing shows nothing new; its ``products`` and ``skus`` rows
are copied from the crawl that holds its newest detail, with this crawl's id
and query, ``detail_crawl_id`` naming the crawl the detail came from and
``crawled_at`` when it was fetched. The latest crawl alone is then a
complete snapshot of everything its searches found.

Offers are remembered as they are decided (8 bytes and a query number
each) and copied when the crawl closes, one source crawl at a time, reading
only the rows of the offers carried, batch by batch, straight into the
dataset writer: memory stays bounded at a million offers.
"""

from __future__ import annotations

import logging
import weakref
from array import array
from collections import defaultdict
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from ..crawl import stats as keys
from ..crawl.identity import crawl_identity
from ..dataset.snapshot import crawl_batches
from ..dataset.storage import storage_of
from .details import LastDetail

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from ..dataset.writer import DatasetWriter

logger = logging.getLogger(__name__)

#: Tables an offer's detail fills, carried together.
TABLES = ("products", "skus")


class CarryForward:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.data_dir = storage_of(crawler)
        #: Source crawl -> the offers to copy from it, and the number of the query that found each.
        self._offers: dict[str, array] = defaultdict(lambda: array("q"))
        self._query_numbers: dict[str, array] = defaultdict(lambda: array("L"))
        self._queries: dict[str | None, int] = {}

    def add(self, offer_id: int, last: LastDetail, query: str | None) -> None:
        number = self._queries.setdefault(query, len(self._queries))
        self._offers[last.crawl_id].append(offer_id)
        self._query_numbers[last.crawl_id].append(number)

    def __len__(self) -> int:
        return sum(len(ids) for ids in self._offers.values())

    def offer_ids(self) -> set[int]:
        """The offers carried so far (a distributed crawl's last worker must not take them for lost)."""
        return {offer_id for ids in self._offers.values() for offer_id in ids}

    def write(self, writer: DatasetWriter) -> dict[str, int]:
        """Copy every carried offer's rows into ``writer``; rows copied per table. Blocking: call it from a thread."""
        identity = crawl_identity(self.crawler)
        labels = pa.array(list(self._queries), pa.string())
        copied = dict.fromkeys(TABLES, 0)
        for source, ids in self._offers.items():
            order = pa.array(ids, pa.int64())
            query_of = pa.array(self._query_numbers[source], pa.uint32())
            for table in TABLES:
                for batch in crawl_batches(self.data_dir, table, source, pc.field("offer_id").isin(order)):
                    batch = _restamp(batch, identity.crawl_id, source)
                    if table == "products":
                        positions = pc.index_in(batch.column("offer_id"), value_set=order)
                        queries = pc.take(labels, pc.take(query_of, positions))
                        batch = batch.set_column(batch.schema.get_field_index("query"), "query", queries)
                    writer.add_batch(table, batch)
                    copied[table] += batch.num_rows
        stats = self.crawler.stats
        assert stats is not None
        for table, rows in copied.items():
            stats.set_value(f"{keys.PLAN_CARRIED_ROWS}/{table}", rows)
        if len(self) and copied["products"] < len(self):
            # An offer indexed but whose rows are gone (its crawl compacted away meanwhile): a gap, said.
            stats.set_value(keys.PLAN_CARRY_LOST, len(self) - copied["products"])
        logger.info(
            "Carried %d unchanged offer(s) forward from earlier crawls (%d SKU rows)",
            copied["products"],
            copied["skus"],
        )
        return copied


def _restamp(batch: pa.RecordBatch, crawl_id: str, source: str) -> pa.RecordBatch:
    """This crawl's id on a row copied from ``source``; ``detail_crawl_id`` keeps where its detail came from."""
    detail = batch.column("detail_crawl_id")
    detail = pc.coalesce(detail, pa.scalar(source, detail.type))
    batch = batch.set_column(batch.schema.get_field_index("detail_crawl_id"), "detail_crawl_id", detail)
    crawl = pa.array([crawl_id] * batch.num_rows, batch.schema.field("crawl_id").type)
    return batch.set_column(batch.schema.get_field_index("crawl_id"), batch.schema.field("crawl_id"), crawl)


_by_crawler: weakref.WeakKeyDictionary[Crawler, CarryForward] = weakref.WeakKeyDictionary()


def carry_forward(crawler: Crawler) -> CarryForward:
    """The crawl's one carry-forward list: the detail stage fills it, the dataset pipeline writes it at the end."""
    if crawler not in _by_crawler:
        _by_crawler[crawler] = CarryForward(crawler)
    return _by_crawler[crawler]
