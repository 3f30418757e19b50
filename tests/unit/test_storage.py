"""``HARVEST_DATA_DIR`` resolved: folders stay folders, URIs go to their filesystem, bad ones are refused.

The S3 side against a real server is in ``tests/integration/test_object_storage.py``; here, what is decided
before any call, and a whole write-and-read cycle on another filesystem pyarrow resolves (its in-memory
``mock://``), which takes the spool-and-upload path as any object store does.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.fs as pafs
import pytest

from harvester.crawl.identity import CrawlIdentity
from harvester.dataset.snapshot import latest_crawl_id, latest_snapshot
from harvester.dataset.storage import StorageError, resolve
from harvester.dataset.writer import DatasetWriter, WriterOptions
from tests.builders import many_products, write_crawl

CRAWL = "20250501T080000Z-5700aa"


def test_a_folder_stays_a_local_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for given in ("data", "./data", str(tmp_path / "data"), f"file://{tmp_path / 'data'}"):
        storage = resolve(given)
        assert storage.local and storage.spool is None
        assert storage.root == str(tmp_path / "data")
        assert isinstance(storage.filesystem, pafs.LocalFileSystem)
    assert resolve("~/data").root == str(Path.home() / "data")


@pytest.mark.parametrize("given", ["s3:/harvest/datasets", "s3:harvest", "gs:bucket/x"])
def test_a_uri_missing_a_slash_is_refused_rather_than_made_a_folder(tmp_path, monkeypatch, given):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StorageError, match=r"neither a URI nor a plain folder: write \w+://bucket/prefix"):
        resolve(given)
    assert list(tmp_path.iterdir()) == []


def test_s3_takes_its_endpoint_and_region_from_the_aws_variables_not_the_uri(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    given = {"AWS_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "example-key", "AWS_SECRET_ACCESS_KEY": "example"}
    storage = resolve("s3://harvest/datasets/1688/", given, spool="/tmp/spool-x")
    assert (storage.root, storage.spool, storage.local) == ("harvest/datasets/1688", Path("/tmp/spool-x"), False)
    assert storage.filesystem.region == "eu-central-1"
    assert storage.show(storage.path("products")) == "s3://harvest/datasets/1688/products"
    with pytest.raises(StorageError, match="AWS_ENDPOINT_URL=ftp://x is not an endpoint"):
        resolve("s3://harvest/x", {"AWS_ENDPOINT_URL": "ftp://x"})


def test_another_filesystem_pyarrow_resolves_gets_whole_files_through_the_spool(tmp_path):
    storage = resolve("mock:///datasets/1688", spool=tmp_path / "spool")
    assert not storage.local and storage.spool == tmp_path / "spool"
    write_crawl(storage, CRAWL, many_products(range(12)), row_group_rows=4, file_rows=8)
    assert latest_crawl_id(storage) == CRAWL
    assert sorted(latest_snapshot(storage, ("products",))["products"].column("offer_id").to_pylist()) == list(range(12))
    assert list((tmp_path / "spool").iterdir()) == []


def test_a_dead_writers_spool_file_is_swept_and_a_live_ones_kept(tmp_path):
    storage = resolve("mock:///data", spool=tmp_path / "spool")
    started = datetime(2025, 5, 1, 8, tzinfo=UTC)
    live = DatasetWriter(storage, CrawlIdentity(CRAWL, started, "live"), WriterOptions(row_group_rows=3))
    live.open()
    for product in many_products(range(3)):
        live.add(product)
    live.hand_off(wait=True)
    deadline = time.monotonic() + 60
    while not any(path.stat().st_size > 4 for path in (tmp_path / "spool").glob(".*-live-*.tmp")):
        assert time.monotonic() < deadline, "the row group never reached the spool file"  # a condition, polled
    dead = tmp_path / "spool" / ".0123456789ab-part-x-dead-00000.parquet.tmp"
    dead.write_bytes(b"PAR1")
    os.utime(dead, (0, 0))  # older than the next writer, and no process holds its lock
    other = DatasetWriter(storage, CrawlIdentity(CRAWL, started, "next"))
    assert other.open() == [str(dead)], "the live writer's spool files are locked: kept"
    other.close()
    live.close()
    assert latest_snapshot(storage, ("products",))["products"].num_rows == 3
