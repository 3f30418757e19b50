"""Whole crawls (``scrapy runspider`` in a subprocess, no network): the pipelines together and the feed exporter.

However a crawl ends (finished, a fatal CloseSpider, Ctrl-C), the dataset it
leaves holds complete files only, one products row and one listings row per offer.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.support.crawls import PATIENCE

ROOT = Path(__file__).parents[2]
SPIDER = "tests/integration/fixture_spider.py"
CRAWL_ID = "20250501T080000Z-c0ffee"
#: The rows of each table once every item the fixture spider yields (keywords 保温杯 and 水杯) is written.
ROWS_OF_EVERY_ITEM = {"listings": 5, "products": 3, "rejects": 8, "search_hits": 24, "sellers": 1, "skus": 6}


def _command(data_dir: Path, *args: str) -> list[str]:
    return [
        sys.executable, "-m", "scrapy", "runspider", SPIDER,
        "-s", f"HARVEST_DATA_DIR={data_dir}",
        "-s", f"HARVEST_CRAWL_ID={CRAWL_ID}",
        "-s", "HARVEST_ROW_GROUP_ROWS=3",
        "-s", "SPIDER_LOADER_WARN_ONLY=True",
        "-s", "STATS_DUMP=True",
        *args,
    ]  # fmt: skip


def _crawl(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(_command(data_dir, *args), cwd=ROOT, capture_output=True, text=True, timeout=PATIENCE)


def _stat(log: str, name: str) -> object:
    """A value from Scrapy's stats dump at the end of the log."""
    for line in log.splitlines():
        if line.strip().startswith(f"'{name}':"):
            return json.loads(line.split(":", 1)[1].strip().rstrip(",").replace("'", '"'))
    return None


def _complete_dataset(data_dir: Path) -> dict[str, int]:
    assert not list(data_dir.rglob(".*.tmp")), "temporary files left behind"
    rows = {}
    for table in sorted(p.name for p in data_dir.iterdir() if not p.name.startswith("_")):  # _reports: crawl reports
        files = list((data_dir / table).glob("crawl_date=2025-05-01/part-*.parquet"))
        assert files and all(CRAWL_ID in f.name for f in files)
        rows[table] = sum(pq.read_table(f).num_rows for f in files)
    return rows


@pytest.mark.parametrize(
    "sizes",
    [[], ["-s", "HARVEST_ROW_GROUP_ROWS=1", "-s", "HARVEST_FILE_ROWS=2", "-s", "HARVEST_WRITE_QUEUE=1"]],
    ids=["default", "items-wait-for-the-writer"],
)
def test_a_crawl_writes_one_products_row_and_one_listing_per_offer_and_every_search_hit(tmp_path, sizes):
    done = _crawl(tmp_path / "data", "-a", "keywords=保温杯,水杯", "-O", str(tmp_path / "products.parquet"), *sizes)
    assert done.returncode == 0, done.stderr
    assert _complete_dataset(tmp_path / "data") == ROWS_OF_EVERY_ITEM
    products = pq.read_table(tmp_path / "data" / "products").to_pylist()
    assert {p["query"] for p in products if p["offer_id"] == 624108453870} == {"保温杯"}
    assert _stat(done.stderr, "harvester/dedupe/dropped/offer") == 3
    assert _stat(done.stderr, "harvester/dedupe/dropped/listing") == 5
    assert _stat(done.stderr, "harvester/dataset/rows/products") == 3
    assert _stat(done.stderr, "harvester/dataset/rows/listings") == 5
    assert _stat(done.stderr, "finish_reason") == "finished"
    feed = pq.read_table(tmp_path / "products.parquet")
    assert sorted(feed.column("offer_id").to_pylist()) == sorted(p["offer_id"] for p in products)


def test_appending_to_an_existing_parquet_feed_is_refused_and_leaves_it_untouched(tmp_path):
    existing = tmp_path / "products.parquet"
    first = _crawl(tmp_path / "data1", "-O", str(existing))
    assert first.returncode == 0, first.stderr
    before = existing.read_bytes()
    second = _crawl(tmp_path / "data2", "-o", str(existing))
    assert existing.read_bytes() == before
    assert (
        f"Refusing to append to the existing Parquet file {existing}: a Parquet file cannot be appended to; "
        "use -O to overwrite it, or write to a new file"
    ) in second.stderr
    assert _stat(second.stderr, "finish_reason") == "parquet_append_refused"


def test_a_fatal_error_still_completes_the_files(tmp_path):
    done = _crawl(tmp_path / "data", "-a", "ending=fatal")
    assert _stat(done.stderr, "finish_reason") == "fatal_test_error"
    assert _complete_dataset(tmp_path / "data")["products"] == 3


def test_ctrl_c_completes_the_files(tmp_path):
    process = subprocess.Popen(
        _command(tmp_path / "data", "-a", "ending=hang"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "READY"  # every item went through the pipelines
        process.send_signal(signal.SIGINT)
        _, log = process.communicate(timeout=PATIENCE)
    finally:
        process.kill()
    assert _stat(log, "finish_reason") == "shutdown"
    assert _complete_dataset(tmp_path / "data") == ROWS_OF_EVERY_ITEM


def test_a_write_error_stops_the_crawl(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "search_hits").write_text("a file where the table's folder should be")
    done = _crawl(data_dir, "-a", "ending=hang")  # only the write error can end this crawl
    assert _stat(done.stderr, "finish_reason") == "dataset_write_failed"
    assert "Writing the search_hits table failed" in done.stderr
    assert _stat(done.stderr, "harvester/dataset/lost_rows/search_hits") >= 3
    # Whatever was written before the error is there as complete files; nothing half-written is left.
    for part in data_dir.rglob("part-*.parquet"):
        pq.read_table(part)
    assert not list(data_dir.rglob(".*.tmp"))


@pytest.mark.parametrize(
    "setting", ["HARVEST_CRAWL_ID=../x", "HARVEST_ROW_GROUP_ROWS=0", "HARVEST_PARQUET_COMPRESSION=lzo"]
)
def test_bad_settings_stop_the_crawl_before_it_starts(tmp_path, setting):
    done = _crawl(tmp_path / "data", "-s", setting)
    assert done.returncode != 0
    assert not (tmp_path / "data").exists()
