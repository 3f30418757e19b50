"""The leased queue's Lua scripts against a real Redis: priorities, the dupefilter, leases that come back."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio

from harvester.distributed.keys import CrawlKeys
from harvester.distributed.queue import LeasedQueue
from harvester.distributed.units import BadUnit, parse_unit, payload_of

pytestmark = pytest.mark.redis


@pytest.fixture
def queue(redis_server, redis_prefix) -> LeasedQueue:
    return LeasedQueue(redis_server.client(), CrawlKeys(f"{redis_prefix}:crawl:keyword"), lease_seconds=30)


def maintain(redis_server, queue: LeasedQueue, **leases) -> tuple[int, int]:
    async def run() -> tuple[int, int]:
        client = redis.asyncio.Redis.from_url(redis_server.url)
        try:
            return await queue.maintain(client, **leases)
        finally:
            await client.aclose()

    return asyncio.run(run())


def test_a_crawl_nothing_was_queued_for_is_not_quiet(queue):
    assert not queue.quiet_now(), "workers started before `scrapy enqueue` wait for it"


def test_highest_priority_first_then_first_in(queue):
    queue.push(b"page-1", 0, "a")
    queue.push(b"detail-1", 10, "b")
    queue.push(b"page-2", 0, "c")
    queue.push(b"detail-2", 10, "d")
    assert [queue.pop()[1] for _ in range(4)] == [b"detail-1", b"detail-2", b"page-1", b"page-2"]
    assert queue.pop() is None


def test_the_dupefilter_refuses_a_fingerprint_twice_unless_unfiltered(queue):
    assert queue.push(b"one", 0, "fp") is True
    assert queue.push(b"again", 0, "fp") is False
    assert queue.push(b"retry", 0, None) is True
    assert queue.waiting() == 2


def test_a_pop_is_a_lease_until_acked(redis_server, queue):
    queue.push(b"one", 0, "a")
    lease, body = queue.pop()
    assert body == b"one" and queue.waiting() == 0
    client = redis_server.client()
    assert client.zscore(queue.keys.leases, lease) is not None
    assert maintain(redis_server, queue, renew=[lease]) == (0, 0)
    assert maintain(redis_server, queue, ack=[lease]) == (0, 0)
    assert not client.exists(queue.keys.leases, queue.keys.requests, queue.keys.scores, queue.keys.queue)
    assert queue.quiet_now(), "started, and nothing left"


def test_an_expired_lease_goes_back_with_its_priority(redis_server, redis_prefix):
    short = LeasedQueue(redis_server.client(), CrawlKeys(f"{redis_prefix}:crawl:keyword"), lease_seconds=0.001)
    short.push(b"page", 0, "a")
    short.push(b"detail", 10, "b")
    lease, body = short.pop()
    assert body == b"detail"
    redis_server.client().zadd(short.keys.leases, {lease: 0})  # the worker died long ago
    assert maintain(redis_server, short) == (1, 0)
    assert short.pop()[1] == b"detail", "put back ahead of lower priorities, past the dupefilter"


def test_renewing_does_not_resurrect_a_lease_put_back(redis_server, queue):
    queue.push(b"one", 0, "a")
    lease, _ = queue.pop()
    client = redis_server.client()
    client.zadd(queue.keys.leases, {lease: 0})
    assert maintain(redis_server, queue) == (1, 0), "another worker puts the expired lease back"
    maintain(redis_server, queue, renew=[lease])
    assert client.zscore(queue.keys.leases, lease) is None, "a renewal too late does not take it again"
    assert queue.waiting() == 1


def test_an_ack_after_the_lease_was_put_back_removes_the_request(redis_server, queue):
    queue.push(b"one", 0, "a")
    lease, _ = queue.pop()
    redis_server.client().zadd(queue.keys.leases, {lease: 0})
    maintain(redis_server, queue)
    maintain(redis_server, queue, ack=[lease])
    assert queue.pop() is None, "the work was done: no one does it twice"


def test_released_leases_are_back_at_once(redis_server, queue):
    queue.push(b"one", 0, "a")
    lease, _ = queue.pop()
    assert maintain(redis_server, queue, release=[lease]) == (1, 0)
    assert queue.pop()[1] == b"one"


def test_units_are_leased_acked_or_put_back(redis_server, queue):
    client = redis_server.client()
    client.rpush(queue.keys.units, '{"keyword":"风筝"}', '{"keyword":"算盘"}', '{"keyword":"算盘"}')
    taken = queue.take_units_now(2)
    assert [payload.decode() for _, payload in taken] == ['{"keyword":"风筝"}', '{"keyword":"算盘"}']
    assert not queue.quiet_now()
    queue.ack_units_now([taken[0][0]])
    client.zadd(queue.keys.unit_leases, {taken[1][0]: 0})  # its worker died before queueing its requests
    assert maintain(redis_server, queue) == (0, 1)
    assert client.lrange(queue.keys.units, 0, -1) == ['{"keyword":"算盘"}'.encode()] * 2
    second = queue.take_units_now(5)
    assert len(second) == 2 and len({member for member, _ in second}) == 2, "equal payloads, distinct leases"


@pytest.mark.parametrize("how", ["take_units", "quiet", "take_units_now", "quiet_now"])
def test_a_start_key_that_holds_no_units_is_refused_in_the_same_words_by_every_call(redis_server, redis_prefix, how):
    """The worker recognises the refusal by its words; a pipeline must not prefix them with its command."""
    keys = CrawlKeys(f"{redis_prefix}:crawl:keyword", start=f"{redis_prefix}:keyword:start_urls")
    queue = LeasedQueue(redis_server.client(), keys, lease_seconds=30)
    redis_server.client().set(keys.start, "毛笔")

    async def asynchronous() -> None:
        client = redis.asyncio.Redis.from_url(redis_server.url)
        try:
            await (queue.take_units(client, 1) if how == "take_units" else queue.quiet(client))
        finally:
            await client.aclose()

    with pytest.raises(redis.ResponseError) as refused:
        if how == "take_units_now":
            queue.take_units_now(1)
        elif how == "quiet_now":
            queue.quiet_now()
        else:
            asyncio.run(asynchronous())
    assert str(refused.value).startswith(f"WRONGTYPE the start key {keys.start} holds a string: units are pushed")


def test_payloads_are_checked():
    fields = {"keyword", "price_start"}
    assert parse_unit('{"keyword": "保温杯", "price_start": "10"}', fields) == {
        "keyword": "保温杯",
        "price_start": "10",
    }
    for bad, reason in (
        ("保温杯", "not JSON"),
        ("[1]", "not a JSON object"),
        ("{}", "not a JSON object"),
        ('{"kw": "x"}', "unknown field 'kw'"),
        (b"\xff", "not JSON"),
    ):
        with pytest.raises(BadUnit, match=reason):
            parse_unit(bad, fields)
    assert payload_of({"keyword": "保温杯", "price_end": None, "sort": ""}) == '{"keyword":"保温杯"}'
