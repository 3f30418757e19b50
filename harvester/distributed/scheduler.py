"""scrapy-redis's scheduler on a leased queue: requests shared by every worker, none lost with a worker.

``LeasedScheduler`` keeps scrapy-redis's scheduler and its setting names
(``SCHEDULER_PERSIST``, ``SCHEDULER_SERIALIZER``) but replaces what 0.9.1
gets wrong for a harvest that must not lose work:

- its queues pop for good; here a pop is a lease (``harvester.distributed.queue``)
  kept alive and acked by a ``LeaseKeeper``, so the requests of a killed
  worker come back;
- ``SCHEDULER_PERSIST=False`` would let the first worker to finish wipe the
  queue the others still use: the queue belongs to the crawl, so this
  scheduler never clears it (the add-on also sets ``SCHEDULER_PERSIST=True``);
- its dupefilter ignores ``REQUEST_FINGERPRINTER_CLASS``: here the crawl's
  fingerprinter decides, and the filter and the push are one Lua script;
- a worker pops whenever its downloader has room (``CONCURRENT_REQUESTS``),
  where paced calls then wait for the quota: the first worker up would hoard
  the queue. Here a worker takes a request only while fewer than
  ``HARVEST_REDIS_PREFETCH`` of its own are in progress.

``enqueue_request``, ``next_request`` and ``has_pending_requests`` are
synchronous because Scrapy calls them so: each is one non-blocking round
trip (a Lua script or ZCARD; never BRPOP), the reactor's only wait on Redis
in the request path. Renewals and acks run asynchronously in the keeper.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any, Self

from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.request import request_from_dict
from scrapy_redis import picklecompat
from scrapy_redis.scheduler import Scheduler

from . import connection
from .dupefilter import FingerprintDupeFilter
from .engine import in_progress
from .keys import CrawlKeys
from .leases import LeaseKeeper
from .outage import REDIS_ERRORS, redis_lost
from .queue import LeasedQueue

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

STATS = "harvester/distributed/scheduler"
#: Longest time between two lease ticks: acks are what lets the crawl look quiet when it is done.
MAX_TICK = 1.0


class LeasedScheduler(Scheduler):
    crawler: Crawler
    queue: LeasedQueue
    keeper: LeaseKeeper
    #: Requests this worker may have in progress at once (HARVEST_REDIS_PREFETCH).
    prefetch: int

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        serializer: Any = settings.get("SCHEDULER_SERIALIZER") or picklecompat
        if isinstance(serializer, str):
            serializer = importlib.import_module(serializer)
        server = connection.sync_client(settings)
        assert crawler.spidercls is not None
        instance = cls(
            server=server,
            persist=True,
            dupefilter=FingerprintDupeFilter.for_spider(crawler, server, crawler.spidercls.name),
            serializer=serializer,
        )
        instance.crawler = crawler
        instance.stats = crawler.stats
        keys = CrawlKeys.from_settings(settings, crawler.spidercls.name)
        lease = settings.getfloat("HARVEST_REDIS_LEASE")
        instance.queue = LeasedQueue(server, keys, lease)
        instance.prefetch = settings.getint("HARVEST_REDIS_PREFETCH")
        instance.keeper = LeaseKeeper(
            crawler, instance.queue, connection.async_client(settings), interval=min(lease / 3, MAX_TICK)
        )
        return instance

    def __len__(self) -> int:
        return self.queue.waiting()

    def open(self, spider: Spider) -> None:
        self.spider = spider
        for counted in ("enqueued", "dequeued"):
            # Present from the start: a worker that took nothing (others were quicker) says 0, not nothing.
            self.stats.inc_value(f"{STATS}/{counted}", 0)
        waiting = len(self)
        if waiting:
            logger.info("Joining crawl %s: %d requests waiting in Redis", self.queue.keys.base, waiting)
        self.keeper.start()

    def close(self, reason: str) -> Deferred[None]:
        """Never flushes (see the module's docstring); acks what is done and gives back the rest."""
        return deferred_from_coro(self.keeper.close())

    def flush(self) -> None:
        raise NotImplementedError("the queue of a distributed crawl is shared: it is never flushed by a worker")

    def enqueue_request(self, request: Request) -> bool:
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        body = self.serializer.dumps(request.to_dict(spider=self.spider))
        try:
            queued = self.queue.push(body, request.priority, fingerprint)
        except REDIS_ERRORS as error:
            # Not queued: the request that produced it stays leased, unacked, and is done again (see outage).
            redis_lost(self.crawler, error)
            return False
        if not queued:
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value(f"{STATS}/enqueued")
        return True

    def next_request(self) -> Request | None:
        current = in_progress(self.crawler.engine)
        if current is not None and len(current) >= self.prefetch:
            return None  # left in Redis for a worker with room (the engine asks again as each request ends)
        try:
            popped = self.queue.pop()
        except REDIS_ERRORS as error:
            redis_lost(self.crawler, error)
            return None
        if popped is None:
            return None
        lease, body = popped
        request = request_from_dict(self.serializer.loads(body), spider=self.spider)
        self.keeper.hold(request, lease)
        self.stats.inc_value(f"{STATS}/dequeued")
        return request

    def has_pending_requests(self) -> bool:
        try:
            return len(self) > 0
        except REDIS_ERRORS as error:
            redis_lost(self.crawler, error)
            return True  # unknown: never let a worker that cannot see the queue finish as if it were done
