"""A seen-set in Redis, shared by every worker of a distributed crawl (``HARVEST_SEEN_SET``).

One Redis set per crawl and name, ``{HARVEST_REDIS_PREFIX}:{crawl_id}:seen:{name}``:
workers of one crawl (same ``HARVEST_CRAWL_ID``) share it, other crawls and
prefixes never see it. ``SADD`` answers whether the member was new, which is
exactly :meth:`SeenSet.add`; it is atomic, so of two workers adding the same
offer at once exactly one is told it is new.

Two clients. The detail fetcher and the search pager call ``add_many``
from plain code on the reactor thread, once per search page or price band
(a page's 50 offers in one pipelined round trip, well under a millisecond,
less than parsing the answer that produced them). The de-duplication
pipeline asks once per product, which at hundreds of products a second
would hold the reactor on a round trip per item: it awaits
:meth:`add_async` on a ``redis.asyncio`` client instead.

Members are the keys' text (``str(key)``): the offer ids of one set are all
ints and the seller ids all strings, so no two keys of one set collide.

The sets do not expire: a crawl resumed days later must still know what it
kept. Delete ``{prefix}:{crawl_id}:*`` once a crawl is finished for good.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Self

import redis
import redis.asyncio
from scrapy.crawler import Crawler

from ..crawl.identity import crawl_identity
from ..crawl.seen import SeenSetUnavailable
from . import connection
from .outage import REDIS_ERRORS, redis_lost


class RedisSeenSet:
    def __init__(
        self,
        client: redis.Redis,
        key: str,
        url: str,
        async_client: redis.asyncio.Redis | None = None,
        crawler: Crawler | None = None,
    ) -> None:
        self._client = client
        self._async_client = async_client
        self.key = key
        self._url = url
        #: The crawl a lost Redis stops (see :meth:`add_async`).
        self._crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler, name: str) -> Self:
        settings = crawler.settings
        crawl_id = crawl_identity(crawler).crawl_id
        key = connection.key(settings, crawl_id, "seen", name)
        return cls(
            connection.sync_client(settings), key, settings["REDIS_URL"], connection.async_client(settings), crawler
        )

    def add(self, key: Hashable) -> bool:
        return self.add_many([key])[0]

    def add_many(self, keys: Iterable[Hashable]) -> list[bool]:
        members = [str(k) for k in keys]
        if not members:
            return []
        pipe = self._client.pipeline(transaction=False)
        for member in members:
            pipe.sadd(self.key, member)
        try:
            added = pipe.execute()
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise connection.RedisUnavailable.of(self._url, error) from None
        return [bool(n) for n in added]

    async def add_async(self, key: Hashable) -> bool:
        """:meth:`add` without holding the reactor for the round trip. A lost Redis stops the crawl here (its
        caller, the de-duplication pipeline, knows nothing of Redis) and raises ``SeenSetUnavailable``."""
        assert self._async_client is not None, "built without an asyncio client"
        try:
            return bool(await self._async_client.sadd(self.key, str(key)))
        except REDIS_ERRORS as error:
            lost = connection.RedisUnavailable.of(self._url, error)
            if self._crawler is not None:
                redis_lost(self._crawler, lost)
            raise SeenSetUnavailable(str(lost)) from None

    async def close(self) -> None:
        self._client.close()
        if self._async_client is not None:
            await self._async_client.aclose()

    def __len__(self) -> int:
        return int(self._client.scard(self.key))
