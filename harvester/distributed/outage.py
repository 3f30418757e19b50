"""Redis gone in the middle of a distributed crawl: one line, a clean stop, and nothing acked that was not done.

A worker meets a lost Redis wherever it next talks to it: the scheduler
(taking or queueing a request), a callback (claiming offers in the shared
seen-set, a split ledger), the de-duplication pipeline, the unit feed, the
idle check. Each of those places hands the error to :func:`redis_lost`,
which stops the crawl once (reason ``redis_unavailable``, exit status 1)
with the one line naming ``REDIS_URL``; none lets it out as a traceback (one
per request, on the reactor's every tick, before the stop).

What was cut short is not lost: a request whose callback could not claim
its offers or queue its follow-ups stays leased, and once the crawl is
stopping for Redis the lease keeper acks nothing more (:func:`acks_allowed`),
so every lease this worker held expires and its request goes back to the
queue for the next worker, when Redis answers again. Some calls may be made
twice; none is lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import redis

from ..crawl import stats as keys
from ..crawl import stop
from .connection import RedisUnavailable

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

#: What a lost (or refusing) Redis raises: redis-py's errors, or ours naming REDIS_URL.
REDIS_ERRORS = (redis.RedisError, RedisUnavailable)


def redis_lost(crawler: Crawler, error: BaseException) -> None:
    """Stop the crawl because Redis did not answer (once: the first cause is kept)."""
    if not isinstance(error, RedisUnavailable):
        error = RedisUnavailable.of(crawler.settings["REDIS_URL"], error)  # type: ignore[arg-type]
    stop.stop_crawl(crawler, stop.REDIS_UNAVAILABLE, str(error))


def acks_allowed(crawler: Crawler) -> bool:
    """False once the crawl stops for Redis: a request done since may have lost what it had to queue."""
    stats = crawler.stats
    return stats is None or stats.get_value(keys.STOP_REASON) != stop.REDIS_UNAVAILABLE


class RedisOutageMiddleware:
    """Spider middleware: a callback that met a lost Redis stops the crawl with one line instead of a traceback.
    (Its request's lease is not acked: the request is done again once Redis is back.)"""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisOutageMiddleware:
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: Exception) -> Iterable[Any] | None:
        if isinstance(exception, REDIS_ERRORS):
            redis_lost(self.crawler, exception)
            return []
        return None
