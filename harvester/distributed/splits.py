"""The split ledger in Redis: children of one split answer on whichever worker took them.

One hash per split parent, ``{prefix}:{crawl_id}:splits:{parent}`` with
fields ``reported``, ``pending`` and ``sum``, updated by one Lua script per
answer so that exactly one worker sees the last child and gets the verdict.
A call per first page of a slice (a few per thousand offers), from the
pager's callback, as the seen-sets' calls are (``harvester.distributed.seen``).
"""

from __future__ import annotations

from typing import Self

import redis
from scrapy.crawler import Crawler

from ..crawl.identity import crawl_identity
from ..stages.ledger import Verdict
from . import connection

#: KEYS the parent's hash; ARGV the child's total. Returns {reported, sum} once the last child answered, else nil.
ANSWERED = """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local pending = redis.call('HINCRBY', KEYS[1], 'pending', -1)
local sum = redis.call('HINCRBY', KEYS[1], 'sum', tonumber(ARGV[1]))
if pending > 0 then return nil end
local reported = tonumber(redis.call('HGET', KEYS[1], 'reported'))
redis.call('DEL', KEYS[1])
return {reported, sum}
"""


class RedisSplitLedger:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._answered = client.register_script(ANSWERED)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            connection.sync_client(settings), connection.key(settings, crawl_identity(crawler).crawl_id, "splits")
        )

    def open(self, parent: str, reported: int, children: int) -> None:
        key = f"{self._prefix}:{parent}"
        pipe = self._client.pipeline(transaction=True)
        pipe.hsetnx(key, "reported", reported).hsetnx(key, "pending", children).hsetnx(key, "sum", 0)
        pipe.execute()

    def answered(self, parent: str, total: int) -> Verdict | None:
        result = self._answered(keys=[f"{self._prefix}:{parent}"], args=[total])
        if not result:
            return None
        reported, summed = result
        return Verdict(int(reported), int(summed))
