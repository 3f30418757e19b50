"""The harvester's own file in a JOBDIR: which crawl the JOBDIR belongs to, and whether it stopped cleanly.

Scrapy's JOBDIR keeps the scheduler's queue and the dupefilter; this small
file (``harvester-crawl.json``) adds the crawl id (a resumed crawl writes
into the same crawl) and the clean-stop flag that ``harvester.crawl.resume``
reads to decide whether Scrapy's own state can be trusted.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

STATE_FILE = "harvester-crawl.json"


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
    state = load(jobdir)
    if state is None:
        state = JobState(fresh())
        save(jobdir, state)
    return state.crawl_id
