"""The harvester's own files in a JOBDIR: which crawl the JOBDIR belongs to, whether it stopped cleanly, who holds it.

Scrapy's JOBDIR keeps the scheduler's queue and the dupefilter; this small
file (``harvester-crawl.json``) adds the crawl id (a resumed crawl writes
into the same crawl) and the clean-stop flag that ``harvester.crawl.resume``
reads to decide whether Scrapy's own state can be trusted.

Two crawls on one JOBDIR corrupt its queue and leave it marked clean with
the wrong state, so a crawl holds an exclusive ``flock`` on
``harvester.lock`` in it for its whole life (:func:`claim`, taken by
``scrapy crawl`` before anything else); the kernel releases it however the
process ends, ``kill -9`` included, so a stale lock never blocks a resume.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

from ..exceptions import ConfigurationError

STATE_FILE = "harvester-crawl.json"
LOCK_FILE = "harvester.lock"
#: JOBDIRs this process holds (resolved path -> the locked descriptor, open until the process ends).
_held: dict[str, int] = {}


class JobdirBusy(ConfigurationError):
    """Another crawl holds the JOBDIR."""


def claim(jobdir: str) -> None:
    """Hold ``jobdir`` for this process's life, or raise :class:`JobdirBusy` (one line) when another crawl does.

    Idempotent within a process. Nothing in the JOBDIR is written before the lock is held, so a refused crawl
    leaves the other crawl's state as it was.
    """
    folder = Path(jobdir).expanduser().resolve()
    if str(folder) in _held:
        return
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        raise JobdirBusy(
            f"JOBDIR={jobdir} is in use by another crawl{f' (process {holder})' if holder.isdigit() else ''}: "
            "wait for it to end, or give this crawl a JOBDIR of its own"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    _held[str(folder)] = fd


@dataclass
class JobState:
    crawl_id: str
    #: False from the start of a run until it stops cleanly.
    clean: bool = False


def _path(jobdir: str) -> Path:
    return Path(jobdir) / STATE_FILE


def load(jobdir: str) -> JobState | None:
    try:
        return JobState(**json.loads(_path(jobdir).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None


def save(jobdir: str, state: JobState) -> None:
    path = _path(jobdir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{STATE_FILE}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(state), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def jobdir_crawl_id(settings: BaseSettings, fresh: Callable[[], str]) -> str | None:
    """The crawl id of the JOBDIR's crawl (made and recorded on its first run); None without a JOBDIR."""
    jobdir = settings.get("JOBDIR")
    if not jobdir:
        return None
    claim(jobdir)
    state = load(jobdir)
    if state is None:
        state = JobState(fresh())
        save(jobdir, state)
    return state.crawl_id
