"""Reading back one crawl: what a monitor compares against.

Part file names carry their crawl id, so the newest crawl is found from a
directory listing, and only that crawl's files are opened. Files written
by an older schema version are read with the current schema: columns they
lack come back as nulls.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from ..crawl.identity import started_at_of
from ..schema import TABLES
from .files import crawl_id_of
from .lineage import visible_parts


def _parts(root: Path, table: str) -> Iterable[tuple[str, Path]]:
    """``(crawl_date partition, file)`` of every complete part file of ``table`` (each row once, even while
    ``scrapy compact`` replaces files: see ``lineage``)."""
    folder = root / table
    if not folder.is_dir():
        return
    for partition in folder.iterdir():
        if partition.is_dir() and partition.name.startswith("crawl_date="):
            for path in visible_parts(partition):
                yield partition.name, path


def _crawl_order(data_dir: str | Path, table: str) -> dict[str, tuple[str, float, str]]:
    """Each crawl of ``table`` -> its sort key: the newest ``crawl_date`` partition, then the latest started (by
    its generated id, else by its newest file)."""
    order: dict[str, tuple[str, float, str]] = {}
    for partition, path in _parts(Path(data_dir), table):
        crawl_id = crawl_id_of(path.name)
        if crawl_id is None:
            continue
        started = started_at_of(crawl_id)
        key = (partition, started.timestamp() if started else path.stat().st_mtime, crawl_id)
        if crawl_id not in order or key > order[crawl_id]:
            order[crawl_id] = key
    return order


def crawls_newest_first(data_dir: str | Path, table: str = "products") -> list[str]:
    order = _crawl_order(data_dir, table)
    return sorted(order, key=order.__getitem__, reverse=True)


def crawl_batches(data_dir: str | Path, table: str, crawl_id: str, where: pc.Expression) -> Iterator[pa.RecordBatch]:
    """One crawl's rows of ``table`` matching ``where``, batch by batch, with the current schema."""
    files = [str(path) for _, path in _parts(Path(data_dir), table) if crawl_id_of(path.name) == crawl_id]
    if files:
        dataset = ds.dataset(sorted(files), schema=TABLES[table], format="parquet")
        yield from (batch for batch in dataset.to_batches(filter=where) if batch.num_rows)


def read_crawl(data_dir: str | Path, table: str, crawl_id: str, columns: Sequence[str]) -> pa.Table:
    """``columns`` of one crawl's rows of ``table``, read with the current schema."""
    return latest_snapshot(data_dir, [table], crawl_id=crawl_id, columns={table: columns})[table]


def latest_crawl_id(data_dir: str | Path, table: str = "products", *, excluding: str | None = None) -> str | None:
    """The crawl with the newest ``crawl_date`` partition; within a day, the latest started (by its generated id,
    else by its newest file). ``excluding`` leaves one crawl out: a crawl comparing itself with the one before
    must not find its own files (another worker of it may already have written some)."""
    order = {crawl_id: key for crawl_id, key in _crawl_order(data_dir, table).items() if crawl_id != excluding}
    return max(order, key=order.__getitem__) if order else None


def latest_snapshot(
    data_dir: str | Path,
    tables: Sequence[str] = ("products", "skus"),
    *,
    crawl_id: str | None = None,
    columns: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, pa.Table]:
    """The rows of the newest crawl (or of ``crawl_id``) for each of ``tables``, read with the current schema.

    ``columns`` narrows what is read per table, e.g. ``{"skus": ["offer_id", "sku_id", "price"]}``:
    a monitor comparing prices reads a few columns of one crawl, not the dataset.
    Tables the crawl wrote nothing to come back empty.
    """
    root = Path(data_dir)
    crawl_id = crawl_id or latest_crawl_id(root)
    result = {}
    for table in tables:
        schema = TABLES[table]
        wanted = list(columns[table]) if columns and table in columns else schema.names
        files = [str(path) for _, path in _parts(root, table) if crawl_id_of(path.name) == crawl_id]
        if not files:
            result[table] = schema.empty_table().select(wanted)
            continue
        dataset = ds.dataset(sorted(files), schema=schema, format="parquet")
        result[table] = dataset.to_table(columns=wanted)
    return result
