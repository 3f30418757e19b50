"""Part files that appear whole or not at all, and the sweeping of what a crash left.

A part file is written under a hidden temporary name in its final folder
(``.part-….parquet.tmp``: readers skip names starting with a dot), fsynced,
and renamed to ``part-….parquet`` when complete; the folder is fsynced too
so the rename survives a power cut. A reader, or a crash at any instant,
therefore never meets a half-written ``part-*.parquet``.

While a temporary file is being written its writer holds an exclusive
``flock`` on it; the kernel drops the lock when the process dies, however it
dies. :func:`sweep_temporaries` removes only temporary files that are both
older than the sweeping writer and unlocked, so it never touches a live
worker's file, even one started on the same dataset a moment earlier. (On
network filesystems without working ``flock`` the age rule alone remains:
give each host its own dataset folder, or sweep only when no worker runs.)
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

TEMP_PREFIX = "."
TEMP_SUFFIX = ".tmp"
PART_PREFIX = "part-"
PART_SUFFIX = ".parquet"


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class PartFile:
    """One Parquet file being written: row groups go in, ``commit`` makes it visible."""

    def __init__(self, folder: Path, name: str, schema: pa.Schema, options: dict[str, Any]) -> None:
        self.folder = folder
        self.path = folder / name
        self.temp_path = folder / f"{TEMP_PREFIX}{name}{TEMP_SUFFIX}"
        fd = os.open(self.temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        self._file = os.fdopen(fd, "wb")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._writer = pq.ParquetWriter(self._file, schema, **options)
        except BaseException:
            self._file.close()
            self.temp_path.unlink(missing_ok=True)
            raise
        self.rows = 0

    def write(self, batch: pa.RecordBatch) -> None:
        self._writer.write_batch(batch, row_group_size=batch.num_rows)
        # Hand each row group to the OS: the temporary file's size then shows the progress of the part.
        self._file.flush()
        self.rows += batch.num_rows

    def add_metadata(self, metadata: dict[bytes, bytes]) -> None:
        """Key-value pairs for the file's footer (written by :meth:`commit`)."""
        self._writer.add_key_value_metadata(metadata)

    def commit(self) -> int:
        """Finish the file, make it durable, give it its final name; returns its size in bytes."""
        self._writer.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        size = self._file.tell()
        os.rename(self.temp_path, self.path)
        self._file.close()
        fsync_dir(self.folder)
        return size

    def abort(self) -> None:
        """Give up a file that cannot be completed: it never becomes a part file."""
        with contextlib.suppress(Exception):  # the writer already failed; its state does not matter any more
            self._writer.close()
        self._file.close()
        self.temp_path.unlink(missing_ok=True)


def part_name(crawl_id: str, worker_id: str, seq: int) -> str:
    return f"{PART_PREFIX}{crawl_id}-{worker_id}-{seq:05d}{PART_SUFFIX}"


def crawl_id_of(part: str) -> str | None:
    """The crawl id a part file's name carries (``part-{crawl_id}-{worker}-{seq}.parquet``)."""
    if not (part.startswith(PART_PREFIX) and part.endswith(PART_SUFFIX)):
        return None
    pieces = part[len(PART_PREFIX) : -len(PART_SUFFIX)].rsplit("-", 2)
    return pieces[0] if len(pieces) == 3 else None


def free_part_name(folder: Path, crawl_id: str, worker_id: str, seq: int) -> tuple[str, int]:
    """The first part name from ``seq`` on that is not taken, finished or in progress.

    A worker restarted under the same crawl and worker ids would otherwise
    rename over the files of its previous run.
    """
    while True:
        name = part_name(crawl_id, worker_id, seq)
        if not (folder / name).exists() and not (folder / f"{TEMP_PREFIX}{name}{TEMP_SUFFIX}").exists():
            return name, seq
        seq += 1


def _temporaries(root: Path) -> Iterator[Path]:
    for table in root.iterdir() if root.is_dir() else ():
        if not table.is_dir():
            continue
        for partition in table.iterdir():
            if partition.is_dir():
                yield from partition.glob(f"{TEMP_PREFIX}{PART_PREFIX}*{PART_SUFFIX}{TEMP_SUFFIX}")


def sweep_temporaries(root: Path, older_than: float) -> list[Path]:
    """Remove temporary part files left by dead writers (older than ``older_than``, a POSIX time, and unlocked)."""
    removed = []
    for path in _temporaries(root):
        try:
            if path.stat().st_mtime >= older_than:
                continue
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue
        else:
            path.unlink(missing_ok=True)
            removed.append(path)
        finally:
            os.close(fd)
    return removed
