"""Reading back one crawl: what a monitor compares against.

Part file names carry their crawl id, so the newest crawl is found from a
directory listing, and only that crawl's files are opened. Files written
by an older schema version are read with the current schema: columns they
lack come back as nulls.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

import pyarrow as pa
import pyarrow.fs as pafs

from ..crawl import started_at_of
from ..schema import TABLES
from .files import crawl_id_of
from .lineage import visible_parts
from .storage import Storage, resolve

DataDir = str | os.PathLike[str] | Storage


def _parts(storage: Storage, table: str) -> Iterable[tuple[str, pafs.FileInfo]]:
    """``(crawl_date partition, file)`` of every complete part file of ``table`` (each row once, even while
    ``scrapy compact`` replaces files: see ``lineage``)."""
    for folder in storage.folders(storage.path(table)):
        partition = folder.rsplit("/", 1)[-1]
        if partition.startswith("crawl_date="):
            for info in visible_parts(storage, folder):
                yield partition, info


def latest_crawl_id(data_dir: DataDir, table: str = "products", *, excluding: str | None = None) -> str | None:
    """The crawl with the newest ``crawl_date`` partition; within a day, the latest started (by its generated id,
    else by its newest file). ``excluding`` leaves one crawl out: a crawl comparing itself with the one before
    must not find its own files (another worker of it may already have written some)."""
    best: tuple[str, float, str] | None = None
    for partition, info in _parts(resolve(data_dir), table):
        crawl_id = crawl_id_of(info.base_name)
        if crawl_id is None or crawl_id == excluding:
            continue
        started = started_at_of(crawl_id)
        key = (partition, started.timestamp() if started else info.mtime_ns / 1e9, crawl_id)
        if best is None or key > best:
            best = key
    return None if best is None else best[2]


def latest_snapshot(
    data_dir: DataDir,
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
    storage = resolve(data_dir)
    crawl_id = crawl_id or latest_crawl_id(storage)
    result = {}
    for table in tables:
        schema = TABLES[table]
        wanted = list(columns[table]) if columns and table in columns else schema.names
        files = [info.path for _, info in _parts(storage, table) if crawl_id_of(info.base_name) == crawl_id]
        if not files:
            result[table] = schema.empty_table().select(wanted)
            continue
        result[table] = storage.dataset(sorted(files), schema).to_table(columns=wanted)
    return result
