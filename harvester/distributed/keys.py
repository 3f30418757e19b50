"""Where one distributed crawl keeps its shared state in Redis.

Every key is ``{HARVEST_REDIS_PREFIX}:{crawl_id}:{spider}:{what}``: workers
of one crawl (same ``HARVEST_CRAWL_ID``) and spider share them, another
crawl or prefix never sees them. The seen-sets live beside them under
``{prefix}:{crawl_id}:seen:{name}`` (``harvester.distributed.seen``). Work
also arrives on scrapy-redis's start key, outside the prefix
(``harvester.distributed.start_urls``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..exceptions import ConfigurationError
from . import connection
from .start_urls import start_key

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


@dataclass(frozen=True)
class CrawlKeys:
    base: str
    #: scrapy-redis's start key (``REDIS_START_URLS_KEY``), where users push units by hand; None: none is read.
    start: str | None = None

    @classmethod
    def from_settings(cls, settings: BaseSettings, spider: str) -> CrawlKeys:
        return cls(connection.key(settings, shared_crawl_id(settings), spider), start_key(settings, spider))

    #: Units waiting for a worker: JSON payloads, a list (``scrapy enqueue`` appends, workers pop the head).
    @property
    def units(self) -> str:
        return f"{self.base}:units"

    #: Units a worker took and has not yet turned into queued requests: ``id\npayload`` -> deadline (ms).
    @property
    def unit_leases(self) -> str:
        return f"{self.base}:units:leases"

    #: Requests waiting: request id -> score (-priority; ties in id order, i.e. first in, first out).
    @property
    def queue(self) -> str:
        return f"{self.base}:queue"

    #: Request id -> the serialised request, while the request is queued or leased.
    @property
    def requests(self) -> str:
        return f"{self.base}:requests"

    #: Request id -> its queue score, to put an expired lease back where it was.
    @property
    def scores(self) -> str:
        return f"{self.base}:scores"

    #: Requests a worker took: request id -> lease deadline (ms, Redis server time).
    @property
    def leases(self) -> str:
        return f"{self.base}:leases"

    #: Counter that numbers requests and units.
    @property
    def sequence(self) -> str:
        return f"{self.base}:seq"

    #: Fingerprints of every request scheduled in this crawl (the dupefilter).
    @property
    def dupefilter(self) -> str:
        return f"{self.base}:dupefilter"

    #: Live workers: worker id -> heartbeat deadline (ms).
    @property
    def workers(self) -> str:
        return f"{self.base}:workers"

    #: Offers each worker has kept so far (worker id -> count), updated with its heartbeat: for operators and tests.
    @property
    def progress(self) -> str:
        return f"{self.base}:progress"

    #: Workers that found the crawl done and are closing (their files being committed).
    @property
    def closing(self) -> str:
        return f"{self.base}:closing"


def shared_crawl_id(settings: BaseSettings) -> str:
    """The crawl id every worker was given; a distributed crawl cannot work on ids each worker makes up."""
    crawl_id = settings.get("HARVEST_CRAWL_ID")
    if not crawl_id:
        raise ConfigurationError(
            "a distributed crawl needs HARVEST_CRAWL_ID, the same for every worker and for `scrapy enqueue` "
            "(e.g. -s HARVEST_CRAWL_ID=20260101T120000Z-kites)"
        )
    return str(crawl_id)
