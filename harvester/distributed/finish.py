"""How the workers of a distributed crawl finish together, and recover what a killed worker claimed.

Each worker heartbeats into ``{crawl}:{spider}:workers`` (worker id -> a
deadline ``HARVEST_REDIS_LEASE`` ahead). A worker with nothing left to do
(its engine idle, the crawl quiet in Redis) asks :data:`FINISH`, one Lua
script, what to do:

- ``close``: other workers are still active; it marks itself closing and
  closes (its files are committed on the way out, then it leaves the set);
- ``wait``: it is the last active worker but others are still closing:
  their files are not committed yet;
- ``last``: no one else is left. The last worker reconciles: offers claimed
  in the crawl's shared ``wanted`` seen-set that no committed file of this
  crawl holds (``products``, ``missing``) and that it did not keep itself
  were claimed by a worker that died before committing them; they are
  fetched again (and taken out of the shared ``offers`` seen-set so the
  de-duplication pipeline keeps them). Once per offer: an offer that fails
  again is counted lost as usual. A claim the plan answered without a call
  is no dead worker's: the offers this worker carries forward (its rows are
  written as it closes; the other workers' are committed by then), and every
  claim of a crawl that fetches no detail (``-a details=none``, a dry run).

Exactly one worker is told ``last``: the script runs atomically.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from ..crawl.identity import crawl_identity
from ..crawl.resume import written_offers
from ..dataset.storage import storage_of
from ..history.carry import carry_forward
from ..history.plan import Mode
from ..items import MissingOffer, Product
from . import connection
from .keys import CrawlKeys

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

    from ..spiders.base import HarvestSpider

logger = logging.getLogger(__name__)

STATS = "harvester/distributed"

#: KEYS workers closing; ARGV me, lease (ms). Returns 'close', 'wait' or 'last'.
FINISH = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local active, closing = 0, 0
for _, worker in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if worker ~= ARGV[1] then
    if redis.call('SISMEMBER', KEYS[2], worker) == 1 then closing = closing + 1 else active = active + 1 end
  end
end
if active > 0 then
  redis.call('SADD', KEYS[2], ARGV[1])
  return 'close'
end
if closing > 0 then return 'wait' end
return 'last'
"""


#: KEYS workers progress; ARGV me, lease (ms), offers kept.
HEARTBEAT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
"""


class Finish:
    """This worker's place among the crawl's workers: heartbeats, the finishing decision, the reconciliation."""

    def __init__(self, crawler: Crawler, spider: HarvestSpider) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.spider = spider
        self.keys = CrawlKeys.from_settings(settings, spider.name)
        self.client = connection.sync_client(settings)
        self.lease_ms = int(settings.getfloat("HARVEST_REDIS_LEASE") * 1000)
        identity = crawl_identity(crawler)
        self.worker = identity.worker_id
        self.crawl_id = identity.crawl_id
        self.storage = storage_of(crawler)
        self.seen_keys = {name: connection.key(settings, self.crawl_id, "seen", name) for name in ("wanted", "offers")}
        self._finish = self.client.register_script(FINISH)
        #: Offers this worker kept (products and missing rows): written with its files when it closes.
        self.kept: set[int] = set()
        #: Offers fetched again once already.
        self.reconciled: set[int] = set()
        self.async_client = connection.async_client(settings)
        self._heartbeat = task.LoopingCall(lambda: deferred_from_coro(self.beat()))
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_opened(self) -> None:
        self._heartbeat.start(self.lease_ms / 3000)

    async def beat(self) -> None:
        """One asynchronous script per third of a lease: the heartbeat (Redis's clock) and the offers kept."""
        try:
            await self.async_client.eval(
                HEARTBEAT, 2, self.keys.workers, self.keys.progress, self.worker, self.lease_ms, len(self.kept)
            )
        except redis.RedisError as error:
            logger.warning(
                "Missed a heartbeat (%s): other workers take this one for dead after %d s without one",
                error,
                self.lease_ms // 1000,
            )

    def item_scraped(self, item: Any) -> None:
        if type(item) is Product or type(item) is MissingOffer:
            self.kept.add(item.offer_id)

    def spider_closed(self) -> None:
        """The files are committed by now (pipelines close first): leave the crawl."""
        if self._heartbeat.running:
            self._heartbeat.stop()
        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.zrem(self.keys.workers, self.worker).srem(self.keys.closing, self.worker)
            pipe.execute()
        except redis.RedisError as error:
            logger.warning("Could not leave the crawl's worker set (%s); the entry expires by itself", error)

    def idle(self, busy_now: Callable[[], bool]) -> None:
        """The worker has nothing to do: raise ``DontCloseSpider`` unless the whole crawl is done. ``busy_now``
        takes units queued since and says whether the crawl has work left (units taken, or Redis not quiet).

        Synchronous, as the spider_idle signal is: a few round trips, once per idle check (every 5 s at most).
        """
        engine = self.crawler.engine
        assert engine is not None
        if busy_now():
            raise DontCloseSpider
        verdict = self.decide()
        if verdict == "wait":
            raise DontCloseSpider
        if verdict == "last":
            requests = self.reconcile()
            for request in requests:
                engine.crawl(request)
            if requests:
                raise DontCloseSpider

    def decide(self) -> str:
        verdict = self._finish(keys=[self.keys.workers, self.keys.closing], args=[self.worker, self.lease_ms])
        return verdict.decode() if isinstance(verdict, bytes) else str(verdict)

    def reconcile(self) -> list[Request]:
        """Requests for the offers a dead worker claimed and never committed (see the module's docstring)."""
        plan = self.spider.details.plan
        if self.spider.dry_run or (plan is not None and plan.mode is Mode.NONE):
            return []  # no detail was to be fetched: a claim without a row is the plan's, not a dead worker's
        claimed = [int(member) for member in self.client.sscan_iter(self.seen_keys["wanted"], count=10_000)]
        committed = written_offers(self.storage, self.crawl_id) if claimed else set()
        carried = carry_forward(self.crawler).offer_ids() if claimed else set()
        orphans = sorted(set(claimed) - committed - self.kept - carried - self.reconciled)
        if not orphans:
            return []
        self.reconciled.update(orphans)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"{STATS}/reconciled", len(orphans))
        logger.warning(
            "%d offer(s) claimed by workers that stopped before committing them: fetching them again", len(orphans)
        )
        self.client.srem(self.seen_keys["offers"], *[str(offer_id) for offer_id in orphans])
        return self.spider.details.again(orphans)
