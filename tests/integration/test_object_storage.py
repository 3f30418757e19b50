"""The dataset on object storage, against a real S3-compatible server process (moto's server mode on loopback).

Each test has a bucket of its own. What is checked is what a user of a
bucket relies on: part files appear whole or not at all (a writer killed
while uploading leaves nothing a reader picks up), what the harvester's own
readers (snapshots, the monitor's previous crawl, compaction) read from the
bucket is exactly what was written, and a bad ``HARVEST_DATA_DIR`` is
refused with one line before anything is spent.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from harvester.checks import doctor
from harvester.crawl.identity import CrawlIdentity
from harvester.dataset import compact as compaction
from harvester.dataset.compact import CompactBusy, compact
from harvester.dataset.files import SpooledFile
from harvester.dataset.snapshot import latest_crawl_id, latest_snapshot
from harvester.dataset.storage import Storage, StorageError, resolve
from harvester.dataset.writer import DatasetWriter, WriterOptions
from harvester.history.previous import PreviousSnapshot
from tests.builders import COMPACT_CRAWL, many_products, two_workers_dataset, write_crawl
from tests.support.s3_server import S3Server

from .writer_child import product

pytestmark = pytest.mark.s3

ROOT = Path(__file__).parents[2]
CRAWL = "20250501T080000Z-5300aa"
OLD = "20250401T000000Z-5300bb"


@pytest.fixture
def storage(s3_server: S3Server, s3_bucket: str, tmp_path: Path) -> Storage:
    return resolve(f"s3://{s3_bucket}/datasets/1688", s3_server.env(), spool=tmp_path / "spool")


def objects(storage: Storage) -> list[str]:
    """Every object under the dataset root, relative to it (folders left out)."""
    infos = storage.filesystem.get_file_info(pafs.FileSelector(storage.root, recursive=True, allow_not_found=True))
    return sorted(info.path[len(storage.root) + 1 :] for info in infos if info.type == pafs.FileType.File)


def sorted_rows(table) -> list[dict]:
    return sorted(table.to_pylist(), key=repr)


def test_part_files_appear_whole_and_read_back_exactly(storage: Storage, tmp_path: Path) -> None:
    items = many_products(range(30))
    write_crawl(storage, CRAWL, items, row_group_rows=4, file_rows=8)
    local = tmp_path / "local"
    write_crawl(local, CRAWL, many_products(range(30)), row_group_rows=4, file_rows=8)

    names = objects(storage)
    assert names == sorted(str(p.relative_to(local)) for p in local.rglob("*.parquet")), "the same files"
    for name in names:
        assert name.rsplit("/", 1)[-1].startswith("part-"), "nothing but complete part files"
        metadata = pq.read_metadata(storage.path(name), filesystem=storage.filesystem)  # a footer: whole
        assert metadata.num_rows > 0
    on_bucket = latest_snapshot(storage, ("products", "skus", "sellers"))
    on_disk = latest_snapshot(local, ("products", "skus", "sellers"))
    for table in on_bucket:
        assert on_bucket[table].schema == on_disk[table].schema
        assert sorted_rows(on_bucket[table]) == sorted_rows(on_disk[table]), table  # decimals exact
    assert on_bucket["products"].num_rows == 30
    assert list((tmp_path / "spool").iterdir()) == [], "every spool file removed once uploaded"


def test_on_object_storage_a_part_file_is_also_rolled_by_its_spool_size(storage: Storage, tmp_path: Path) -> None:
    options = WriterOptions(row_group_rows=5, file_rows=1_000_000, spool_file_bytes=1)
    writer = DatasetWriter(storage, CrawlIdentity(CRAWL, datetime(2025, 5, 1, 8, tzinfo=UTC), "w"), options)
    writer.open()
    for n in range(20):
        writer.add(product(n))
    writer.close()
    assert writer.error is None
    assert writer.files_written["products"] == 4, "one file per row group: the spool never held more"
    local = DatasetWriter(tmp_path / "local", CrawlIdentity(CRAWL, datetime(2025, 5, 1, 8, tzinfo=UTC), "w"), options)
    local.open()
    for n in range(20):
        local.add(product(n))
    local.close()
    assert local.files_written["products"] == 1, "a local dataset rolls by rows only, as before"


class HoldingProxy:
    """A TCP relay to the S3 server that holds every connection once a multipart part starts going up."""

    def __init__(self, port: int) -> None:
        self.upstream = port
        self.holding = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            threading.Thread(target=self._relay, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._relay, args=(server, client, False), daemon=True).start()

    def _relay(self, source: socket.socket, target: socket.socket, upward: bool) -> None:
        try:
            while data := source.recv(65536):
                if upward and b"partNumber=" in data:
                    self.holding.set()
                if self.holding.is_set():
                    continue  # swallowed: the upload hangs, as on a link that went quiet
                target.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()


def test_a_writer_killed_mid_upload_leaves_nothing_readers_pick_up(
    s3_server: S3Server, s3_bucket: str, storage: Storage, tmp_path: Path
) -> None:
    proxy = HoldingProxy(s3_server.port)
    env = {**s3_server.env(), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{proxy.port}"}
    spool = tmp_path / "spool"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.s3_writer_child", storage.uri, str(spool)],
        cwd=ROOT,
        env={**_base_env(), **env},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while not proxy.holding.wait(0.05):  # waiting on a condition: a part on its way up
            assert child.poll() is None, f"the writer exited ({child.returncode}): {child.stderr.read()[-2000:]}"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.kill()
        proxy.close()

    client = boto3.client(
        "s3", endpoint_url=s3_server.endpoint, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    )
    uploads = client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", [])
    assert [u["Key"].rsplit("/", 2)[-2:] for u in uploads] == [
        ["crawl_date=2025-05-01", "part-20250501T080000Z-dead01-dying-00000.parquet"]
    ], "killed while uploading"
    assert objects(storage) == [], "no object appeared"
    assert latest_crawl_id(storage) is None
    assert latest_snapshot(storage, ("products",), crawl_id="20250501T080000Z-dead01")["products"].num_rows == 0
    assert ds.dataset(s3_bucket, filesystem=storage.filesystem, format="parquet").count_rows() == 0
    (leftover,) = spool.iterdir()

    nxt = DatasetWriter(storage, CrawlIdentity(CRAWL, datetime(2025, 5, 1, 8, tzinfo=UTC), "next"))
    assert nxt.open() == [str(leftover)], "the next writer on this machine sweeps the dead one's spool file"
    nxt.add(product(7))
    nxt.close()
    assert list(spool.iterdir()) == []
    assert latest_snapshot(storage, ("products",))["products"].column("offer_id").to_pylist() == [7]


def _base_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "OPEN1688_", "HARVEST_"))}


# --- compaction on the bucket ------------------------------------------------------------------------------


OPTIONS = WriterOptions(row_group_rows=4, file_rows=8)


def _distinct(storage: Storage, table: str, crawl_id: str = COMPACT_CRAWL) -> list[str]:
    return sorted(repr(row) for row in latest_snapshot(storage, (table,), crawl_id=crawl_id)[table].to_pylist())


def _glob_rows(storage: Storage, table: str) -> int:
    """Rows as a reader listing the bucket itself sees them (every part file, no lineage)."""
    return ds.dataset(
        storage.path(table), filesystem=storage.filesystem, format="parquet", partitioning="hive"
    ).count_rows()


def test_compaction_on_the_bucket_drops_duplicates_and_keeps_the_rest(storage: Storage) -> None:
    two_workers_dataset(storage)
    before = {table: sorted(set(_distinct(storage, table))) for table in ("products", "skus", "missing")}
    assert _glob_rows(storage, "products") == 40 + 5
    report = compact(storage, OPTIONS)
    for table, rows in before.items():
        assert _distinct(storage, table) == rows, table
    assert _glob_rows(storage, "products") == 30 + 5, "the originals are gone: a glob sees each row once"
    merged = {(m.group.table, m.group.crawl_id): m for m in report.merged}
    assert merged["products", COMPACT_CRAWL].duplicates == 10
    assert not any(name.endswith(compaction.LOCK_FILE) for name in objects(storage)), "the lock object is removed"
    assert compact(storage, OPTIONS).merged == [], "nothing left to merge"


def test_a_compact_dying_between_uploads_hides_its_files_and_the_next_one_undoes_them(
    storage: Storage, monkeypatch
) -> None:
    two_workers_dataset(storage)
    before = _distinct(storage, "products")
    real_commit, uploaded = SpooledFile.commit, []

    def dies_after_the_first_upload(self):
        if uploaded:
            raise KeyboardInterrupt  # the process is being killed
        uploaded.append(real_commit(self))
        return uploaded[-1]

    monkeypatch.setattr(SpooledFile, "commit", dies_after_the_first_upload)
    monkeypatch.setattr(compaction._Outputs, "abort", lambda self: None)  # a killed process cleans nothing up
    with pytest.raises(KeyboardInterrupt):
        compact(storage, OPTIONS, tables=["products"])
    monkeypatch.undo()
    compacted = [name for name in objects(storage) if "compacted_" in name]
    assert len(compacted) == 1
    assert _distinct(storage, "products") == before, "the lone new object is skipped, its sources read"
    report = compact(storage, OPTIONS, tables=["products"])
    assert storage.path(compacted[0]) in report.repaired
    assert len(_distinct(storage, "products")) == 30 and _glob_rows(storage, "products") == 30 + 5


def test_a_compact_refuses_to_start_beside_another_ones_lock_object(storage: Storage) -> None:
    two_workers_dataset(storage)
    storage.write_whole(storage.path(compaction.LOCK_FILE), b'{"host": "elsewhere", "pid": 42, "started": "then"}')
    with pytest.raises(CompactBusy, match=r"started then by elsewhere \(pid 42\).*delete s3://.*/\.compact\.lock"):
        compact(storage, OPTIONS)
    assert _glob_rows(storage, "products") == 40 + 5, "nothing touched"


# --- readers: the monitor's previous snapshot ----------------------------------------------------------------


def test_the_previous_snapshot_is_read_from_the_bucket(storage: Storage) -> None:
    write_crawl(storage, OLD, many_products(range(5), OLD))
    write_crawl(storage, CRAWL, many_products(range(3), CRAWL))
    assert latest_crawl_id(storage) == CRAWL
    previous = PreviousSnapshot.load(storage, excluding=CRAWL)
    assert previous is not None and previous.crawl_id == OLD and len(previous) == 5
    state, _ = previous.state(2)
    (expected,) = [p for p in many_products(range(2, 3), OLD)]
    assert (state.price_min, state.price_max) == (expected.price_min, expected.price_max)


# --- HARVEST_DATA_DIR checked before anything is spent -------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("foo://bucket/data", "unknown scheme foo://"),
        ("s3://AKIAEXAMPLE:wJalrEXAMPLE@bucket/data", "carries credentials in its URI"),
        ("s3://bucket/data?secret_key=wJalrEXAMPLE", "carries credentials in its URI"),
        ("s3://bucket/data?region=us-east-1", "has ?options"),
        ("s3:///data", "names no bucket"),
    ],
)
def test_bad_uris_are_refused_before_any_call(uri: str, message: str) -> None:
    with pytest.raises(StorageError, match=message.replace("?", r"\?")):
        resolve(uri, {})


def test_half_a_key_pair_is_refused() -> None:
    with pytest.raises(StorageError, match="AWS_SECRET_ACCESS_KEY is not set while its pair is"):
        resolve("s3://bucket/data", {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"})


def test_doctor_says_the_bucket_is_writable_or_what_to_fix(s3_server: S3Server, s3_bucket: str, tmp_path: Path) -> None:
    env = {**s3_server.env(), "HARVEST_SPOOL_DIR": str(tmp_path / "spool")}
    good = doctor.data_dir(f"s3://{s3_bucket}/data", env)
    assert good.status is doctor.Status.OK, good.message
    assert good.message == (
        f"s3://{s3_bucket}/data is writable (a test object written and deleted); part files "
        f"are built in {tmp_path / 'spool'}"
    )
    left = s3_server.filesystem().get_file_info(pafs.FileSelector(s3_bucket, recursive=True))
    assert [info.path for info in left if info.type == pafs.FileType.File] == [], "the test object is gone"
    missing = doctor.data_dir("s3://no-such-bucket-here/data", env)
    assert missing.status is doctor.Status.FAIL
    assert missing.message.startswith("HARVEST_DATA_DIR=s3://no-such-bucket-here/data is not writable (")
    assert missing.message.endswith("create the bucket, or fix its name in HARVEST_DATA_DIR")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    down = doctor.data_dir(f"s3://{s3_bucket}/data", {**env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed}"})
    assert down.status is doctor.Status.FAIL and down.message.endswith(
        "check AWS_ENDPOINT_URL (is the server up and reachable?)"
    ), down.message
