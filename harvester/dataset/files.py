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

On an object store (see :mod:`.storage`) a :class:`SpooledFile` is built the
same way in a local spool folder, under a name of its own, and uploaded whole
when complete; :func:`sweep_spool` removes what dead writers left there by
the same rule.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
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
        #: Where the file appears when committed.
        self.target = str(self.path)
        self._start(folder / f"{TEMP_PREFIX}{name}{TEMP_SUFFIX}", schema, options)

    def _start(self, temp_path: Path, schema: pa.Schema, options: dict[str, Any]) -> None:
        """Create the temporary file, lock it (it is alive while locked) and open a Parquet writer on it."""
        self.temp_path = temp_path
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

    @property
    def size(self) -> int:
        """Bytes written so far (row groups handed to the OS)."""
        return self._file.tell()

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
        try:
            with contextlib.suppress(Exception):  # the writer already failed; its state does not matter any more
                self._writer.close()
            with contextlib.suppress(OSError):  # a full disk fails the flush of what is buffered: nothing to keep
                self._file.close()
        finally:
            self.temp_path.unlink(missing_ok=True)


class SpooledFile(PartFile):
    """A part file for an object store: built in a local spool file, uploaded whole by :meth:`commit`.

    The upload is a single PUT, or a multipart upload that the store completes
    only when its last part is in, so the object appears whole or not at all.
    pyarrow's output streams complete an upload when they are closed, even
    after an error, so the copy runs in pyarrow's C++ (no Python exception can
    stop it half way) and the object's size is checked afterwards: an object
    of the wrong size is deleted and the commit fails. A process killed while
    uploading leaves an unfinished multipart upload, which no listing shows
    (a bucket lifecycle rule removes it), and a spool file, swept by the next
    writer.
    """

    def __init__(
        self, filesystem: pafs.FileSystem, path: str, spool: Path, schema: pa.Schema, options: dict[str, Any]
    ) -> None:
        self.filesystem = filesystem
        self.target = path
        spool.mkdir(parents=True, exist_ok=True)
        name = path.rsplit("/", 1)[-1]
        self._start(spool / f"{TEMP_PREFIX}{uuid.uuid4().hex[:12]}-{name}{TEMP_SUFFIX}", schema, options)

    def commit(self) -> int:
        """Finish the spool file, upload it whole, remove it; returns the object's size in bytes."""
        self._writer.close()
        self._file.flush()
        size = self._file.tell()
        try:
            upload(self.filesystem, self.temp_path, self.target, size)
        finally:
            self._file.close()
            self.temp_path.unlink(missing_ok=True)
        return size


def upload(filesystem: pafs.FileSystem, source: Path, path: str, size: int) -> None:
    """Copy a complete local file to ``path`` as one object; OSError (and no object) unless it arrived whole."""
    try:
        pafs.copy_files(str(source), path, source_filesystem=pafs.LocalFileSystem(), destination_filesystem=filesystem)
        arrived = filesystem.get_file_info(path).size
    except BaseException:
        _discard(filesystem, path, size)
        raise
    if arrived != size:
        _discard(filesystem, path, size)
        raise OSError(f"{path}: {arrived} bytes arrived of {size}; the object was deleted")


def _discard(filesystem: pafs.FileSystem, path: str, size: int) -> None:
    """Delete what a failed upload may have completed (pyarrow completes uploads on close), if not whole."""
    with contextlib.suppress(Exception):
        if filesystem.get_file_info(path).size != size:
            filesystem.delete_file(path)


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
    return [path for path in _temporaries(root) if _remove_if_dead(path, older_than)]


def sweep_spool(spool: Path, older_than: float) -> list[Path]:
    """Remove the spool files of dead writers, by the same rule: several workers may share one spool folder."""
    if not spool.is_dir():
        return []
    found = spool.glob(f"{TEMP_PREFIX}*{PART_SUFFIX}{TEMP_SUFFIX}")
    return [path for path in sorted(found) if _remove_if_dead(path, older_than)]


def _remove_if_dead(path: Path, older_than: float) -> bool:
    try:
        if path.stat().st_mtime >= older_than:
            return False
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        path.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)
