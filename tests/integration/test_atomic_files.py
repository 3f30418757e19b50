"""Crashes never leave a half-written part file where readers look, and the next writer cleans up after them.

Real processes killed with SIGKILL: the test waits for the child to say
READY (a pipe, no sleeping), kills it, and inspects what is on disk.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from harvester.crawl.identity import CrawlIdentity
from harvester.dataset.writer import DatasetWriter
from tests.support.crawls import PATIENCE

ROOT = Path(__file__).parents[2]


def _start(mode: str, data_dir: Path) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.writer_child", mode, str(data_dir)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "READY"
    return child


def _kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=PATIENCE)
    assert child.returncode == -signal.SIGKILL


def _temporaries(data_dir: Path) -> list[Path]:
    return sorted(data_dir.rglob(".part-*.parquet.tmp"))


def _next_writer_sweeps(data_dir: Path) -> list[Path]:
    writer = DatasetWriter(data_dir, CrawlIdentity("20250502T000000Z-000001", datetime.now(UTC), "next"))
    removed = writer.open()
    writer.close()
    return sorted(map(Path, removed))


def test_killed_while_writing_leaves_only_complete_part_files(tmp_path):
    data_dir = tmp_path / "data"
    _kill(_start("crash", data_dir))
    parts = sorted(data_dir.rglob("part-*.parquet"))
    assert parts, "the child had completed at least one file"
    for part in parts:
        file = pq.ParquetFile(part)  # a footer: the file is complete
        table = file.read()
        assert table.num_rows == file.metadata.num_rows == 200
        first = table.column("offer_id")[0].as_py()
        assert table.column("offer_id").to_pylist() == list(range(first, first + 200))
    ((count,),) = duckdb.sql(f"SELECT count(*) FROM read_parquet('{data_dir}/products/**/*.parquet')").fetchall()
    assert count == 200 * len([p for p in parts if "/products/" in str(p)])
    leftovers = _temporaries(data_dir)
    assert _next_writer_sweeps(data_dir) == leftovers
    assert not _temporaries(data_dir)
    assert sorted(data_dir.rglob("part-*.parquet")) == parts


def test_killed_with_a_file_half_written_leaves_a_temporary_the_next_writer_removes(tmp_path):
    data_dir = tmp_path / "data"
    child = _start("hold", data_dir)
    _kill(child)
    (leftover,) = [p for p in _temporaries(data_dir) if "/products/" in str(p)]
    assert leftover.stat().st_size > 4 and not list(data_dir.rglob("part-*.parquet"))
    assert leftover in _next_writer_sweeps(data_dir)
    assert not _temporaries(data_dir)


def test_a_live_workers_temporary_file_is_never_removed(tmp_path):
    data_dir = tmp_path / "data"
    child = _start("hold", data_dir)
    try:
        live = _temporaries(data_dir)
        assert live and all(p.stat().st_mtime < time.time() for p in live)
        assert _next_writer_sweeps(data_dir) == []
        assert _temporaries(data_dir) == live
        child.stdin.close()  # the live worker finishes its files
        assert child.wait(timeout=PATIENCE) == 0
    finally:
        child.kill()
    assert not _temporaries(data_dir)
    assert pq.read_table(data_dir / "products").num_rows == 50
