"""Units of work from a Redis list, for the spiders' ``async def start()``: scrapy-redis 0.9.1 bridged to Scrapy 2.19.

scrapy-redis's ``RedisSpider`` only defines ``start_requests()``, which
Scrapy 2.16+ never calls, and reads its list with blocking calls on the
reactor thread when the spider goes idle. Here the spider's own ``start()``
(``HarvestSpider.start``) iterates a :class:`UnitFeed` instead of its
``-a`` units: it leases units from ``{crawl}:{spider}:units`` with
``redis.asyncio`` whenever fewer requests wait in the shared queue than
the worker can have in flight, checks each payload (a JSON object of the
spider's ``unit_fields``, e.g. ``{"keyword": "保温杯", "price_start": "10"}``),
turns it into its first requests with the spider's ``seeds()``, queues them
and only then acks the unit: a worker killed in between leaves the unit to
come back when its lease expires. Once that list is empty it takes units
users pushed by hand on scrapy-redis's start key (``REDIS_START_URLS_KEY``,
:mod:`harvester.distributed.start_urls`) the same way; there a payload may
also be plain text (:func:`hand_pushed_unit`).

A bad payload is counted (``harvester/distributed/units/bad``), logged with
the key it came from and skipped. ``start()`` ends once the whole crawl has
been quiet (nothing waiting or taken in Redis) for
``HARVEST_REDIS_IDLE_CLOSE`` seconds; what happens then is
:mod:`harvester.distributed.finish`'s business.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from itertools import islice
from typing import TYPE_CHECKING, Any, ClassVar

import redis
import redis.asyncio
from scrapy.exceptions import DontCloseSpider

from ..crawl import stop
from ..exceptions import ArgumentError
from . import connection
from .engine import wake
from .finish import Finish
from .keys import CrawlKeys
from .outage import REDIS_ERRORS, redis_lost
from .queue import LeasedQueue, LeasedUnit

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

    from ..spiders.base import HarvestSpider

logger = logging.getLogger(__name__)

STATS = "harvester/distributed/units"
#: Units pushed per RPUSH (a file of millions of ids is streamed, not loaded).
PUSH_CHUNK = 1000


class BadUnit(ValueError):
    """A payload that is not a unit of this spider."""


def parse_unit(payload: bytes | str, fields: Iterable[str]) -> dict[str, Any]:
    """The unit a payload holds: a JSON object whose keys are among ``fields``."""
    try:
        unit = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadUnit(f"not JSON ({error})") from None
    if not isinstance(unit, dict) or not unit:
        raise BadUnit("not a JSON object of unit fields")
    unknown = sorted(set(unit) - set(fields))
    if unknown:
        raise BadUnit(f"unknown field {unknown[0]!r} (a unit has {', '.join(sorted(fields))})")
    return unit


def hand_pushed_unit(payload: bytes, fields: Iterable[str], subject: str) -> dict[str, Any]:
    """The unit a payload pushed by hand on the start key holds.

    A JSON object is a unit, exactly as ``scrapy enqueue`` queues it.
    scrapy-redis users also push plain text (URLs, mostly): that is the
    spider's ``subject``, what ``scrapy enqueue SPIDER TEXT`` would queue
    (a keyword, offer ids or offer URLs, an image file or URL, a seller
    open id). A JSON string counts as its text.
    """
    try:
        text = payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise BadUnit("not UTF-8 text") from None
    if text.startswith("{"):
        return parse_unit(text, fields)
    if text.startswith('"'):
        try:
            text = str(json.loads(text)).strip()
        except ValueError as error:
            raise BadUnit(f"not a JSON string ({error})") from None
    if not text:
        raise BadUnit("empty")
    return {subject: text}


def payload_of(unit: Mapping[str, Any]) -> str:
    """The JSON a unit travels as (fields left empty are left out)."""
    return json.dumps({k: v for k, v in unit.items() if v not in (None, "")}, ensure_ascii=False, separators=(",", ":"))


class UnitFeed:
    """The unit source of a distributed crawl's workers (``HARVEST_UNIT_SOURCE``, set by the add-on)."""

    external: ClassVar[bool] = True

    def __init__(self, crawler: Crawler, spider: HarvestSpider) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.spider = spider
        self.finish = Finish(crawler, spider)
        self.keys = CrawlKeys.from_settings(settings, spider.name)
        self.queue = LeasedQueue(connection.sync_client(settings), self.keys, settings.getfloat("HARVEST_REDIS_LEASE"))
        self.client: redis.asyncio.Redis = connection.async_client(settings)
        self.idle_close = settings.getfloat("HARVEST_REDIS_IDLE_CLOSE")
        self.poll = settings.getfloat("HARVEST_REDIS_POLL_INTERVAL")
        #: Take units while fewer requests than this wait in the shared queue.
        self.low_water = settings.getint("CONCURRENT_REQUESTS")

    async def start(self, given: Iterable[dict[str, Any]]) -> AsyncIterator[Request]:
        """Queue the units given as ``-a`` arguments (if any), then feed units from Redis until the crawl is quiet
        (or Redis is lost: the crawl stops, and a unit taken and not acked comes back when its lease expires)."""
        try:
            await self._feed(given)
        except REDIS_ERRORS as error:
            redis_lost(self.crawler, error)
        return
        yield  # pragma: no cover (makes this an async generator, as start() must be)

    async def _feed(self, given: Iterable[dict[str, Any]]) -> None:
        stats = self.crawler.stats
        assert stats is not None
        for counted in ("taken", "bad"):
            stats.inc_value(f"{STATS}/{counted}", 0)  # a worker that took no unit says 0
        queued = 0
        payloads = (payload_of(unit) for unit in given)
        while chunk := list(islice(payloads, PUSH_CHUNK)):
            await self.client.rpush(self.keys.units, *chunk)
            queued += len(chunk)
        if queued:
            logger.info("Queued the %d unit(s) given as arguments in %s", queued, self.keys.units)
        logger.info("Taking units from %s, then from scrapy-redis's start key %s", self.keys.units, self.keys.start)
        quiet_since: float | None = None
        engine = self.crawler.engine
        while True:
            taken: list[LeasedUnit] = []
            waiting = await self.client.zcard(self.keys.queue)
            if waiting and engine is not None and not engine.needs_backout():
                wake(engine)  # requests other workers queued: take them now, not at the next heartbeat
            try:
                if waiting < self.low_water:
                    taken = await self.queue.take_units(self.client, 1)
                quiet = not taken and await self.queue.quiet(self.client)
            except redis.ResponseError as error:
                self._refuse_start_key(error)
                return
            if taken:
                quiet_since = None
                self.crawl(taken)
                await self.queue.ack_units(self.client, [unit.member for unit in taken])
                continue
            if quiet:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= self.idle_close:
                    return
            else:
                quiet_since = None
            await asyncio.sleep(self.poll)

    def idle(self) -> None:
        """The worker has nothing to do: it closes only when the whole crawl is done (``finish``)."""
        if stop.stopping(self.crawler):
            return  # closing already (Redis lost, the budget spent...): nothing to ask Redis
        try:
            self.finish.idle(self.busy_now)
        except REDIS_ERRORS as error:
            redis_lost(self.crawler, error)
            raise DontCloseSpider from None  # not "finished": the stop closes it

    def busy_now(self) -> bool:
        """From the idle signal (synchronous): take units queued after this worker's ``start()`` ended; True if
        there were some, or if the crawl is not quiet."""
        try:
            taken = self.queue.take_units_now(self.low_water)
            if taken:
                self.crawl(taken)
                self.queue.ack_units_now([unit.member for unit in taken])
                return True
            return not self.queue.quiet_now()
        except redis.ResponseError as error:
            self._refuse_start_key(error)
            return False

    def _refuse_start_key(self, error: redis.ResponseError) -> None:
        """The start key was turned into something that holds no units mid-crawl (the crawl command refuses
        such a key at start-up): stop, as for any configuration error, rather than finish without its units."""
        message = str(error)
        if not message.startswith("WRONGTYPE the start key"):
            raise error
        stop.stop_crawl(
            self.crawler, stop.FATAL_CONFIGURATION, message.split(" script: ")[0].removeprefix("WRONGTYPE ")
        )

    def crawl(self, taken: list[LeasedUnit]) -> None:
        """Queue the first requests of each unit (one synchronous push each, into the shared queue)."""
        engine = self.crawler.engine
        stats = self.crawler.stats
        assert engine is not None and stats is not None
        for leased in taken:
            source = self.keys.start if leased.from_start_key else self.keys.units
            try:
                if leased.from_start_key:
                    stats.inc_value(f"{STATS}/start_key")
                    unit = hand_pushed_unit(leased.payload, self.spider.unit_fields, self.spider.unit_subject)
                else:
                    unit = parse_unit(leased.payload, self.spider.unit_fields)
                requests = list(self.spider.seeds(unit))
            except (BadUnit, ArgumentError) as error:
                stats.inc_value(f"{STATS}/bad")
                logger.warning(
                    "Skipped a unit from %s: %s: %s", source, leased.payload[:80].decode("utf-8", "replace"), error
                )
                continue
            stats.inc_value(f"{STATS}/taken")
            for request in requests:
                engine.crawl(request)
