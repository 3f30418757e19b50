"""Reading back one crawl: what a monitor compares against.

Part file names carry their crawl id, so the newest crawl is found from a
directory listing, and only that crawl's files are opened. Files written
by an older schema version are read with the current schema: columns they
lack come back as nulls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ..crawl.identity import started_at_of
from ..exceptions import HarvestError
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


class DamagedPartFile(HarvestError):
    """A part file that cannot be read (cut short by a full disk, a copy that failed): named, with what to do."""

    @classmethod
    def of(cls, path: Path, error: BaseException) -> DamagedPartFile:
        reason = str(error).split(". ")[0].strip().rstrip(".") or type(error).__name__
        return cls(f"{path} cannot be read ({reason}): move it out of HARVEST_DATA_DIR (or restore it from a "
                   "backup) and run again")


def check_complete(data_dir: str | Path, tables: Sequence[str], crawl_id: str) -> None:
    """Raise :class:`DamagedPartFile` naming the first part file of ``crawl_id`` in ``tables`` whose Parquet footer
    cannot be read: what a crawl is about to read is checked before it makes any call (a footer read is cheap)."""
    for table in tables:
        for _, path in _parts(Path(data_dir), table):
            if crawl_id_of(path.name) == crawl_id:
                _footer(path)


def _footer(path: Path) -> None:
    try:
        pq.read_metadata(path)
    except (pa.ArrowException, OSError) as error:
        raise DamagedPartFile.of(path, error) from None


def latest_crawl_id(data_dir: str | Path, table: str = "products", *, excluding: str | None = None) -> str | None:
    """The crawl with the newest ``crawl_date`` partition; within a day, the latest started (by its generated id,
    else by its newest file). ``excluding`` leaves one crawl out: a crawl comparing itself with the one before
    must not find its own files (another worker of it may already have written some)."""
    best: tuple[str, float, str] | None = None
    for partition, path in _parts(Path(data_dir), table):
        crawl_id = crawl_id_of(path.name)
        if crawl_id is None or crawl_id == excluding:
            continue
        started = started_at_of(crawl_id)
        key = (partition, started.timestamp() if started else path.stat().st_mtime, crawl_id)
        if best is None or key > best:
            best = key
    return None if best is None else best[2]


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
        paths = [path for _, path in _parts(root, table) if crawl_id_of(path.name) == crawl_id]
        if not paths:
            result[table] = schema.empty_table().select(wanted)
            continue
        for path in paths:
            _footer(path)  # a file cut short is named, not a pyarrow traceback
        dataset = ds.dataset(sorted(str(path) for path in paths), schema=schema, format="parquet")
        try:
            result[table] = dataset.to_table(columns=wanted)
        except (pa.ArrowException, OSError) as error:
            raise DamagedPartFile(f"the {table} files of crawl {crawl_id} under {root} cannot be read ({error}): "
                                  "restore them from a backup, or move the damaged one out") from None
    return result
