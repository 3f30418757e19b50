"""Who closes, who waits, who is last: the finishing script against the private Redis."""

from __future__ import annotations

import pytest

from harvester.distributed.finish import FINISH, HEARTBEAT
from harvester.distributed.keys import CrawlKeys

pytestmark = pytest.mark.redis

LEASE_MS = 30_000


@pytest.fixture
def crawl(redis_server, redis_prefix):
    client = redis_server.client()
    keys = CrawlKeys(f"{redis_prefix}:crawl:keyword")
    finish, beat = client.register_script(FINISH), client.register_script(HEARTBEAT)

    class Crawl:
        def join(self, worker: str, kept: int = 0) -> None:
            beat(keys=[keys.workers, keys.progress], args=[worker, LEASE_MS, kept])

        def decide(self, worker: str) -> str:
            return finish(keys=[keys.workers, keys.closing], args=[worker, LEASE_MS]).decode()

        def leave(self, worker: str) -> None:
            client.zrem(keys.workers, worker)
            client.srem(keys.closing, worker)

        def die(self, worker: str) -> None:
            client.zadd(keys.workers, {worker: 0})  # its heartbeat ran out long ago

    yield Crawl()
    client.close()


def test_the_others_close_and_exactly_one_is_last(crawl):
    for worker in ("a", "b", "c"):
        crawl.join(worker)
    assert crawl.decide("a") == "close"
    assert crawl.decide("b") == "close"
    assert crawl.decide("c") == "wait", "a and b have not committed their files yet"
    crawl.leave("a")
    assert crawl.decide("c") == "wait"
    crawl.leave("b")
    assert crawl.decide("c") == "last"


def test_a_dead_worker_is_not_waited_for(crawl):
    crawl.join("a")
    crawl.join("b")
    assert crawl.decide("a") == "close"
    crawl.die("a")  # killed while closing: its files may be lost, which the last worker reconciles
    assert crawl.decide("b") == "last"


def test_a_lone_worker_is_last_and_publishes_what_it_kept(crawl, redis_server, redis_prefix):
    crawl.join("a", kept=40)
    assert crawl.decide("a") == "last"
    keys = CrawlKeys(f"{redis_prefix}:crawl:keyword")
    assert redis_server.client().hget(keys.progress, "a") == b"40"
