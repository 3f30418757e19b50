"""The previous snapshot of the dataset, indexed by offer: what a monitoring crawl compares each offer with.

Only the watched columns of one crawl are read, and they stay in Arrow
(compact, off the Python heap); each lookup finds the offer's rows by
binary search over the sorted offer ids and turns just those into Python
values. Memory is a few tens of bytes per offer and SKU instead of a few
hundred for Python objects, so watching millions of offers fits.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..crawl.identity import crawl_identity
from ..dataset.snapshot import DataDir, latest_crawl_id, latest_snapshot
from ..dataset.storage import resolve, storage_of
from ..schema import LISTINGS
from .changes import DETAIL_APIS, ListingState, OfferState, SkuState

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

PRODUCT_COLUMNS = (
    "offer_id",
    "title",
    "status",
    "stock",
    "price_min",
    "price_max",
    "price_ranges",
    "source_api",
    "crawled_at",
)
SKU_COLUMNS = ("offer_id", "sku_id", "spec_key", "price", "consign_price", "promotion_price", "stock")
LISTING_COLUMNS = ("offer_id", "price", "modified_at", "month_sold", "crawled_at")


class PreviousSnapshot:
    def __init__(
        self,
        crawl_id: str,
        products: pa.Table,
        skus: pa.Table,
        listings: pa.Table | None = None,
        queries: pa.Table | None = None,
    ):
        """``listings`` and ``queries`` of the crawl too, when it wrote them (crawls of schema version 4)."""
        self.crawl_id = crawl_id
        listings = (listings if listings is not None else LISTINGS.empty_table()).sort_by("offer_id")
        self._listings = {name: listings.column(name).combine_chunks() for name in LISTING_COLUMNS}
        self._listing_ids = self._listings["offer_id"].to_numpy()
        #: The queries the crawl was asked, one row each (``harvester.items.QueryRecord``'s fields).
        self.queries: list[dict] = queries.to_pylist() if queries is not None else []
        products = products.sort_by("offer_id")
        self._products = {name: products.column(name).combine_chunks() for name in PRODUCT_COLUMNS}
        self._ids = self._products["offer_id"].to_numpy()
        skus = skus.filter(pc.is_valid(skus.column("sku_id")))
        skus = skus.sort_by([("offer_id", "ascending"), ("sku_id", "ascending")])
        self._skus = {name: skus.column(name).combine_chunks() for name in SKU_COLUMNS}
        self._sku_offer_ids = self._skus["offer_id"].to_numpy()

    @classmethod
    def load(cls, data_dir: DataDir, *, excluding: str | None = None) -> PreviousSnapshot | None:
        """The latest crawl of the dataset other than ``excluding``; None when there is none."""
        data_dir = resolve(data_dir)
        crawl_id = latest_crawl_id(data_dir, excluding=excluding)
        if crawl_id is None:
            return None
        tables = latest_snapshot(
            data_dir,
            ("products", "skus", "listings", "queries"),
            crawl_id=crawl_id,
            columns={"products": PRODUCT_COLUMNS, "skus": SKU_COLUMNS, "listings": LISTING_COLUMNS},
        )
        return cls(crawl_id, tables["products"], tables["skus"], tables["listings"], tables["queries"])

    def __len__(self) -> int:
        return int(np.count_nonzero(np.diff(self._ids))) + 1 if len(self._ids) else 0

    def offer_ids(self) -> Iterator[int]:
        """Every offer of the snapshot once, in id order."""
        previous = None
        for offer_id in self._ids.tolist():
            if offer_id != previous:
                yield offer_id
                previous = offer_id

    def _row(self, offer_id: int) -> int | None:
        row = int(np.searchsorted(self._ids, offer_id))
        return row if row < len(self._ids) and self._ids[row] == offer_id else None

    def __contains__(self, offer_id: int) -> bool:
        return self._row(offer_id) is not None

    def state(self, offer_id: int) -> tuple[OfferState, datetime | None] | None:
        """The offer as the snapshot has it, and when it was fetched; None when the snapshot lacks it."""
        row = self._row(offer_id)
        if row is None:
            return None
        column = self._products
        tiers = column["price_ranges"][row].as_py()
        skus = None
        if column["source_api"][row].as_py() in DETAIL_APIS:
            skus = self._sku_states(offer_id)
        state = OfferState(
            title=column["title"][row].as_py(),
            status=column["status"][row].as_py(),
            stock=column["stock"][row].as_py(),
            price_min=column["price_min"][row].as_py(),
            price_max=column["price_max"][row].as_py(),
            price_ranges=tuple((tier["start_quantity"], tier["price"]) for tier in tiers) if tiers else None,
            skus=skus,
        )
        return state, column["crawled_at"][row].as_py()

    def listing_state(self, offer_id: int) -> tuple[ListingState, datetime | None] | None:
        """The offer's listing in the snapshot's crawl, and when it was seen; None when it had none."""
        row = int(np.searchsorted(self._listing_ids, offer_id))
        if row >= len(self._listing_ids) or self._listing_ids[row] != offer_id:
            return None
        column = self._listings
        state = ListingState(
            column["price"][row].as_py(), column["modified_at"][row].as_py(), column["month_sold"][row].as_py()
        )
        return state, column["crawled_at"][row].as_py()

    def _sku_states(self, offer_id: int) -> dict[int, SkuState]:
        start = int(np.searchsorted(self._sku_offer_ids, offer_id, "left"))
        stop = int(np.searchsorted(self._sku_offer_ids, offer_id, "right"))
        # sku_id, then SkuState's fields in order; a slice per column beats a scalar per value by ~40%.
        columns = [self._skus[name].slice(start, stop - start).to_pylist() for name in SKU_COLUMNS[1:]]
        return {sku_id: SkuState(*values) for sku_id, *values in zip(*columns)}


_by_crawler: weakref.WeakKeyDictionary[Crawler, PreviousSnapshot | None] = weakref.WeakKeyDictionary()


def previous_snapshot(crawler: Crawler) -> PreviousSnapshot | None:
    """The latest earlier crawl under ``HARVEST_DATA_DIR``, read once per crawl: the monitor spider takes the
    offers to watch from it and the changes pipeline what they were, so both see the same crawl."""
    if crawler not in _by_crawler:
        _by_crawler[crawler] = PreviousSnapshot.load(storage_of(crawler), excluding=crawl_identity(crawler).crawl_id)
    return _by_crawler[crawler]
