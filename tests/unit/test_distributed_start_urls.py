"""scrapy-redis's start key against a real Redis: units pushed by hand are leased off it atomically, come back
to it as they were when their worker dies, and a key that cannot hold units is refused with one line."""

from __future__ import annotations

import asyncio

import pytest
import redis
import redis.asyncio
from scrapy.settings import Settings

from harvester.distributed.keys import CrawlKeys
from harvester.distributed.queue import LeasedQueue
from harvester.distributed.start_urls import check, start_key
from harvester.distributed.units import BadUnit, hand_pushed_unit
from harvester.exceptions import ConfigurationError
from harvester.spiders.image import ImageSpider
from harvester.spiders.keyword import KeywordSpider
from harvester.spiders.offers import OffersSpider
from harvester.spiders.seller import SellerSpider


@pytest.fixture
def queue(redis_server, redis_prefix) -> LeasedQueue:
    keys = CrawlKeys(f"{redis_prefix}:crawl:keyword", start=f"{redis_prefix}:keyword:start_urls")
    return LeasedQueue(redis_server.client(), keys, lease_seconds=30)


def expire_all(redis_server, queue: LeasedQueue) -> tuple[int, int]:
    """Every unit lease's worker dies: another worker's maintenance puts them back."""
    client = redis_server.client()
    client.zadd(queue.keys.unit_leases, {member: 0 for member in client.zrange(queue.keys.unit_leases, 0, -1)})

    async def run() -> tuple[int, int]:
        async_client = redis.asyncio.Redis.from_url(redis_server.url)
        try:
            return await queue.maintain(async_client)
        finally:
            await async_client.aclose()

    return asyncio.run(run())


@pytest.mark.redis
def test_the_crawls_own_units_first_then_the_start_list_in_scrapy_redis_order(redis_server, queue):
    client = redis_server.client()
    client.rpush(queue.keys.start, "风筝", '{"keyword":"算盘"}')
    client.lpush(queue.keys.start, "紫砂茶具")
    client.rpush(queue.keys.units, '{"keyword":"保温杯"}')
    taken = queue.take_units_now(10)
    assert [unit.payload.decode() for unit in taken] == [
        '{"keyword":"保温杯"}',
        "紫砂茶具",
        "风筝",
        '{"keyword":"算盘"}',
    ]
    assert [unit.from_start_key for unit in taken] == [False, True, True, True]
    assert not client.exists(queue.keys.start), "moved off the key"
    assert client.zcard(queue.keys.unit_leases) == 4, "...into leases, in the same step"


@pytest.mark.redis
def test_a_dead_workers_units_go_back_to_the_start_list_head_first(redis_server, queue):
    client = redis_server.client()
    client.rpush(queue.keys.start, "风筝", "算盘", "茶具")
    queue.ack_units_now([queue.take_units_now(1)[0].member])
    assert [unit.payload for unit in queue.take_units_now(1)] == [b"\xe7\xae\x97\xe7\x9b\x98"]
    assert expire_all(redis_server, queue) == (0, 1)
    assert client.lrange(queue.keys.start, 0, -1) == ["算盘".encode(), "茶具".encode()], "the next one taken"
    assert client.llen(queue.keys.units) == 0, "plain text never lands on the crawl's JSON list"


@pytest.mark.redis
def test_a_start_set_is_drained_and_refilled(redis_server, queue):
    client = redis_server.client()
    client.sadd(queue.keys.start, "风筝", "算盘")
    taken = queue.take_units_now(5)
    assert sorted(unit.payload.decode() for unit in taken) == ["算盘", "风筝"]
    assert all(unit.from_start_key for unit in taken)
    assert expire_all(redis_server, queue) == (0, 2)
    assert client.smembers(queue.keys.start) == {"风筝".encode(), "算盘".encode()}


@pytest.mark.redis
def test_a_start_sorted_set_gives_the_highest_score_first_and_gets_its_scores_back(redis_server, queue):
    client = redis_server.client()
    client.zadd(queue.keys.start, {"风筝": 1, "算盘": 10, "茶具": 2.5})
    taken = queue.take_units_now(2)
    assert [unit.payload.decode() for unit in taken] == ["算盘", "茶具"]
    assert expire_all(redis_server, queue) == (0, 2)
    assert client.zrange(queue.keys.start, 0, -1, withscores=True) == [
        ("风筝".encode(), 1.0),
        ("茶具".encode(), 2.5),
        ("算盘".encode(), 10.0),
    ]


@pytest.mark.redis
def test_payloads_waiting_on_the_start_key_keep_the_crawl_from_being_quiet(redis_server, queue):
    client = redis_server.client()
    client.rpush(queue.keys.start, "风筝", "算盘")
    queue.ack_units_now([unit.member for unit in queue.take_units_now(1)])
    assert not queue.quiet_now(), "one payload still on the start key"
    queue.ack_units_now([unit.member for unit in queue.take_units_now(1)])
    assert queue.quiet_now()


@pytest.mark.redis
def test_a_start_key_that_holds_no_units_is_refused(redis_server, redis_prefix, queue):
    client = redis_server.client()
    client.set(queue.keys.start, "风筝")
    with pytest.raises(redis.ResponseError, match=f"WRONGTYPE the start key {queue.keys.start} holds a string"):
        queue.take_units_now(1)
    with pytest.raises(redis.ResponseError, match="holds a string"):
        queue.quiet_now()
    assert client.get(queue.keys.start) == "风筝".encode(), "left as it was"

    settings = Settings({"REDIS_URL": redis_server.url, "REDIS_START_URLS_KEY": f"{redis_prefix}:%(name)s:start_urls"})
    with pytest.raises(
        ConfigurationError,
        match=r"the start key .*:keyword:start_urls \(REDIS_START_URLS_KEY\) holds a "
        r"string: push units onto a list",
    ):
        check(settings, "keyword")
    client.delete(queue.keys.start)
    check(settings, "keyword")
    client.sadd(queue.keys.start, "风筝")
    check(settings, "keyword")


def test_the_start_key_is_named_as_scrapy_redis_names_it():
    assert start_key(Settings(), "keyword") == "keyword:start_urls"
    assert start_key(Settings({"REDIS_START_URLS_KEY": "jobs:%(name)s"}), "offers") == "jobs:offers"
    assert start_key(Settings({"REDIS_START_URLS_KEY": "kites"}), "offers") == "kites"
    for bad, reason in (("%(spider)s:start_urls", "KeyError"), ("%(name)s:50%", "ValueError"), ("  ", "is empty")):
        with pytest.raises(ConfigurationError, match=reason) as refused:
            start_key(Settings({"REDIS_START_URLS_KEY": bad}), "keyword")
        assert "REDIS_START_URLS_KEY" in str(refused.value) and "\n" not in str(refused.value)


def test_plain_text_is_the_spiders_subject_and_json_objects_are_units():
    for spider, text, unit in (
        (KeywordSpider, "保温杯", {"keyword": "保温杯"}),
        (OffersSpider, "624108453870,624108453871", {"ids": "624108453870,624108453871"}),
        (ImageSpider, "https://cbu01.alicdn.com/img/x.jpg", {"image": "https://cbu01.alicdn.com/img/x.jpg"}),
        (SellerSpider, "b2b-2218149753", {"seller_open_id": "b2b-2218149753"}),
    ):
        assert hand_pushed_unit(f"  {text}\n".encode(), spider.unit_fields, spider.unit_subject) == unit
    keyword = (KeywordSpider.unit_fields, KeywordSpider.unit_subject)
    assert hand_pushed_unit('{"keyword": "保温杯", "price_start": "10"}'.encode(), *keyword) == {
        "keyword": "保温杯",
        "price_start": "10",
    }
    assert hand_pushed_unit('"数据线"'.encode(), *keyword) == {"keyword": "数据线"}, "a JSON string is its text"
    assert hand_pushed_unit(b"624108453870", *keyword) == {"keyword": "624108453870"}, "text, not a JSON number"
    for bad, reason in (
        (b"", "empty"),
        (b" \n", "empty"),
        (b"\xff\xfe", "not UTF-8"),
        (b'""', "empty"),
        (b'"unterminated', "not a JSON string"),
        (b"{not json", "not JSON"),
        (b'{"keyword": "x", "colour": "red"}', "unknown field 'colour'"),
    ):
        with pytest.raises(BadUnit, match=reason):
            hand_pushed_unit(bad, *keyword)
