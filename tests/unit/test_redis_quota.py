"""The shared pace (GCRA + AIMD in Lua) and the shared daily budget, against the private Redis."""

from __future__ import annotations

import asyncio
import threading
from bisect import bisect_left
from datetime import UTC, datetime

import pytest
import redis.asyncio

from harvester.distributed.connection import RedisUnavailable
from harvester.quota.shared import BUDGET_TTL, RedisBudget, RedisPacer, Slot

pytestmark = pytest.mark.redis

DAY1 = datetime(2026, 11, 28, 23, 59, 59, tzinfo=UTC).timestamp()
DAY2 = datetime(2026, 11, 29, 0, 0, 1, tzinfo=UTC).timestamp()


def pacer(redis_server, prefix: str, rate: float, **options) -> RedisPacer:
    client = redis.asyncio.Redis.from_url(redis_server.url)
    return RedisPacer(client, redis_server.url, prefix, "app1", rate, **options)


def budget(redis_server, prefix: str, limit: int) -> RedisBudget:
    return RedisBudget(redis.asyncio.Redis.from_url(redis_server.url), redis_server.url, prefix, "app1", limit)


def most_in_any_window(times: list[float], width: float) -> int:
    times = sorted(times)
    # A hair under the width: slot times are sums of floats and may land a rounding error early.
    return max(bisect_left(times, start + width - 1e-9) - i for i, start in enumerate(times))


@pytest.mark.parametrize("burst", [1, 5])
def test_concurrent_workers_never_get_more_than_rate_times_t_plus_burst(redis_server, redis_prefix, burst):
    # One slot a second: the reservations (nothing sleeps) stay ahead of the slots however slowly a loaded machine
    # makes them; at 50/s a 20 ms stall between the first two would have moved every later slot.
    rate, workers, each = 1.0, 6, 40

    async def run() -> list[float]:
        pacers = [pacer(redis_server, redis_prefix, rate, burst=burst) for _ in range(workers)]
        slots = await asyncio.gather(*(p.reserve_slot() for p in pacers for _ in range(each)))
        for p in pacers:
            await p.close()
        return [slot.at for slot in slots]

    times = asyncio.run(run())
    assert len(times) == workers * each
    for intervals in (1, 5, 25, 50, 150):
        width = intervals / rate
        assert most_in_any_window(times, width) <= rate * width + burst, width
    # And the limit is used, not just respected: the slots span what the rate needs, no more.
    assert max(times) - min(times) == pytest.approx((workers * each - burst) / rate, abs=0.05)


def test_slots_are_the_spacing_of_the_rate(redis_server, redis_prefix):
    # A slot every 10 s: the four reservations come long before their slots, however loaded the machine.
    async def run() -> list[Slot]:
        one = pacer(redis_server, redis_prefix, 0.1)
        slots = [await one.reserve_slot() for _ in range(4)]
        await one.close()
        return slots

    slots = asyncio.run(run())
    assert slots[0].wait == 0.0
    assert [b.at - a.at for a, b in zip(slots, slots[1:])] == pytest.approx([10.0] * 3)
    assert all(0 < slot.wait <= 30.0 for slot in slots[1:])


def server_time(client) -> float:
    seconds, microseconds = client.time()
    return seconds + microseconds / 1_000_000


def test_pause_holds_every_worker(redis_server, redis_prefix):
    client = redis_server.client()

    # Slot times are Redis server times: bracketing the pause with the server's clock bounds them exactly,
    # whatever the machine's load makes the steps take.
    async def run() -> tuple[float, float, Slot, Slot]:
        first, second = pacer(redis_server, redis_prefix, 10.0), pacer(redis_server, redis_prefix, 10.0)
        await first.reserve()
        before = server_time(client)
        await first.pause(2.0)
        after = server_time(client)
        held = await second.reserve_slot()
        await first.pause(0.5)  # a shorter pause never brings the next slot forward
        next_one = await second.reserve_slot()
        await first.close()
        await second.close()
        return before, after, held, next_one

    before, after, held, next_one = asyncio.run(run())
    assert before + 2.0 <= held.at <= after + 2.0
    assert next_one.at == pytest.approx(held.at + 0.1)


def test_a_slow_down_applies_to_the_whole_app_once_per_cooldown_and_recovers(redis_server, redis_prefix):
    client = redis_server.client()
    # Recovery over 1,000 s and a 100 s cooldown: the few steps below may take seconds on a loaded machine and
    # still move the rate by less than the tolerances (0.02 calls/s per second) and stay within one cooldown.
    options = {"recovery": 1000.0, "cooldown": 100.0, "decrease": 0.5}

    async def run() -> None:
        throttled = pacer(redis_server, redis_prefix, 20.0, **options)
        other = pacer(redis_server, redis_prefix, 20.0, **options)
        assert await throttled.throttled(None) == pytest.approx(10.0)
        assert await throttled.throttled(None) is None  # the same burst of complaints
        assert (await other.reserve_slot()).rate == pytest.approx(10.0, abs=0.2)  # recovering meanwhile
        # A quarter of the recovery after the complaints (moved into the past rather than waited for): a quarter
        # of the target is won back, and the cooldown is over.
        pace = {k.decode(): float(v) for k, v in client.hgetall(throttled.pace_key).items()}
        client.hset(throttled.pace_key, mapping={"at": pace["at"] - 250, "cut": pace["cut"] - 250})
        assert (await other.reserve_slot()).rate == pytest.approx(15.0, abs=0.2)
        assert await other.throttled(None) == pytest.approx(7.5, abs=0.1)  # from the shared rate, not 20
        await throttled.close()
        await other.close()

    asyncio.run(run())
    # The pace is kept while it matters: until the rate is back (1,000 s from 7.5 of 20 is 625 s), then it goes.
    assert 615 < client.pttl(f"{redis_prefix}:quota:app1:pace") / 1000 <= 626


def test_a_slow_down_never_goes_below_the_floor(redis_server, redis_prefix):
    client = redis_server.client()

    async def run() -> float:
        # Recovering over 10,000 s: the rate read just after the last cut is the floor, however late it is read.
        one = pacer(redis_server, redis_prefix, 1.0, floor=0.2, cooldown=0.0, recovery=10_000.0)
        for _ in range(10):
            await one.throttled(None)
        rate = (await one.reserve_slot()).rate
        await one.close()
        return rate

    assert asyncio.run(run()) == pytest.approx(0.2, abs=0.001)
    assert client.exists(f"{redis_prefix}:quota:app1:tat")


def test_the_budget_stops_at_the_limit_exactly_across_racing_workers(redis_server, redis_prefix):
    limit, workers, each = 100, 3, 60
    spent: list[int] = [0] * workers
    start = threading.Barrier(workers)

    def worker(index: int) -> None:
        async def run() -> int:
            shared = budget(redis_server, redis_prefix, limit)
            start.wait()
            outcomes = await asyncio.gather(*(shared.try_spend(DAY1) for _ in range(each)))
            await shared.close()
            return sum(outcomes)

        spent[index] = asyncio.run(run())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(spent) == limit

    async def remaining() -> tuple[bool, int]:
        shared = budget(redis_server, redis_prefix, limit)
        refused, count = await shared.try_spend(DAY1), await shared.spent(DAY1)
        await shared.close()
        return refused, count

    assert asyncio.run(remaining()) == (False, limit)


def test_the_budget_rolls_over_at_midnight_utc_and_expires(redis_server, redis_prefix):
    async def run() -> list[bool]:
        shared = budget(redis_server, redis_prefix, 1)
        outcomes = [await shared.try_spend(DAY1), await shared.try_spend(DAY1), await shared.try_spend(DAY2)]
        await shared.close()
        return outcomes

    assert asyncio.run(run()) == [True, False, True]
    client = redis_server.client()
    key = f"{redis_prefix}:budget:app1:2026-11-28"
    assert client.get(key) == b"1"
    assert BUDGET_TTL - 60 < client.ttl(key) <= BUDGET_TTL


def test_redis_going_away_is_a_typed_one_line_error():
    async def run() -> None:
        down = "redis://127.0.0.1:1/0"
        client = redis.asyncio.Redis.from_url(down, socket_connect_timeout=1)
        with pytest.raises(RedisUnavailable, match=r"REDIS_URL=redis://127\.0\.0\.1:1/0"):
            await RedisPacer(client, down, "p", "app1", 5.0).reserve()
        with pytest.raises(RedisUnavailable, match="REDIS_URL"):
            await RedisBudget(client, down, "p", "app1", 5).try_spend(DAY1)
        await client.aclose()

    asyncio.run(run())
