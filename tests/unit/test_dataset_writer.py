"""The dataset writer: layout, row groups, rolling, types, crawl ids, failures, sweeping what crashes leave."""

from __future__ import annotations

import fcntl
import os
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from harvester.crawl.identity import CrawlIdentity
from harvester.dataset.files import PartFile, free_part_name, part_name, sweep_temporaries
from harvester.dataset.writer import DatasetWriter, WriterOptions
from harvester.items import Change, MissingOffer, Product, SearchHit, Sku
from harvester.schema import SCHEMA_VERSION, TABLES, schema_version
from tests.builders import fixture_offers, normalised, write_crawl

CRAWL = "20250501T080000Z-abc123"
NOW = datetime(2025, 5, 1, 8, 0, 5, tzinfo=UTC)


def _parts(root: Path, table: str) -> list[Path]:
    return sorted((root / table).glob("crawl_date=*/*"))


def _products(n: int, skus: int = 2) -> list[Product]:
    return [
        Product(
            offer_id=i,
            title=f"t{i}",
            price_min=Decimal("1.5"),
            skus=[Sku(i, i * 10 + k, None, f"k={k}", [], Decimal(f"{k}.0001")) for k in range(skus)],
            crawled_at=NOW,
        )
        for i in range(1, n + 1)
    ]


def test_layout_names_and_file_metadata(tmp_path):
    items, _ = normalised(fixture_offers(NOW), CRAWL)
    items.append(SearchHit("保温杯", 624108453870, 1, 3, NOW))
    writer = write_crawl(tmp_path, CRAWL, items)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "listings",
        "products",
        "rejects",
        "search_hits",
        "sellers",
        "skus",
    ]
    for table in ("products", "skus", "sellers", "search_hits", "rejects", "listings"):
        (path,) = _parts(tmp_path, table)
        assert path.parent.name == "crawl_date=2025-05-01"
        assert path.name == part_name(CRAWL, "test", 0) == f"part-{CRAWL}-test-00000.parquet"
        file = pq.ParquetFile(path)
        assert file.schema_arrow.remove_metadata() == TABLES[table].remove_metadata()
        assert schema_version(file.schema_arrow) == SCHEMA_VERSION
        assert file.metadata.row_group(0).column(0).compression == "ZSTD"
        assert file.read().column("crawl_id").to_pylist() == [CRAWL] * file.metadata.num_rows
    assert writer.rows_written == {
        "listings": 5,
        "products": 3,
        "skus": 6,
        "sellers": 1,
        "rejects": 4,
        "search_hits": 1,
    }
    assert writer.files_written == dict.fromkeys(writer.rows_written, 1)
    assert writer.bytes_written["products"] == _parts(tmp_path, "products")[0].stat().st_size
    assert not list(tmp_path.rglob(".*"))


def test_decimal_columns_are_stored_as_int64_and_read_back_exactly(tmp_path):
    write_crawl(tmp_path, CRAWL, _products(3))
    (path,) = _parts(tmp_path, "skus")
    group = pq.ParquetFile(path).metadata.row_group(0)
    types = {group.column(i).path_in_schema: group.column(i).physical_type for i in range(group.num_columns)}
    assert types["price"] == types["consign_price"] == "INT64"
    assert pq.read_table(path).column("price").to_pylist()[:2] == [Decimal("0.0001"), Decimal("1.0001")]


def test_row_groups_and_file_rolling(tmp_path):
    writer = write_crawl(tmp_path, CRAWL, _products(25, skus=1), row_group_rows=4, file_rows=8)
    files = _parts(tmp_path, "products")
    # 25 rows: files of two 4-row groups each, then one group of 1 row.
    assert [pq.ParquetFile(f).metadata.num_rows for f in files] == [8, 8, 8, 1]
    assert [pq.ParquetFile(f).metadata.num_row_groups for f in files] == [2, 2, 2, 1]
    assert [f.name[-13:-8] for f in files] == ["00000", "00001", "00002", "00003"]
    assert writer.files_written["products"] == 4 and writer.rows_written["products"] == 25
    assert pq.read_table(tmp_path / "products").column("offer_id").to_pylist() == list(range(1, 26))


def test_items_without_crawl_id_get_the_crawls(tmp_path):
    change = Change(7, "price", "1.0", "1.5", NOW, NOW)
    write_crawl(tmp_path, CRAWL, [change, SearchHit("q", 7, 2, 9, NOW)])
    assert pq.read_table(_parts(tmp_path, "changes")[0]).to_pylist() == [
        {
            "offer_id": 7,
            "sku_id": None,
            "field": "price",
            "old_value": "1.0",
            "new_value": "1.5",
            "previous_crawled_at": NOW,
            "crawl_id": CRAWL,
            "crawled_at": NOW,
            "previous_crawl_id": None,
            "source": None,
        }
    ]
    assert pq.read_table(_parts(tmp_path, "search_hits")[0]).to_pylist() == [
        {"query": "q", "offer_id": 7, "page": 2, "position": 9, "found_at": NOW, "crawl_id": CRAWL}
    ]


def test_foreign_items_are_refused(tmp_path):
    writer = DatasetWriter(tmp_path, CrawlIdentity(CRAWL, NOW, "w"))
    assert writer.add({"offer_id": 1}) is False


def test_a_restarted_worker_does_not_overwrite_its_earlier_files(tmp_path):
    write_crawl(tmp_path, CRAWL, _products(2))
    write_crawl(tmp_path, CRAWL, _products(3))
    assert [f.name[-13:-8] for f in _parts(tmp_path, "products")] == ["00000", "00001"]
    assert pq.read_table(tmp_path / "products").num_rows == 5


def test_free_part_name_skips_finished_and_temporary_names(tmp_path):
    (tmp_path / part_name("c", "w", 0)).touch()
    (tmp_path / f".{part_name('c', 'w', 1)}.tmp").touch()
    assert free_part_name(tmp_path, "c", "w", 0) == (part_name("c", "w", 2), 2)


def test_a_write_error_keeps_complete_files_and_counts_what_is_lost(tmp_path):
    writer = DatasetWriter(tmp_path, CrawlIdentity(CRAWL, NOW, "w"), WriterOptions(row_group_rows=2))
    writer.open()
    for product in _products(4):
        writer.add(product)
        writer.hand_off(wait=True)
    bad = _products(2)
    bad[0].title = 12345  # not a string: the products row group cannot be converted
    for product in bad:
        writer.add(product)
        writer.hand_off(wait=True)
    writer.close()
    assert isinstance(writer.error, pa.ArrowException)
    assert writer.rows_lost["products"] == 2
    assert writer.rows_written["products"] == 4
    assert pq.read_table(tmp_path / "products").num_rows == 4
    assert not list(tmp_path.rglob(".*.tmp"))


def _temp_file(folder: Path, name: str, age: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f".{name}.tmp"
    path.write_bytes(b"PAR1 half a file")
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def test_sweep_removes_only_old_unlocked_temporaries(tmp_path):
    folder = tmp_path / "products" / "crawl_date=2025-05-01"
    dead = _temp_file(folder, part_name("c", "dead", 0), age=60)
    live = _temp_file(folder, part_name("c", "live", 0), age=60)
    fresh = _temp_file(folder, part_name("c", "fresh", 0), age=-60)
    finished = folder / part_name("c", "done", 0)
    finished.write_bytes(b"complete")
    holder = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a live writer holds it
        assert sweep_temporaries(tmp_path, older_than=time.time()) == [dead]
    finally:
        os.close(holder)
    assert not dead.exists() and live.exists() and fresh.exists() and finished.exists()


def test_open_sweeps_and_reports(tmp_path):
    dead = _temp_file(tmp_path / "skus" / "crawl_date=2025-04-30", part_name("old", "w", 3), age=60)
    writer = DatasetWriter(tmp_path, CrawlIdentity(CRAWL, NOW, "w"))
    assert writer.open() == [str(dead)]
    writer.close()


@pytest.mark.parametrize("options", [{"row_group_rows": 1}, {"row_group_rows": 1000}])
def test_nested_columns_round_trip(tmp_path, options):
    items, _ = normalised(fixture_offers(NOW), CRAWL)
    products = [i for i in items if isinstance(i, Product)]
    write_crawl(tmp_path, CRAWL, products, **options)
    table = pq.read_table(tmp_path / "products").sort_by("offer_id")
    detail = next(p for p in products if p.offer_id == 624108453870)
    row = next(r for r in table.to_pylist() if r["offer_id"] == 624108453870)
    assert row["price_ranges"] == [
        {"start_quantity": r.start_quantity, "price": r.price, "promotion_price": r.promotion_price}
        for r in detail.price_ranges
    ]
    assert row["attributes"] == [
        {"name": a.name, "value": a.value, "name_translated": a.name_translated, "value_translated": a.value_translated}
        for a in detail.attributes
    ]
    assert row["image_urls"] == detail.image_urls
    assert row["attribute_ids"] == detail.attribute_ids == [2176, 100000691]
    assert row["certificates"] == [
        {
            "name": "检测报告",
            "code": "CTI-2024-0001",
            "photo_urls": ["https://cbu01.alicdn.com/img/ibank/O1CN01cert.jpg"],
        }
    ]
    assert (row["created_at"], row["modified_at"]) == (detail.created_at, detail.modified_at)
    assert row["tags"] == ["isOnePsale", "noReason7DReturn"]
    skus = pq.read_table(tmp_path / "skus").to_pylist()
    assert sum(len(p.skus) for p in products) == len(skus)
    red = next(s for s in skus if s["sku_id"] == 4871234500001)
    assert red["attributes"][1] == {
        "name": "颜色",
        "value": "红色",
        "image_url": "https://cbu01.alicdn.com/img/ibank/O1CN01red.jpg",
        "name_translated": "Color",
        "value_translated": "red",
    }
    assert red["attribute_ids"] == [450, 3216]
    assert red["attribute_image_urls_translated"] == [None, "https://cbu01.alicdn.com/img/ibank/O1CN01red_en.jpg"]
    assert (red["weight_kg"], red["ai_weight_accuracy_rate"], red["one_piece_price"]) == (0.385, 0.8, Decimal("28.50"))


def test_hand_off_without_waiting_says_when_the_queue_is_full(tmp_path):
    writer = DatasetWriter(tmp_path, CrawlIdentity(CRAWL, NOW, "w"), WriterOptions(row_group_rows=1, queue_size=1))
    for product in _products(2, skus=0):  # the thread is not started: nothing drains the queue
        writer.add(product)
    assert writer.has_ready
    assert writer.hand_off() is False
    assert writer.has_ready  # the second row group waits its turn
    writer.open()
    assert writer.hand_off(wait=True) is True and not writer.has_ready
    writer.close()
    assert writer.rows_written["products"] == 2


def test_a_part_file_that_cannot_start_leaves_nothing_behind(tmp_path):
    with pytest.raises((ValueError, pa.ArrowException)):
        PartFile(tmp_path, "part-x.parquet", TABLES["products"], {"compression": "no-such-codec"})
    assert not list(tmp_path.iterdir())


def test_changes_riding_on_products_and_missing_offers_fill_their_tables(tmp_path):
    product = _products(1)[0]
    product.changes = [Change(1, "price_min", "1", "1.5", NOW, NOW, previous_crawl_id="c0")]
    gone = MissingOffer(
        2, "OFFER_NOT_FOUND: 商品不存在", NOW, "保温杯", changes=[Change(2, "offer", "listed", "missing", NOW, NOW)]
    )
    write_crawl(tmp_path, CRAWL, [product, gone])
    changes = pq.read_table(_parts(tmp_path, "changes")[0]).to_pylist()
    assert [(c["offer_id"], c["field"], c["new_value"], c["crawl_id"]) for c in changes] == [
        (1, "price_min", "1.5", CRAWL),
        (2, "offer", "missing", CRAWL),
    ]
    (missing,) = pq.read_table(_parts(tmp_path, "missing")[0]).to_pylist()
    assert (missing["offer_id"], missing["reason"], missing["query"]) == (2, "OFFER_NOT_FOUND: 商品不存在", "保温杯")


class _FullDisk:
    """A disk of ``capacity`` bytes under ``root``: a write past it fails with ENOSPC, as a full disk's does, and
    deleting a file (the writer aborting one) frees its bytes again. Used space is the files' real sizes."""

    def __init__(self, root: Path, capacity: int) -> None:
        self.root = root
        self.capacity = capacity
        self.refused = 0

    def used(self) -> int:
        return sum(path.stat().st_size for path in self.root.rglob("*") if path.is_file())

    def open(self, fd: int, mode: str = "r", *args, **kwargs):
        disk, real = self, _real_fdopen(fd, mode, *args, **kwargs)

        class File:
            def __getattr__(self, name):
                return getattr(real, name)

            def write(self, data) -> int:
                if disk.used() + len(data) > disk.capacity:
                    disk.refused += 1
                    raise OSError(28, "No space left on device")
                written = real.write(data)
                real.flush()  # sizes on disk are what the next write is judged by
                return written

            def close(self) -> None:
                real.close()

        return File()


_real_fdopen = os.fdopen


def _written_or_lost(writer: DatasetWriter, table: str, rows: int) -> None:
    """Waits for the writer thread to have dealt with ``rows`` rows of ``table``, whatever the machine's load."""
    deadline = time.monotonic() + 120
    while writer.rows_written[table] + writer.rows_lost[table] < rows:
        assert time.monotonic() < deadline, f"the writer thread never dealt with {rows} {table} rows"
        time.sleep(0.01)


def test_a_full_disk_keeps_what_fits_and_counts_the_rest(tmp_path, monkeypatch):
    """The first failed write used to drop every buffered row of every table. Now the failed file is aborted (its
    space freed, no temporary left even when closing it fails too), every later row group is still tried, and
    what could not be written is counted per table."""
    disk = _FullDisk(tmp_path, capacity=0)
    monkeypatch.setattr("harvester.dataset.files.os.fdopen", disk.open)
    failures = []
    writer = DatasetWriter(
        tmp_path,
        CrawlIdentity(CRAWL, NOW, "w"),
        WriterOptions(row_group_rows=50, file_rows=100),
        on_error=failures.append,
    )
    writer.open()
    disk.capacity = 10**9
    products = _products(400, skus=3)
    for product in products[:200]:
        writer.add(product)
        writer.hand_off(wait=True)
    _written_or_lost(writer, "products", 200)
    # The disk fills up: what is on it stays, and then a little room appears (as when a failed file is removed).
    disk.capacity = disk.used()
    for product in products[200:300]:
        writer.add(product)
        writer.hand_off(wait=True)
    _written_or_lost(writer, "products", 300)
    disk.capacity = 10**9
    for product in products[300:]:
        writer.add(product)
    writer.close()

    assert isinstance(writer.error, OSError) and writer.error.errno == 28 and len(failures) == 1
    assert disk.refused > 0
    assert not list(tmp_path.rglob(".*.tmp")), "no temporary file left"
    kept = pq.read_table(tmp_path / "products", columns=["offer_id"]).column("offer_id").to_pylist()
    lost = writer.rows_lost["products"]
    assert lost > 0 and len(kept) == writer.rows_written["products"] == 400 - lost
    assert set(range(301, 401)) <= set(kept), "rows buffered after the failure are written"
    assert writer.rows_written["skus"] + writer.rows_lost["skus"] == 1200
    assert len(set(kept)) == len(kept)
