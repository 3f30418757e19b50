"""Which crawl this process belongs to: one id and one start date shared by every pipeline.

The crawl id names the dataset files and fills the ``crawl_id`` columns;
the start date (UTC) is the ``crawl_date`` partition, so a whole crawl lands
in one partition even when it runs past midnight. Workers of a distributed
crawl are given the same ``HARVEST_CRAWL_ID``; when it has the generated
form (``20250101T120000Z-1a2b3c``) its timestamp is the start time, so all
workers pick the same partition whenever they start.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime

from scrapy.crawler import Crawler

from .jobdir import jobdir_crawl_id

_ID_FORMAT = "%Y%m%dT%H%M%SZ"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.]+")
_CRAWL_ID = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class CrawlIdentity:
    crawl_id: str
    started_at: datetime
    #: This process's name in file names: several workers write one dataset without colliding.
    worker_id: str

    @property
    def crawl_date(self) -> date:
        return self.started_at.date()


def new_crawl_id(now: datetime | None = None) -> str:
    """``YYYYMMDDTHHMMSSZ-<6 hex>``: sorts by start time, unique without coordination."""
    now = now or datetime.now(UTC)
    return f"{now.strftime(_ID_FORMAT)}-{secrets.token_hex(3)}"


def started_at_of(crawl_id: str) -> datetime | None:
    """The start time a generated crawl id carries, or None for an id chosen by hand."""
    stamp = crawl_id.partition("-")[0]
    if len(stamp) != 16:
        return None
    try:
        return datetime.strptime(stamp, _ID_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def safe_name(text: str) -> str:
    """``text`` reduced to characters that are safe in a file name and keep the name's ``-`` separators meaningful."""
    return _UNSAFE.sub("_", text).strip("_") or "x"


def default_worker_id() -> str:
    return f"{safe_name(socket.gethostname().split('.')[0])}_{os.getpid()}"


_identities: weakref.WeakKeyDictionary[Crawler, CrawlIdentity] = weakref.WeakKeyDictionary()


def crawl_identity(crawler: Crawler) -> CrawlIdentity:
    """The identity of ``crawler``'s crawl, made once (from ``HARVEST_CRAWL_ID``, the JOBDIR's crawl when
    resuming, or fresh; ``HARVEST_WORKER_ID``) and then the same for every component that asks."""
    identity = _identities.get(crawler)
    if identity is None:
        settings = crawler.settings
        now = datetime.now(UTC)
        crawl_id = (
            settings.get("HARVEST_CRAWL_ID")
            or jobdir_crawl_id(settings, lambda: new_crawl_id(now))
            or new_crawl_id(now)
        )
        if not _CRAWL_ID.fullmatch(crawl_id):
            raise ValueError(f"HARVEST_CRAWL_ID may hold only letters, digits, '.', '_' and '-': {crawl_id!r}")
        identity = CrawlIdentity(
            crawl_id=crawl_id,
            started_at=started_at_of(crawl_id) or now,
            worker_id=safe_name(settings.get("HARVEST_WORKER_ID") or default_worker_id()),
        )
        _identities[crawler] = identity
    return identity
