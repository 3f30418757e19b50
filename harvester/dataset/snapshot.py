"""Reading crawls back: the newest one (what a monitor compares against), or any one, whole or in batches.

Part file names carry their crawl id, so crawls are found from a listing
of the dataset's folders (a directory, or a bucket's prefix), and only the
files of the crawl asked for are opened. Files written by an older schema
version are read with the current schema: columns they lack come back as
nulls.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs

from ..crawl.identity import started_at_of
from ..exceptions import HarvestError
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


def _crawl_order(storage: Storage, table: str) -> dict[str, tuple[str, float, str]]:
    """Each crawl of ``table`` -> its sort key: the newest ``crawl_date`` partition, then the latest started (by
    its generated id, else by its newest file)."""
    order: dict[str, tuple[str, float, str]] = {}
    for partition, info in _parts(storage, table):
        crawl_id = crawl_id_of(info.base_name)
        if crawl_id is None:
            continue
        started = started_at_of(crawl_id)
        key = (partition, started.timestamp() if started else info.mtime_ns / 1e9, crawl_id)
        if crawl_id not in order or key > order[crawl_id]:
            order[crawl_id] = key
    return order


def crawls_newest_first(data_dir: DataDir, table: str = "products") -> list[str]:
    order = _crawl_order(resolve(data_dir), table)
    return sorted(order, key=order.__getitem__, reverse=True)


class DamagedPartFile(HarvestError):
    """A part file that cannot be read (cut short by a full disk, a copy that failed): named, with what to do."""

    @classmethod
    def of(cls, path: str, error: BaseException) -> DamagedPartFile:
        reason = str(error).split(". ")[0].strip().rstrip(".") or type(error).__name__
        return cls(
            f"{path} cannot be read ({reason}): move it out of HARVEST_DATA_DIR (or restore it from a "
            "backup) and run again"
        )


def check_complete(data_dir: DataDir, tables: Sequence[str], crawl_id: str) -> None:
    """Raise :class:`DamagedPartFile` naming the first part file of ``crawl_id`` in ``tables`` whose Parquet footer
    cannot be read: what a crawl is about to read is checked before it makes any call (a footer read is cheap)."""
    storage = resolve(data_dir)
    for table in tables:
        for path in _files(storage, table, crawl_id):
            _footer(storage, path)


def _footer(storage: Storage, path: str) -> None:
    try:
        storage.read_metadata(path)
    except (pa.ArrowException, OSError) as error:
        raise DamagedPartFile.of(storage.show(path), error) from None


def latest_crawl_id(data_dir: DataDir, table: str = "products", *, excluding: str | None = None) -> str | None:
    """The crawl with the newest ``crawl_date`` partition; within a day, the latest started (by its generated id,
    else by its newest file). ``excluding`` leaves one crawl out: a crawl comparing itself with the one before
    must not find its own files (another worker of it may already have written some)."""
    order = {crawl_id: key for crawl_id, key in _crawl_order(resolve(data_dir), table).items() if crawl_id != excluding}
    return max(order, key=order.__getitem__) if order else None


def _files(storage: Storage, table: str, crawl_id: str | None) -> list[str]:
    return sorted(info.path for _, info in _parts(storage, table) if crawl_id_of(info.base_name) == crawl_id)


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
        files = _files(storage, table, crawl_id)
        if not files:
            result[table] = schema.empty_table().select(wanted)
            continue
        for path in files:
            _footer(storage, path)  # a file cut short is named, not a pyarrow traceback
        try:
            result[table] = storage.dataset(files, schema).to_table(columns=wanted)
        except (pa.ArrowException, OSError) as error:
            raise DamagedPartFile(
                f"the {table} files of crawl {crawl_id} under {storage.show()} cannot be read "
                f"({error}): restore them from a backup, or move the damaged one out"
            ) from None
    return result


def read_crawl(data_dir: DataDir, table: str, crawl_id: str, columns: Sequence[str]) -> pa.Table:
    """``columns`` of one crawl's rows of ``table``, read with the current schema."""
    return latest_snapshot(data_dir, [table], crawl_id=crawl_id, columns={table: columns})[table]


def crawl_batches(data_dir: DataDir, table: str, crawl_id: str, where: pc.Expression) -> Iterator[pa.RecordBatch]:
    """One crawl's rows of ``table`` matching ``where``, batch by batch, with the current schema."""
    storage = resolve(data_dir)
    files = _files(storage, table, crawl_id)
    if files:
        dataset = storage.dataset(files, TABLES[table])
        yield from (batch for batch in dataset.to_batches(filter=where) if batch.num_rows)
