"""Compaction: the many small part files of a crawl's partition merged into few large ones, duplicates dropped.

Every worker of a distributed crawl writes its own part files, and a long
crawl rolls files as it goes, so a partition ends up with many small files,
and with the rows two workers both wrote (an offer found by both before the
shared seen-set knew it, search pages fetched again after a kill). A
*group* is the part files of one table, one ``crawl_date`` partition and
one crawl id; groups are never merged with each other, so a crawl's rows
never leave their partition and crawls stay apart.

Each group is merged in this order, every step safe to die in:

1. Rows are read file by file (in name order) and a row whose natural key
   (:data:`KEYS`) was already met is dropped: the first copy is kept. An
   offer's detailed products row is read before any row made from its search
   listing alone (older versions wrote those when a detail failed), and such
   a row's stand-in SKU row is dropped when the offer's detailed row is there
   (its SKUs are the ones crawled with it): the detailed row wins.
2. The rows go to new files written as hidden temporaries (``.part-….tmp``,
   locked while written, exactly as the crawl's writer does), in row groups
   of ``HARVEST_ROW_GROUP_ROWS`` and files of ``HARVEST_FILE_ROWS``, with the
   writer's schema, metadata and compression. Each new file's footer lists
   the group's source files and how many new files there are (see
   :mod:`.lineage`). Dying here leaves unlocked temporaries that the next
   compact (or crawl) sweeps; the sources are untouched.
3. The new files are renamed in, one by one. Until the last is in, the
   compaction is *incomplete* and readers going through
   :func:`.lineage.visible_parts` skip the new files; from then on it is
   *complete* and they skip the sources. Dying in between: the next compact
   removes the new files of an incomplete compaction, or the remaining
   sources of a complete one.
4. The sources are removed.

A reader that lists the folder itself (DuckDB or pyarrow on a glob) cannot
be told which files supersede which; for it the order above means rows are
never missing, and may be seen twice only in the instant between the last
rename of step 3 and the removals of step 4 (or, after a crash there,
until the next compact repairs the folder). Missing rows would be the worse
error: an analyst can drop a duplicate key but cannot find a lost row.

Memory: the rows stream through in batches; what a merge keeps is the
keys it met (about 16 bytes per products/missing row, a tuple per row of
the other tables).

Only complete ``part-*.parquet`` files are read: a live writer's
temporaries are never touched, and files it commits while the compaction
runs simply wait for the next one. Two compacts of one dataset do not run
at once (a lock file).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ..crawl.seen import MemorySeenSet
from ..schema import TABLES
from . import lineage
from .files import PartFile, crawl_id_of, fsync_dir, sweep_temporaries
from .lineage import Source
from .tables import SEARCH_ONLY_SOURCES
from .writer import WriterOptions

#: The natural key of a row within one crawl (a group is one crawl, so ``crawl_id`` is part of every key).
#: Products and missing offers: one row per offer. SKUs: one per offer and SKU; ``spec_key`` is included
#: because an offer without SKUs has a row with a null ``sku_id``, and the empty ``spec_key`` tells it
#: apart from a SKU whose id the API left out. Sellers: one per seller. Changes: one per offer, SKU and
#: field, as the monitor emits them. Search hits: one per query, offer and place (a page fetched twice
#: repeats all four; the same offer at another place of the same query is another hit). Rejects: one per
#: distinct rejected answer and reason.
KEYS: dict[str, tuple[str, ...]] = {
    "products": ("offer_id",),
    "skus": ("offer_id", "sku_id", "spec_key"),
    "sellers": ("seller_open_id",),
    "changes": ("offer_id", "sku_id", "field"),
    "search_hits": ("query", "offer_id", "page", "position"),
    "missing": ("offer_id",),
    "rejects": ("raw", "source_api", "reason"),
}
LOCK_FILE = ".compact.lock"
PARTITION_PREFIX = "crawl_date="


class CompactBusy(Exception):
    """Another ``scrapy compact`` is working on this dataset."""


@dataclass(frozen=True)
class Group:
    """The part files of one table, partition and crawl."""

    table: str
    folder: Path
    crawl_id: str
    parts: tuple[Path, ...]

    @property
    def partition(self) -> str:
        return self.folder.name


@dataclass(frozen=True)
class Merged:
    group: Group
    rows_before: int
    rows_after: int
    #: Files the group has after the merge (what it would have, in a dry run).
    files_after: int

    @property
    def duplicates(self) -> int:
        return self.rows_before - self.rows_after


@dataclass
class Report:
    #: Files removed while repairing what an interrupted compaction left (sources or new files).
    repaired: list[Path] = field(default_factory=list)
    #: Temporary files of dead writers or compactions swept.
    swept: list[Path] = field(default_factory=list)
    merged: list[Merged] = field(default_factory=list)


def compact(root: Path, options: WriterOptions, *, tables: Sequence[str] | None = None,
            crawl_id: str | None = None, dry_run: bool = False) -> Report:
    """Repair, then merge every group of ``tables`` (all) with more than one file; ``crawl_id`` narrows to one crawl."""
    report = Report()
    with _lock(root):
        if not dry_run:
            report.swept = sweep_temporaries(root, older_than=time.time())
        for folder in partitions(root, tables):
            if not dry_run:
                report.repaired += repair(folder)
            for group in groups(folder, crawl_id):
                report.merged.append(merge(group, options, dry_run=dry_run))
    return report


@contextlib.contextmanager
def _lock(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CompactBusy(f"another compact is running on {root}") from None
        yield
    finally:
        os.close(fd)


def partitions(root: Path, tables: Sequence[str] | None = None) -> Iterator[Path]:
    """The ``crawl_date=`` folders of the dataset's tables, in a stable order: ``skus`` before ``products``, whose
    rows tell which SKU rows came with an offer's detail (see :func:`_detailed_times`)."""
    for table in sorted(tables or TABLES, key=lambda name: (name != "skus", name)):
        folder = root / table
        if folder.is_dir():
            yield from sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith(PARTITION_PREFIX))


def repair(folder: Path) -> list[Path]:
    """Finish or undo what interrupted compactions left in a partition folder; returns the files removed."""
    removed = []
    for compaction in lineage.compactions(lineage.part_files(folder)).values():
        doomed = compaction.present_sources(folder) if compaction.complete else compaction.outputs
        for path in doomed:
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        fsync_dir(folder)
    return removed


def groups(folder: Path, crawl_id: str | None = None) -> Iterator[Group]:
    """The groups of a partition worth merging: more than one file, and not just one compaction's own files."""
    table = folder.parent.name
    parts = lineage.visible_parts(folder)
    by_crawl: defaultdict[str, list[Path]] = defaultdict(list)
    for path in parts:
        owner = crawl_id_of(path.name)
        if owner is not None and (crawl_id is None or owner == crawl_id):
            by_crawl[owner].append(path)
    done = [set(c.outputs) for c in lineage.compactions(parts).values() if c.complete]
    for owner, files in sorted(by_crawl.items()):
        if len(files) > 1 and set(files) not in done:
            yield Group(table, folder, owner, tuple(files))


def merge(group: Group, options: WriterOptions, *, dry_run: bool = False) -> Merged:
    """Merge one group as the module's docstring says; in a dry run only its keys are read, nothing written."""
    sources = [Source.of(path) for path in group.parts]
    rows_before = sum(pq.read_metadata(path).num_rows for path in group.parts)
    keys = KEYS[group.table]
    seen = MemorySeenSet()
    if dry_run:
        kept = sum(sum(seen.add_many(_keys(batch, keys))) for batch in _preferred(group, keys))
        per_file = -(-options.file_rows // options.row_group_rows) * options.row_group_rows
        return Merged(group, rows_before, kept, max(1, -(-kept // per_file)))
    outputs = _Outputs(group, sources, options)
    try:
        for batch in _preferred(group):
            outputs.add(batch.filter(pa.array(seen.add_many(_keys(batch, keys)), pa.bool_())))
        files = outputs.commit()
    except BaseException:
        outputs.abort()
        raise
    for source in sources:
        if source.still_in(group.folder):
            (group.folder / source.name).unlink()
    fsync_dir(group.folder)
    return Merged(group, rows_before, outputs.rows, files)


def _read(group: Group, columns: Sequence[str] | None = None, where: pc.Expression | None = None
          ) -> Iterator[pa.RecordBatch]:
    """The group's rows, file by file in name order, with the current schema (older files get null columns)."""
    schema = TABLES[group.table]
    for path in group.parts:
        yield from ds.dataset(str(path), schema=schema, format="parquet").to_batches(
            columns=list(columns) if columns is not None else None, filter=where)


def _preferred(group: Group, columns: Sequence[str] | None = None) -> Iterator[pa.RecordBatch]:
    """The group's rows in the order the first copy of a key should win: an offer's detailed row before a row
    made from its search listing alone (older versions wrote those when a detail failed), which only has what a
    listing has and one SKU row standing for the offer's SKUs."""
    if group.table == "products":
        search_only = pc.field("source_api").isin(sorted(SEARCH_ONLY_SOURCES))
        yield from _read(group, columns, ~search_only | pc.field("source_api").is_null())
        yield from _read(group, columns, search_only)
        return
    if group.table != "skus":
        yield from _read(group, columns)
        return
    detailed = _detailed_times(group)
    for batch in _read(group, None if detailed is None or columns is None else [*columns, "crawled_at"]):
        if detailed:
            offers, times = batch.column("offer_id").to_pylist(), batch.column("crawled_at").to_pylist()
            batch = batch.filter(pa.array([offer not in detailed or at in detailed[offer]
                                           for offer, at in zip(offers, times, strict=True)], pa.bool_()))
        yield batch if columns is None else batch.select(list(columns))


def _detailed_times(group: Group) -> dict[int, set[object]] | None:
    """For the offers of ``group``'s crawl and partition that have a search-only products row: when their detailed
    rows were crawled (a SKU row belongs to the products row of its ``crawled_at``). None when there are none."""
    folder = group.folder.parent.parent / "products" / group.partition
    parts = [str(path) for path in lineage.visible_parts(folder) if crawl_id_of(path.name) == group.crawl_id] \
        if folder.is_dir() else []
    if not parts:
        return None
    rows = ds.dataset(parts, schema=TABLES["products"], format="parquet")
    search_only = pc.field("source_api").isin(sorted(SEARCH_ONLY_SOURCES))
    offers = set(rows.to_table(columns=["offer_id"], filter=search_only).column("offer_id").to_pylist())
    if not offers:
        return None
    detailed: dict[int, set[object]] = {}
    found = rows.to_table(columns=["offer_id", "crawled_at"],
                          filter=(~search_only | pc.field("source_api").is_null()) & pc.field("offer_id").isin(
                              sorted(offers)))
    for offer, at in zip(found.column("offer_id").to_pylist(), found.column("crawled_at").to_pylist(), strict=True):
        detailed.setdefault(offer, set()).add(at)
    return detailed


def _keys(batch: pa.RecordBatch, names: Sequence[str]) -> list[object]:
    columns = [batch.column(name).to_pylist() for name in names]
    return columns[0] if len(columns) == 1 else list(zip(*columns, strict=True))


class _Outputs:
    """The new files of one merge: row groups of exactly ``row_group_rows``, files rolled at ``file_rows``."""

    def __init__(self, group: Group, sources: list[Source], options: WriterOptions):
        self.group = group
        self.sources = sources
        self.options = options
        self.schema = TABLES[group.table]
        self.files: list[PartFile] = []
        self.rows = 0
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0

    def add(self, batch: pa.RecordBatch) -> None:
        if not batch.num_rows:
            return
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        size = self.options.row_group_rows
        while self._pending_rows >= size:
            self._write(size)

    def commit(self) -> int:
        """Write what is left, give every file its footer record, rename them in; returns how many there are."""
        if self._pending_rows or not self.files:
            self._write(self._pending_rows)
        record = lineage.footer(self.sources, len(self.files))
        for part in self.files:
            part.add_metadata(record)
        for part in self.files:
            part.commit()
        return len(self.files)

    def abort(self) -> None:
        """Undo a merge that failed: the files already renamed in go too (an incomplete compaction's files)."""
        for part in self.files:
            committed = part.path.exists() and not part.temp_path.exists()
            part.abort()
            if committed:
                part.path.unlink()

    def _write(self, rows: int) -> None:
        table = pa.Table.from_batches(self._pending, schema=self.schema)
        head, rest = table.slice(0, rows), table.slice(rows)
        self._pending = rest.to_batches()
        self._pending_rows = rest.num_rows
        if not self.files or self.files[-1].rows >= self.options.file_rows:
            name = lineage.output_name(self.group.crawl_id, self.sources, len(self.files))
            self.files.append(PartFile(self.group.folder, name, self.schema, self.options.parquet()))
        if rows:
            self.files[-1].write(head.combine_chunks().to_batches()[0])
        self.rows += rows

