"""``scrapy compact`` as a user runs it: what it prints, what it changes, its exit statuses."""

from __future__ import annotations

import pyarrow.dataset as ds

from tests.builders import COMPACT_CRAWL, two_workers_dataset

from .commands import environment, last_line, scrapy


def _count(root, table):
    return ds.dataset(root / table, format="parquet", partitioning="hive").count_rows()


def test_dry_run_then_compact_then_nothing_left_to_do(tmp_path):
    root = two_workers_dataset(tmp_path / "data")
    env = environment(tmp_path)
    names = sorted(p.name for p in root.rglob("*.parquet"))

    dry = scrapy("compact", "--data", str(root), "--table", "products", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        f"would merge products/crawl_date=2026-11-28 crawl {COMPACT_CRAWL}: 8 files -> 1, 40 rows -> 30 "
        "(10 duplicates dropped)",
        "1 group(s): 8 files would leave 1, 10 duplicate rows dropped",
    ]
    assert sorted(p.name for p in root.rglob("*.parquet")) == names

    done = scrapy("compact", "-s", f"HARVEST_DATA_DIR={root}", "--crawl-id", COMPACT_CRAWL, env=env)
    assert done.returncode == 0, done.stderr
    assert f"merged skus/crawl_date=2026-11-28 crawl {COMPACT_CRAWL}:" in done.stdout
    assert _count(root, "products") == 35 and _count(root, "missing") == 30

    again = scrapy("compact", "--data", str(root), env=env)
    assert again.returncode == 0, again.stderr
    assert "products" not in again.stdout  # the other crawl's single products file is left alone
    assert last_line(again.stdout).startswith("1 group(s)")  # the other crawl's skus, asked for this time


def test_a_missing_dataset_is_a_usage_error(tmp_path):
    nowhere = tmp_path / "nowhere"
    done = scrapy("compact", "--data", str(nowhere), env=environment(tmp_path))
    assert done.returncode == 2
    assert last_line(done.stderr) == f"harvester: no dataset at {nowhere}: give --data DIR or set HARVEST_DATA_DIR"
