"""The Redis seen-set: new vs seen, shared by the workers of one crawl, apart for other crawls and prefixes."""

from __future__ import annotations

import asyncio

import pytest
from redis.connection import Connection
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler

from harvester.crawl.resume import build_seen_set
from harvester.crawl.seen import MemorySeenSet
from harvester.distributed.connection import RedisUnavailable
from harvester.distributed.seen import RedisSeenSet
from harvester.items import Product, Seller
from harvester.pipelines.dedupe import DeduplicatePipeline, SharedDeduplicatePipeline
from tests.builders import make_crawler

pytestmark = pytest.mark.redis

CRAWL = "20261128T120000Z-abc123"


def worker(redis_server, prefix: str, crawl_id: str = CRAWL, name: str = "offers", **settings) -> RedisSeenSet:
    crawler = make_crawler(
        REDIS_URL=redis_server.url, HARVEST_REDIS_PREFIX=prefix, HARVEST_CRAWL_ID=crawl_id, **settings
    )
    return build_from_crawler(RedisSeenSet, crawler, name=name)


def test_new_then_seen(redis_server, redis_prefix):
    seen = worker(redis_server, redis_prefix)
    assert seen.key == f"{redis_prefix}:{CRAWL}:seen:offers"
    assert seen.add(624108453870) is True
    assert seen.add(624108453870) is False
    assert seen.add_many([1, 2, 624108453870, 2, -5]) == [True, True, False, False, True]
    assert seen.add_many([]) == []
    assert len(seen) == 4


def test_seller_ids_are_strings(redis_server, redis_prefix):
    seen = worker(redis_server, redis_prefix, name="sellers")
    assert seen.add_many(["b2b-22181", "b2b-22181", "中文店"]) == [True, False, True]


def test_two_workers_of_one_crawl_share_it(redis_server, redis_prefix):
    first, second = worker(redis_server, redis_prefix), worker(redis_server, redis_prefix)
    assert first.add_many([10, 11]) == [True, True]
    assert second.add_many([11, 12]) == [False, True]
    assert first.add(12) is False


def test_crawls_names_and_prefixes_are_apart(redis_server, redis_prefix):
    worker(redis_server, redis_prefix).add(7)
    assert worker(redis_server, redis_prefix, crawl_id="20261129T000000Z-def456").add(7) is True
    assert worker(redis_server, redis_prefix, name="wanted").add(7) is True
    assert worker(redis_server, f"{redis_prefix}-other").add(7) is True


def test_add_many_is_one_round_trip(redis_server, redis_prefix, monkeypatch):
    seen = worker(redis_server, redis_prefix)
    seen.add(-1)  # the connection is made (and its handshake sent) before counting
    calls = []
    original = Connection.send_packed_command

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "send_packed_command", counted)
    assert seen.add_many(range(500)) == [True] * 500
    assert len(calls) == 1


def test_a_distributed_crawl_shares_its_seen_sets_in_redis(redis_server, redis_prefix):
    crawler = make_crawler(
        HARVEST_DISTRIBUTED=True, REDIS_URL=redis_server.url, HARVEST_REDIS_PREFIX=redis_prefix, HARVEST_CRAWL_ID=CRAWL
    )
    assert isinstance(build_seen_set(crawler, "offers"), RedisSeenSet)
    assert isinstance(build_seen_set(make_crawler(), "offers"), MemorySeenSet)


def test_two_workers_pipelines_keep_each_offer_and_seller_once(redis_server, redis_prefix):
    def pipeline() -> DeduplicatePipeline:
        crawler = make_crawler(
            HARVEST_DISTRIBUTED=True,
            REDIS_URL=redis_server.url,
            HARVEST_REDIS_PREFIX=redis_prefix,
            HARVEST_CRAWL_ID=CRAWL,
        )
        crawler.stats.open_spider()
        return build_from_crawler(DeduplicatePipeline, crawler)

    async def both() -> None:
        first, second = pipeline(), pipeline()
        assert isinstance(first, SharedDeduplicatePipeline), "networked seen-sets are awaited, not blocked on"
        assert (await first.process_item(Product(1, seller=Seller("s1")))).seller is not None
        with pytest.raises(DropItem, match="offer 1 already kept"):
            await second.process_item(Product(1, seller=Seller("s1")))
        assert (await second.process_item(Product(2, seller=Seller("s1")))).seller is None  # the seller kept once
        for each in (first, second):
            await each.close_spider()

    asyncio.run(both())


def test_unreachable_redis_is_one_line_naming_redis_url():
    crawler = make_crawler(REDIS_URL="redis://:hunter2@127.0.0.1:1/0", HARVEST_CRAWL_ID=CRAWL)
    with pytest.raises(RedisUnavailable) as raised:
        build_from_crawler(RedisSeenSet, crawler, name="offers")
    message = str(raised.value)
    assert "REDIS_URL=redis://:***@127.0.0.1:1/0" in message and "\n" not in message
    assert "hunter2" not in message
