"""A seen-set in Redis, shared by every worker of a distributed crawl (``HARVEST_SEEN_SET``).

One Redis set per crawl and name, ``{HARVEST_REDIS_PREFIX}:{crawl_id}:seen:{name}``:
workers of one crawl (same ``HARVEST_CRAWL_ID``) share it, other crawls and
prefixes never see it. ``SADD`` answers whether the member was new, which is
exactly :meth:`SeenSet.add`; it is atomic, so of two workers adding the same
offer at once exactly one is told it is new.

The client is synchronous: the de-duplication pipeline and the detail
fetcher call the seen-set from plain (non-async) code on the reactor thread.
Each call therefore costs exactly one round trip, ``add_many`` included (its
``SADD``\\ s go in one pipeline), so the reactor is held for one loopback or
LAN round trip per batch of offers (well under a millisecond), which is less
than parsing the answer that produced them.

Members are the keys' text (``str(key)``): the offer ids of one set are all
ints and the seller ids all strings, so no two keys of one set collide.

The sets do not expire: a crawl resumed days later must still know what it
kept. Delete ``{prefix}:{crawl_id}:*`` once a crawl is finished for good.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Self

import redis
from scrapy.crawler import Crawler

from ..crawl import crawl_identity
from . import connection


class RedisSeenSet:
    def __init__(self, client: redis.Redis, key: str, url: str) -> None:
        self._client = client
        self.key = key
        self._url = url

    @classmethod
    def from_crawler(cls, crawler: Crawler, name: str) -> Self:
        settings = crawler.settings
        crawl_id = crawl_identity(crawler).crawl_id
        key = connection.key(settings, crawl_id, "seen", name)
        return cls(connection.sync_client(settings), key, settings["REDIS_URL"])

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

    def __len__(self) -> int:
        return int(self._client.scard(self.key))
