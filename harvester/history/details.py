"""Each offer's newest detail in the dataset: when it was fetched, in which crawl, under which listing.

An incremental harvest (``-a details=new|changed``) asks this before it
spends a detail call: an offer with a detail fresh enough, whose listing has
not changed since, is carried forward instead of fetched. The index reads
only the columns it needs, one crawl at a time, newest first, and keeps one
row per offer (the newest) in Arrow and numpy arrays, so it holds a few tens
of bytes per offer whatever the number of crawls: ~60 MB for a million
offers.

The listing an offer's detail was fetched under is kept on its product row
(``listing_price``, ``modified_at``, ``month_sold``, from the search item
that found it), so comparing a new listing with it needs no join.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..dataset.snapshot import DataDir, crawls_newest_first, read_crawl
from ..schema import PRODUCTS
from .changes import DETAIL_APIS

#: What the index reads of each products row.
COLUMNS = (
    "offer_id",
    "crawl_id",
    "detail_crawl_id",
    "crawled_at",
    "source_api",
    "listing_price",
    "modified_at",
    "month_sold",
)
_KEPT = ("detail_crawl_id", "crawled_at", "listing_price", "modified_at", "month_sold")


@dataclass(frozen=True, slots=True)
class LastDetail:
    """An offer's newest detail: where it lives and the listing it was fetched under."""

    #: The crawl whose ``queryProductDetail`` answer the row holds.
    detail_crawl_id: str
    #: The crawl whose files hold the newest copy of the row (the detail's crawl, or a later one that carried it).
    crawl_id: str
    detailed_at: datetime
    listing_price: Decimal | None
    modified_at: datetime | None
    month_sold: int | None


class DetailIndex:
    def __init__(self, table: pa.Table):
        table = table.sort_by("offer_id")
        self._ids = table.column("offer_id").to_numpy()
        self._columns = {name: table.column(name).combine_chunks() for name in ("crawl_id", *_KEPT)}

    @classmethod
    def load(cls, data_dir: DataDir, *, excluding: str | None = None) -> DetailIndex:
        """Every offer that some crawl of ``data_dir`` (but ``excluding``, the crawl asking) has a detail of."""
        newest: pa.Table | None = None
        for crawl_id in crawls_newest_first(data_dir, "products"):
            if crawl_id == excluding:
                continue
            rows = read_crawl(data_dir, "products", crawl_id, COLUMNS)
            rows = rows.filter(pc.is_in(rows.column("source_api"), pa.array(sorted(DETAIL_APIS))))
            detail = pc.coalesce(rows.column("detail_crawl_id"), rows.column("crawl_id"))
            rows = rows.set_column(rows.schema.get_field_index("detail_crawl_id"), "detail_crawl_id", detail)
            rows = rows.select(["offer_id", "crawl_id", *_KEPT])
            if newest is not None:
                # Crawls come newest first: an offer already indexed keeps its newer row.
                rows = rows.filter(pc.invert(pc.is_in(rows.column("offer_id"), newest.column("offer_id"))))
                newest = pa.concat_tables([newest, rows])
            else:
                newest = rows
        if newest is None:
            newest = pa.table({name: pa.array([], type) for name, type in _empty_types().items()})
        return cls(newest)

    def __len__(self) -> int:
        return len(self._ids)

    def get(self, offer_id: int) -> LastDetail | None:
        row = int(np.searchsorted(self._ids, offer_id))
        if row >= len(self._ids) or self._ids[row] != offer_id:
            return None
        column = self._columns
        return LastDetail(
            detail_crawl_id=column["detail_crawl_id"][row].as_py(),
            crawl_id=column["crawl_id"][row].as_py(),
            detailed_at=column["crawled_at"][row].as_py(),
            listing_price=column["listing_price"][row].as_py(),
            modified_at=column["modified_at"][row].as_py(),
            month_sold=column["month_sold"][row].as_py(),
        )


def _empty_types() -> dict[str, pa.DataType]:
    return {name: PRODUCTS.field(name).type for name in ("offer_id", "crawl_id", *_KEPT)}
