"""The quota middleware: in process on one machine, shared through Redis between the workers of a distributed crawl."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis
from scrapy import Request

from harvester.distributed.connection import RedisUnavailable
from harvester.gateway import signals as harvester_signals
from harvester.gateway.access import GatewayAccess
from harvester.gateway.calls import api_request
from harvester.middlewares.quota import QuotaMiddleware
from harvester.open1688 import endpoints
from harvester.quota.budget import LocalBudget
from harvester.quota.pace import LocalPacer
from harvester.quota.shared import RedisBudget, RedisPacer
from tests.crawlers import project_crawler


def worker(**settings):
    crawler = project_crawler(**settings)
    crawler.stats.open_spider()
    middleware = QuotaMiddleware.from_crawler(crawler)
    request = api_request(GatewayAccess.from_crawler(crawler), endpoints.PRODUCT_LIST, {"productIdList": [1]})
    return crawler, middleware, request


def distributed(redis_server, redis_prefix, **settings):
    return worker(HARVEST_DISTRIBUTED=True, REDIS_URL=redis_server.url, HARVEST_REDIS_PREFIX=redis_prefix, **settings)


def test_one_machine_paces_and_counts_in_process(tmp_path):
    crawler, middleware, request = worker(OPEN1688_DAILY_CALL_BUDGET=5, OPEN1688_STATE_DIR=str(tmp_path))
    assert isinstance(middleware.pacer, LocalPacer) and isinstance(middleware.budget, LocalBudget)
    assert crawler.stats.get_value("harvester/quota/shared") is False

    async def run() -> None:
        await middleware.process_request(request)
        await middleware.process_request(Request("https://example.com/image.jpg"))  # not a gateway call
        await middleware.close()

    asyncio.run(run())
    assert crawler.stats.get_value("harvester/quota/calls") == 1
    assert crawler.stats.get_value("harvester/quota/budget_spent_today") == 1


@pytest.mark.redis
def test_workers_share_one_budget_and_the_first_to_find_it_spent_stops(redis_server, redis_prefix):
    first, first_mw, request = distributed(redis_server, redis_prefix, OPEN1688_DAILY_CALL_BUDGET=3, OPEN1688_QPS=1000)
    second, second_mw, _ = distributed(redis_server, redis_prefix, OPEN1688_DAILY_CALL_BUDGET=3, OPEN1688_QPS=1000)
    assert isinstance(first_mw.pacer, RedisPacer) and isinstance(first_mw.budget, RedisBudget)

    async def run() -> None:
        await first_mw.process_request(request)
        await second_mw.process_request(request)
        await first_mw.process_request(request)
        # Refused, not dropped: the request goes back to the queue unsent, for the resume.
        put_back = await second_mw.process_request(request)
        assert put_back is not None and put_back.url == request.url and put_back.dont_filter
        await first_mw.close()
        await second_mw.close()

    asyncio.run(run())
    assert first.stats.get_value("harvester/quota/calls") == 2
    assert second.stats.get_value("harvester/quota/calls") == 1
    assert second.stats.get_value("harvester/stop/reason") == "daily_budget_spent"
    assert second.stats.get_value("harvester/quota/refused_budget") == 1
    assert second.stats.get_value("harvester/stop/put_back") == 1
    assert first.stats.get_value("harvester/quota/budget_spent_today") == 3
    assert first.stats.get_value("harvester/quota/shared") is True


@pytest.mark.redis
def test_workers_share_one_pace(redis_server, redis_prefix):
    # 10 calls/s: each call after the first waits for its slot, 0.1 s after the one before, whichever worker makes it.
    first, first_mw, request = distributed(redis_server, redis_prefix, OPEN1688_QPS=10, OPEN1688_QPS_HEADROOM=0)
    second, second_mw, _ = distributed(redis_server, redis_prefix, OPEN1688_QPS=10, OPEN1688_QPS_HEADROOM=0)

    async def run() -> list[float]:
        # When each call may go, from before the first: a loaded machine only makes the steps later, never sooner.
        started = time.monotonic()
        sent = []
        for middleware in (first_mw, second_mw, first_mw):
            await middleware.process_request(request)
            sent.append(time.monotonic() - started)
        await first_mw.close()
        await second_mw.close()
        return sent

    sent = asyncio.run(run())
    # Paced apart, not each worker on its own (the second worker's first call would then go at once, and only the
    # first worker's second call would wait): slots 0.1 s apart by Redis's clock, less a hair of float rounding.
    assert sent[1] >= 0.1 - 1e-3 and sent[2] >= 0.2 - 1e-3, sent
    assert first.stats.get_value("harvester/quota/calls") == 2
    assert second.stats.get_value("harvester/quota/calls") == 1


@pytest.mark.redis
def test_a_throttled_worker_slows_down_every_worker(redis_server, redis_prefix):
    first, first_mw, request = distributed(redis_server, redis_prefix, OPEN1688_QPS=20, OPEN1688_QPS_HEADROOM=0)
    second, second_mw, _ = distributed(redis_server, redis_prefix, OPEN1688_QPS=20, OPEN1688_QPS_HEADROOM=0)

    for middleware in (first_mw, second_mw):
        # Recovering over 1,000 s rather than 5: the rate read below is the cut one however late it is read.
        assert isinstance(middleware.pacer, RedisPacer)
        middleware.pacer.recovery = 1000.0

    async def run() -> float:
        first.signals.send_catch_log(harvester_signals.gateway_throttled, request=request, retry_after=None)
        await first_mw.close()  # waits for the slow-down to be told to Redis
        assert isinstance(second_mw.pacer, RedisPacer)
        rate = (await second_mw.pacer.reserve_slot()).rate
        await second_mw.close()
        return rate

    assert asyncio.run(run()) == pytest.approx(15.0, abs=0.05)
    assert first.stats.get_value("harvester/quota/slowdowns") == 1


def test_an_unreachable_redis_fails_at_start_up_naming_redis_url():
    with pytest.raises(RedisUnavailable, match=r"^cannot reach Redis at REDIS_URL=redis://127\.0\.0\.1:1/0 "):
        worker(HARVEST_DISTRIBUTED=True, REDIS_URL="redis://127.0.0.1:1/0")


def test_a_redis_that_answers_with_an_error_is_not_called_unreachable():
    refused = RedisUnavailable.of(
        "redis://:secret@127.0.0.1:6390/0", redis.exceptions.OutOfMemoryError("command not allowed when used memory")
    )
    assert str(refused) == (
        "Redis at REDIS_URL=redis://:***@127.0.0.1:6390/0 refused a command (OutOfMemoryError: command not allowed "
        "when used memory): fix that server (its memory, a read-only replica, a key another program changed) or "
        "name another"
    )
    assert "cannot reach" not in str(RedisUnavailable.of("redis://127.0.0.1:6390/0", redis.ResponseError("x")))


@pytest.mark.redis
def test_redis_lost_during_the_crawl_stops_it_with_one_line(redis_server, redis_prefix):
    crawler, middleware, request = distributed(redis_server, redis_prefix, OPEN1688_QPS=1000)
    assert isinstance(middleware.pacer, RedisPacer)
    middleware.pacer._client.connection_pool.connection_kwargs["port"] = 1  # as if the server went away

    async def run():
        await middleware.pacer._client.connection_pool.disconnect()
        return await middleware.process_request(request)

    put_back = asyncio.run(run())
    assert put_back is not None and put_back.dont_filter, "not failed (its offer is not lost): back to the queue"
    assert crawler.stats.get_value("harvester/stop/reason") == "redis_unavailable"
    assert "REDIS_URL" in crawler.stats.get_value("harvester/stop/message")


def test_a_call_waiting_for_its_slot_when_the_crawl_stops_goes_back_to_the_queue_unsent(tmp_path):
    """Ctrl-C must not wait for a slow pace (or a long backoff) to end, and the call it waited for must not be
    sent nor dropped: it goes back to the queue, which a JOBDIR keeps for the resume. No budget is spent on it."""
    crawler, middleware, request = worker(
        OPEN1688_QPS=0.01, OPEN1688_DAILY_CALL_BUDGET=5, OPEN1688_STATE_DIR=str(tmp_path)
    )

    async def run():
        await middleware.process_request(request)  # the first call goes at once; the next slot is 100 s away
        waiting = asyncio.ensure_future(middleware.process_request(request.copy()))
        await asyncio.sleep(0)
        assert not waiting.done()
        crawler.stats.set_value("harvester/stop/reason", "shutdown")  # what stop_crawl (or Ctrl-C) leaves
        returned = await waiting
        await middleware.close()
        return returned

    put_back = asyncio.run(run())
    assert put_back is not None and put_back.dont_filter and put_back.url == request.url
    assert crawler.stats.get_value("harvester/quota/calls") == 1
    assert crawler.stats.get_value("harvester/quota/budget_spent_today") == 1, "the budget is spent as a call leaves"
    assert crawler.stats.get_value("harvester/stop/put_back") == 1


def test_a_stopping_crawl_sends_nothing_more(tmp_path):
    crawler, middleware, request = worker()
    crawler.stats.set_value("harvester/stop/reason", "daily_budget_spent")
    put_back = asyncio.run(middleware.process_request(request))
    assert put_back is not None and crawler.stats.get_value("harvester/quota/calls") is None
