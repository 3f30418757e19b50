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

On an object store (see :mod:`.storage`) the steps are the same with
uploads for renames: each new file is built in the local spool and uploaded
whole in step 3, the sources deleted in step 4. There is no ``flock`` on a
bucket: the lock is an object, ``.compact.lock``, that a compact refuses to
start beside (naming who holds it) and removes when done; one left by a
compact that was killed is removed by hand, as the refusal says. The new
files of one group wait in the spool until all are built, so the spool
needs room for the largest group (one table's rows of one crawl and day).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs

from ..crawl.seen import MemorySeenSet
from ..schema import TABLES
from . import lineage
from .files import PartFile, SpooledFile, crawl_id_of, fsync_dir
from .lineage import Source
from .storage import Storage, resolve
from .tables import SEARCH_ONLY_SOURCES
from .writer import WriterOptions

#: The natural key of a row within one crawl (a group is one crawl, so ``crawl_id`` is part of every key).
#: Products and missing offers: one row per offer. SKUs: one per offer and SKU; ``spec_key`` is included
#: because an offer without SKUs has a row with a null ``sku_id``, and the empty ``spec_key`` tells it
#: apart from a SKU whose id the API left out. Sellers: one per seller. Changes: one per offer, SKU and
#: field, as the monitor emits them. Search hits: one per query, offer and place (a page fetched twice
#: repeats all four; the same offer at another place of the same query is another hit). Rejects: one per
#: distinct rejected answer and reason. Queries: one per query label. Categories: one per category. Freight: one
#: per offer and destination (address and quantity). Trends: one per offer, metric and day. Media (-a media): one
#: per reference, an offer's or a SKU's picture or video at its place in its role.
KEYS: dict[str, tuple[str, ...]] = {
    "products": ("offer_id",),
    "listings": ("offer_id",),
    "skus": ("offer_id", "sku_id", "spec_key"),
    "sellers": ("seller_open_id",),
    "changes": ("offer_id", "sku_id", "field"),
    "search_hits": ("query", "offer_id", "page", "position"),
    "missing": ("offer_id",),
    "rejects": ("raw", "source_api", "reason"),
    "queries": ("query",),
    "categories": ("category_id",),
    "freight": ("offer_id", "to_province_code", "to_city_code", "to_district_code", "quantity"),
    "trends": ("offer_id", "metric", "day"),
    "media": ("offer_id", "sku_id", "role", "position"),
}
LOCK_FILE = ".compact.lock"
PARTITION_PREFIX = "crawl_date="


class CompactBusy(Exception):
    """Another ``scrapy compact`` is working on this dataset."""


@dataclass(frozen=True)
class Group:
    """The part files of one table, partition and crawl."""

    table: str
    folder: str
    crawl_id: str
    parts: tuple[pafs.FileInfo, ...]

    @property
    def partition(self) -> str:
        return self.folder.rsplit("/", 1)[-1]


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
    repaired: list[str] = field(default_factory=list)
    #: Temporary files of dead writers or compactions swept (spool files, for an object store).
    swept: list[str] = field(default_factory=list)
    merged: list[Merged] = field(default_factory=list)


def compact(
    root: str | os.PathLike[str] | Storage,
    options: WriterOptions,
    *,
    tables: Sequence[str] | None = None,
    crawl_id: str | None = None,
    dry_run: bool = False,
) -> Report:
    """Repair, then merge every group of ``tables`` (all) with more than one file; ``crawl_id`` narrows to one crawl."""
    storage = resolve(root)
    report = Report()
    with _lock(storage):
        if not dry_run:
            report.swept = storage.sweep(older_than=time.time())
        for folder in partitions(storage, tables):
            if not dry_run:
                report.repaired += repair(storage, folder)
            for group in groups(storage, folder, crawl_id):
                report.merged.append(merge(storage, group, options, dry_run=dry_run))
    return report


@contextlib.contextmanager
def _lock(storage: Storage) -> Iterator[None]:
    if not storage.local:
        with _lock_object(storage):
            yield
        return
    root = Path(storage.root)
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


@contextlib.contextmanager
def _lock_object(storage: Storage) -> Iterator[None]:
    """The lock of a dataset on an object store: an object naming its holder (see the module's docstring)."""
    path = storage.path(LOCK_FILE)
    if storage.exists(path):
        try:
            holder = json.loads(storage.read_text(path))
            who = f"started {holder['started']} by {holder['host']} (pid {holder['pid']})"
        except (OSError, ValueError, KeyError, TypeError):
            who = "holder unknown"
        raise CompactBusy(
            f"another compact is running on {storage.show()} ({who}); if none is, delete "
            f"{storage.show(path)} and run it again"
        )
    holder = {"host": socket.gethostname(), "pid": os.getpid(), "started": datetime.now(UTC).isoformat()}
    storage.write_whole(path, json.dumps(holder).encode())
    try:
        yield
    finally:
        storage.delete(path)


def partitions(storage: Storage, tables: Sequence[str] | None = None) -> Iterator[str]:
    """The ``crawl_date=`` folders of the dataset's tables, in a stable order: ``skus`` before ``products``, whose
    rows tell which SKU rows came with an offer's detail (see :func:`_detailed_times`)."""
    for table in sorted(tables or TABLES, key=lambda name: (name != "skus", name)):
        yield from (
            folder
            for folder in storage.folders(storage.path(table))
            if folder.rsplit("/", 1)[-1].startswith(PARTITION_PREFIX)
        )


def repair(storage: Storage, folder: str) -> list[str]:
    """Finish or undo what interrupted compactions left in a partition folder; returns the files removed."""
    removed = []
    parts = lineage.part_files(storage, folder)
    listing = {info.base_name: info for info in parts}
    for compaction in lineage.compactions(storage, parts).values():
        doomed = compaction.present_sources(listing) if compaction.complete else compaction.outputs
        for path in doomed:
            storage.delete(path)
            removed.append(path)
    if removed and storage.local:
        fsync_dir(Path(folder))
    return removed


def groups(storage: Storage, folder: str, crawl_id: str | None = None) -> Iterator[Group]:
    """The groups of a partition worth merging: more than one file, and not just one compaction's own files."""
    table = folder.rsplit("/", 2)[-2]
    parts = lineage.visible_parts(storage, folder)
    by_crawl: defaultdict[str, list[pafs.FileInfo]] = defaultdict(list)
    for info in parts:
        owner = crawl_id_of(info.base_name)
        if owner is not None and (crawl_id is None or owner == crawl_id):
            by_crawl[owner].append(info)
    done = [set(c.outputs) for c in lineage.compactions(storage, parts).values() if c.complete]
    for owner, files in sorted(by_crawl.items()):
        if len(files) > 1 and {info.path for info in files} not in done:
            yield Group(table, folder, owner, tuple(files))


def merge(storage: Storage, group: Group, options: WriterOptions, *, dry_run: bool = False) -> Merged:
    """Merge one group as the module's docstring says; in a dry run only its keys are read, nothing written."""
    sources = [Source.of(info) for info in group.parts]
    rows_before = sum(storage.read_metadata(info.path).num_rows for info in group.parts)
    keys = KEYS[group.table]
    seen = MemorySeenSet()
    if dry_run:
        kept = sum(sum(seen.add_many(_keys(batch, keys))) for batch in _preferred(storage, group, keys))
        per_file = -(-options.file_rows // options.row_group_rows) * options.row_group_rows
        return Merged(group, rows_before, kept, max(1, -(-kept // per_file)))
    outputs = _Outputs(storage, group, sources, options)
    try:
        for batch in _preferred(storage, group):
            outputs.add(batch.filter(pa.array(seen.add_many(_keys(batch, keys)), pa.bool_())))
        files = outputs.commit()
    except BaseException:
        outputs.abort()
        raise
    listing = {info.base_name: info for info in lineage.part_files(storage, group.folder)}
    for source in sources:
        if source.still_in(listing):
            storage.delete(listing[source.name].path)
    if storage.local:
        fsync_dir(Path(group.folder))
    return Merged(group, rows_before, outputs.rows, files)


def _read(
    storage: Storage, group: Group, columns: Sequence[str] | None = None, where: pc.Expression | None = None
) -> Iterator[pa.RecordBatch]:
    """The group's rows, file by file in name order, with the current schema (older files get null columns)."""
    schema = TABLES[group.table]
    for info in group.parts:
        yield from storage.dataset([info.path], schema).to_batches(
            columns=list(columns) if columns is not None else None, filter=where
        )


def _preferred(storage: Storage, group: Group, columns: Sequence[str] | None = None) -> Iterator[pa.RecordBatch]:
    """The group's rows in the order the first copy of a key should win: an offer's detailed row before a row
    made from its search listing alone (older versions wrote those when a detail failed), which only has what a
    listing has and one SKU row standing for the offer's SKUs."""
    if group.table == "products":
        search_only = pc.field("source_api").isin(sorted(SEARCH_ONLY_SOURCES))
        yield from _read(storage, group, columns, ~search_only | pc.field("source_api").is_null())
        yield from _read(storage, group, columns, search_only)
        return
    if group.table != "skus":
        yield from _read(storage, group, columns)
        return
    detailed = _detailed_times(storage, group)
    for batch in _read(storage, group, None if detailed is None or columns is None else [*columns, "crawled_at"]):
        if detailed:
            offers, times = batch.column("offer_id").to_pylist(), batch.column("crawled_at").to_pylist()
            batch = batch.filter(
                pa.array(
                    [offer not in detailed or at in detailed[offer] for offer, at in zip(offers, times, strict=True)],
                    pa.bool_(),
                )
            )
        yield batch if columns is None else batch.select(list(columns))


def _detailed_times(storage: Storage, group: Group) -> dict[int, set[object]] | None:
    """For the offers of ``group``'s crawl and partition that have a search-only products row: when their detailed
    rows were crawled (a SKU row belongs to the products row of its ``crawled_at``). None when there are none."""
    folder = f"{group.folder.rsplit('/', 2)[0]}/products/{group.partition}"
    parts = (
        [info.path for info in lineage.visible_parts(storage, folder) if crawl_id_of(info.base_name) == group.crawl_id]
        if storage.is_folder(folder)
        else []
    )
    if not parts:
        return None
    rows = storage.dataset(parts, TABLES["products"])
    search_only = pc.field("source_api").isin(sorted(SEARCH_ONLY_SOURCES))
    offers = set(rows.to_table(columns=["offer_id"], filter=search_only).column("offer_id").to_pylist())
    if not offers:
        return None
    detailed: dict[int, set[object]] = {}
    found = rows.to_table(
        columns=["offer_id", "crawled_at"],
        filter=(~search_only | pc.field("source_api").is_null()) & pc.field("offer_id").isin(sorted(offers)),
    )
    for offer, at in zip(found.column("offer_id").to_pylist(), found.column("crawled_at").to_pylist(), strict=True):
        detailed.setdefault(offer, set()).add(at)
    return detailed


def _keys(batch: pa.RecordBatch, names: Sequence[str]) -> list[object]:
    columns = [batch.column(name).to_pylist() for name in names]
    return columns[0] if len(columns) == 1 else list(zip(*columns, strict=True))


class _Outputs:
    """The new files of one merge: row groups of exactly ``row_group_rows``, files rolled at ``file_rows``."""

    def __init__(self, storage: Storage, group: Group, sources: list[Source], options: WriterOptions):
        self.storage = storage
        self.group = group
        self.sources = sources
        self.options = options
        self.schema = TABLES[group.table]
        self.files: list[PartFile | SpooledFile] = []
        #: Files already renamed in (or uploaded).
        self.committed: list[str] = []
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
            self.committed.append(part.target)
        return len(self.files)

    def abort(self) -> None:
        """Undo a merge that failed: the files already renamed in go too (an incomplete compaction's files)."""
        for part in self.files:
            if part.target not in self.committed:
                part.abort()
        for path in self.committed:
            self.storage.delete(path)

    def _write(self, rows: int) -> None:
        table = pa.Table.from_batches(self._pending, schema=self.schema)
        head, rest = table.slice(0, rows), table.slice(rows)
        self._pending = rest.to_batches()
        self._pending_rows = rest.num_rows
        if not self.files or self.files[-1].rows >= self.options.file_rows:
            name = lineage.output_name(self.group.crawl_id, self.sources, len(self.files))
            self.files.append(self.storage.part_file(self.group.folder, name, self.schema, self.options.parquet()))
        if rows:
            self.files[-1].write(head.combine_chunks().to_batches()[0])
        self.rows += rows
