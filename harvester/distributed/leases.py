"""Keeps this worker's leases alive while their requests are in progress, and acks them once done.

A request is done when Scrapy has finished with it: downloaded (or failed),
its callback or errback run, and every request and item that produced
scheduled or through the pipelines. Scrapy has no signal for that moment;
the engine's record of requests in progress (see
``harvester.distributed.engine``) is the one exact account, so the keeper
reads it on each tick. A lease acked a tick late costs nothing; one acked early
could lose the requests its callback had yet to schedule.

Each tick is one asynchronous Lua call: renew what is in progress, ack what
is done, and put back every expired lease of the crawl (whoever held it).
On close, leases still in progress (a shutdown) are released for other
workers to take at once. Once the crawl stops because Redis was lost,
nothing more is acked or released (see ``harvester.distributed.outage``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import redis
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from .engine import in_progress
from .outage import acks_allowed

if TYPE_CHECKING:
    import redis.asyncio
    from scrapy import Request
    from scrapy.crawler import Crawler

    from .queue import LeasedQueue

logger = logging.getLogger(__name__)

STATS = "harvester/distributed/leases"


class LeaseKeeper:
    def __init__(self, crawler: Crawler, queue: LeasedQueue, client: redis.asyncio.Redis, interval: float) -> None:
        self.crawler = crawler
        self.queue = queue
        self.client = client
        self.interval = interval
        #: Requests this worker took from the shared queue -> their lease ids.
        self.held: dict[Request, str] = {}
        #: Leases of requests done, to ack with the next tick.
        self._done: list[str] = []
        self._loop = task.LoopingCall(lambda: deferred_from_coro(self.tick()))

    def start(self) -> None:
        self._loop.start(self.interval, now=False).addErrback(self._failed)

    def hold(self, request: Request, lease: str) -> None:
        self.held[request] = lease

    def _split(self) -> list[str]:
        """The leases still in progress; those done move to the acks to send."""
        current = in_progress(self.crawler.engine)
        renew = []
        for request, lease in list(self.held.items()):
            if current is None or request in current:
                renew.append(lease)
            else:
                self._done.append(lease)
                del self.held[request]
        return renew

    async def tick(self) -> None:
        if not acks_allowed(self.crawler):
            return
        renew = self._split()
        done = self._done
        try:
            requests, units = await self.queue.maintain(self.client, renew=renew, ack=done)
        except redis.RedisError as error:
            # The acks go with the next tick; a lease outlives a few missed renewals.
            logger.warning("Could not renew this worker's leases (%s): trying again", error)
            return
        self._done = []
        self._count(len(done), requests, units)

    async def close(self) -> None:
        if self._loop.running:
            self._loop.stop()
        if not acks_allowed(self.crawler):
            # Redis was lost: what finished since may not have queued its follow-ups. Ack nothing, give nothing
            # back: every lease expires and its request is done again by whoever takes it next.
            self.held.clear()
            return
        unfinished = self._split()
        done, self._done = self._done, []
        self.held.clear()
        try:
            await self.queue.maintain(self.client, ack=done, release=unfinished)
        except redis.RedisError as error:
            logger.warning("Could not ack or give back this worker's leases (%s): they expire by themselves", error)
            return
        self._count(len(done), 0, 0)
        if unfinished:
            logger.info("Gave back %d request(s) still in progress for other workers", len(unfinished))

    def _count(self, acked: int, requests: int, units: int) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"{STATS}/acked", acked)
        if requests or units:
            stats.inc_value(f"{STATS}/requeued", requests)
            stats.inc_value(f"{STATS}/units_requeued", units)
            logger.warning("Put back %d request(s) and %d unit(s) whose worker stopped renewing them", requests, units)

    def _failed(self, failure: object) -> None:
        logger.error(
            "Lease keeping stopped: %s; this worker's requests will be taken over by others when their leases expire",
            failure,
        )
