"""Compaction: duplicates of several workers dropped, everything else kept, readable throughout, crash-safe."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from harvester.dataset import compact as compaction
from harvester.dataset import lineage
from harvester.dataset.compact import CompactBusy, compact
from harvester.dataset.files import PartFile
from harvester.dataset.snapshot import latest_snapshot
from harvester.dataset.writer import WriterOptions
from harvester.schema import SCHEMA_VERSION, TABLES, schema_for, schema_version
from tests.builders import COMPACT_CRAWL as CRAWL
from tests.builders import COMPACT_OTHER_CRAWL as OTHER
from tests.builders import many_products, two_workers_dataset, write_worker

#: The compacted files' sizes: small, so that a few dozen rows make several row groups and files.
OPTIONS = WriterOptions(row_group_rows=4, file_rows=8)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """Two workers of one crawl that both wrote offers 10..19, and another crawl the same day."""
    return two_workers_dataset(tmp_path / "data")


def rows(root: Path, table: str) -> list[str]:
    """Every row of ``table`` as DuckDB reads the folder (its repr, hashable), sorted; the partition column included."""
    found = duckdb.sql(f"select * from read_parquet('{root}/{table}/**/*.parquet', hive_partitioning=true)")
    return sorted(repr(tuple(row.values())) for row in found.arrow().read_all().to_pylist())


def test_duplicates_of_several_workers_are_dropped_and_the_rest_kept(dataset):
    before = {table: rows(dataset, table) for table in ("products", "skus", "search_hits", "missing", "listings")}
    report = compact(dataset, OPTIONS)
    after = {table: rows(dataset, table) for table in before}
    for table in before:
        assert after[table] == sorted(set(before[table])), table  # each distinct row once, nothing lost
    assert len(after["products"]) == 30 + 5
    assert len(after["skus"]) == 35 * len(many_products(range(1))[0].skus)
    assert len(after["missing"]) == len(after["search_hits"]) == len(after["listings"]) == 30
    # Every product here names the same seller: once per crawl (the other crawl's single file is left as it is).
    assert len(reader_rows(dataset, "sellers")) == 1
    merged = {(m.group.table, m.group.crawl_id): m for m in report.merged}
    assert merged["products", CRAWL].rows_before == 40
    assert merged["products", CRAWL].duplicates == 10
    assert merged["skus", OTHER].duplicates == 0  # never merged with the other crawl of the day
    assert ("products", OTHER) not in merged  # a single file: nothing to merge


def test_compacted_files_have_the_writers_row_groups_compression_and_schema(dataset):
    compact(dataset, OPTIONS)
    folder = dataset / "products" / "crawl_date=2026-11-28"
    files = sorted(folder.glob(f"part-{CRAWL}-*.parquet"))
    (digest,) = {lineage.compaction_of(f.name) for f in files}
    assert [f.name for f in files] == [f"part-{CRAWL}-compacted_{digest}-{i:05d}.parquet" for i in range(4)]  # 30 rows
    for path in files:
        metadata = pq.read_metadata(path)
        assert all(metadata.row_group(i).num_rows == 4 for i in range(metadata.num_row_groups - 1))
        assert metadata.row_group(0).column(0).compression == "ZSTD"
        schema = pq.read_schema(path)
        assert schema_version(schema) == SCHEMA_VERSION
        assert schema.equals(TABLES["products"])
    assert ds.dataset(dataset / "products", format="parquet", partitioning="hive").count_rows() == 35


def test_compact_is_idempotent(dataset):
    compact(dataset, OPTIONS)
    names = sorted(p.name for p in dataset.rglob("*.parquet"))
    again = compact(dataset, OPTIONS)
    assert again.merged == [] and again.repaired == []
    assert sorted(p.name for p in dataset.rglob("*.parquet")) == names


def test_dry_run_reports_and_changes_nothing(dataset):
    names = sorted(p.name for p in dataset.rglob("*.parquet"))
    report = compact(dataset, OPTIONS, tables=["products"], dry_run=True)
    assert [(m.group.crawl_id, m.rows_before, m.rows_after, m.files_after) for m in report.merged] == [
        (CRAWL, 40, 30, 4)
    ]
    assert sorted(p.name for p in dataset.rglob("*.parquet")) == names


def test_only_the_crawl_and_table_asked_for(dataset):
    report = compact(dataset, OPTIONS, tables=["skus"], crawl_id=OTHER)
    assert [(m.group.table, m.group.crawl_id) for m in report.merged] == [("skus", OTHER)]
    assert len(list((dataset / "skus").rglob(f"part-{CRAWL}-*.parquet"))) > 1
    assert len(list((dataset / "products").rglob(f"part-{CRAWL}-*.parquet"))) > 1


def test_a_live_writers_temporary_file_is_left_alone(dataset):
    folder = dataset / "products" / "crawl_date=2026-11-28"
    live = PartFile(folder, f"part-{CRAWL}-host_d_4-00000.parquet", TABLES["products"], OPTIONS.parquet())
    compact(dataset, OPTIONS)
    assert live.temp_path.exists()
    live.abort()


def test_two_compacts_do_not_run_at_once(dataset, monkeypatch):
    def nested(*args, **kwargs):
        with pytest.raises(CompactBusy):
            compact(dataset, OPTIONS)
        return iter(())

    monkeypatch.setattr(compaction, "groups", nested)
    compact(dataset, OPTIONS)


def reader_rows(root: Path, table: str, crawl_id: str = CRAWL) -> list[str]:
    """What the harvester's own readers see (``latest_snapshot`` reads through ``lineage.visible_parts``)."""
    table_rows = latest_snapshot(root, (table,), crawl_id=crawl_id)[table].to_pylist()
    return sorted(repr(tuple(row.values())) for row in table_rows)


def test_a_crash_while_renaming_in_hides_the_new_files_and_the_next_compact_undoes_them(dataset, monkeypatch):
    before = reader_rows(dataset, "products")
    real_commit, committed = PartFile.commit, []

    def dies_after_the_first_rename(self):
        if committed:
            raise KeyboardInterrupt  # the process is being killed
        committed.append(real_commit(self))
        return committed[-1]

    monkeypatch.setattr(PartFile, "commit", dies_after_the_first_rename)

    # A killed process cleans nothing up; the kernel drops the locks of its files.
    def killed(self):
        for part in self.files:
            if not part._file.closed:
                fcntl.flock(part._file, fcntl.LOCK_UN)

    monkeypatch.setattr(compaction._Outputs, "abort", killed)
    with pytest.raises(KeyboardInterrupt):
        compact(dataset, OPTIONS, tables=["products"])
    monkeypatch.undo()
    folder = dataset / "products" / "crawl_date=2026-11-28"
    (compacted,) = [p for p in folder.iterdir() if lineage.compaction_of(p.name)]
    assert reader_rows(dataset, "products") == before  # the lone new file is skipped, its sources read
    for temporary in folder.glob(".*.tmp"):  # what a dead process leaves: unlocked temporaries, older than now
        os.utime(temporary, (time.time() - 60, time.time() - 60))
    report = compact(dataset, OPTIONS, tables=["products"])
    assert str(compacted) in report.repaired
    assert len(report.swept) == 3
    assert rows(dataset, "products") == sorted(set(rows(dataset, "products")))
    assert len(rows(dataset, "products")) == 35


def test_a_crash_before_the_sources_are_removed_is_finished_by_the_next_compact(dataset, monkeypatch):
    real_unlink = Path.unlink

    def dies_removing_a_source(self, missing_ok=False):
        if self.name.startswith(f"part-{CRAWL}-host_"):
            raise KeyboardInterrupt
        return real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", dies_removing_a_source)
    with pytest.raises(KeyboardInterrupt):
        compact(dataset, OPTIONS, tables=["products"])
    monkeypatch.undo()
    assert len(reader_rows(dataset, "products")) == 30  # complete: the sources still there are skipped
    report = compact(dataset, OPTIONS, tables=["products"])
    assert len(report.repaired) == 8 and report.merged == []  # both workers' 4 files each
    assert len(rows(dataset, "products")) == 35


def test_a_later_compact_merges_what_a_live_crawl_wrote_since(dataset):
    compact(dataset, OPTIONS)
    # A restarted worker: new file names, offers that overlap what was compacted.
    write_worker(dataset, CRAWL, "host_a_1", many_products(range(25, 40)))
    report = compact(dataset, OPTIONS, tables=["products"])
    (merged,) = report.merged
    assert merged.duplicates == 5
    assert len(rows(dataset, "products")) == 40 + 5


def test_every_table_has_a_natural_key():
    assert set(compaction.KEYS) == set(TABLES)
    for table, key in compaction.KEYS.items():
        assert set(key) <= set(TABLES[table].names)


def test_files_of_an_older_schema_version_merge_with_null_new_columns(dataset):
    folder = dataset / "products" / "crawl_date=2026-11-28"
    old = schema_for("products", 2)
    current = pq.read_table(next(folder.glob(f"part-{CRAWL}-host_a_1-*.parquet")))
    moved = current.set_column(0, "offer_id", pc.add(current.column("offer_id"), 1000)).select(old.names)
    pq.write_table(moved.cast(old), folder / f"part-{CRAWL}-oldrelease_1-00000.parquet")
    compact(dataset, OPTIONS, tables=["products"])
    merged = latest_snapshot(dataset, ("products",), crawl_id=CRAWL)["products"]
    assert merged.num_rows == 30 + moved.num_rows
    from_old = merged.filter(pc.greater_equal(merged.column("offer_id"), 1000))
    assert from_old.column("status").null_count == moved.num_rows
    assert from_old.column("title").to_pylist() == moved.column("title").to_pylist()


def test_an_offers_detailed_row_wins_over_one_made_from_its_search_listing(tmp_path):
    """Versions before one detail call per offer wrote a products row from the search listing when the detail
    failed (with one stand-in SKU row); a later run of the crawl wrote the detailed row. Compaction keeps the
    detailed row and its SKUs, whichever file comes first."""
    import dataclasses
    from datetime import timedelta

    from harvester.items import Sku

    detailed = many_products(range(0, 5))
    earlier = detailed[0].crawled_at - timedelta(hours=1)
    listed = [
        dataclasses.replace(
            product,
            source_api="keyword_search",
            crawled_at=earlier,
            seller=None,
            skus=[Sku(product.offer_id, None, None, "", [], product.price_min, None, None, None, None, CRAWL, earlier)],
        )
        for product in detailed
    ]
    listed_only = dataclasses.replace(listed[0], offer_id=99)
    listed_only.skus = [dataclasses.replace(listed_only.skus[0], offer_id=99)]
    write_worker(tmp_path, CRAWL, "host_a_1", [*listed, listed_only])  # named first: read first
    write_worker(tmp_path, CRAWL, "host_b_2", detailed)
    compact(tmp_path, OPTIONS)

    products = latest_snapshot(tmp_path, ("products",), crawl_id=CRAWL)["products"].to_pylist()
    assert sorted(row["offer_id"] for row in products) == [0, 1, 2, 3, 4, 99]
    assert {row["offer_id"]: row["source_api"] for row in products} == {
        **{offer: detailed[0].source_api for offer in range(5)},
        99: "keyword_search",
    }
    skus = latest_snapshot(tmp_path, ("skus",), crawl_id=CRAWL)["skus"].to_pylist()
    per_offer = {offer: [row for row in skus if row["offer_id"] == offer] for offer in (0, 1, 2, 3, 4, 99)}
    assert all(len(per_offer[offer]) == len(detailed[0].skus) for offer in range(5)), "the detailed SKUs only"
    assert all(row["spec_key"] for offer in range(5) for row in per_offer[offer]), "no stand-in SKU row left"
    assert [row["spec_key"] for row in per_offer[99]] == [""], "an offer only listed keeps what it has"
