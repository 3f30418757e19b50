"""Who closes, who waits, who is last: the finishing script against the private Redis."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from harvester.distributed.finish import FINISH, HEARTBEAT, Finish
from harvester.distributed.keys import CrawlKeys
from harvester.history.carry import carry_forward
from harvester.history.details import LastDetail
from harvester.history.plan import DetailPlan, Mode
from tests.builders import make_crawler

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


# --- The last worker's reconciliation: what counts as claimed by a dead worker -------------------------------

CRAWL_ID = "20261206T200000Z-c1a1m5"


def _finish(redis_server, redis_prefix, tmp_path, mode, *, dry_run=False):
    crawler = make_crawler(
        REDIS_URL=redis_server.url,
        HARVEST_REDIS_PREFIX=redis_prefix,
        HARVEST_DATA_DIR=str(tmp_path),
        HARVEST_CRAWL_ID=CRAWL_ID,
    )
    crawler.stats.open_spider()
    plan = DetailPlan(mode, None, month_sold_tolerance=0.2, max_age=7 * 86400)
    details = SimpleNamespace(plan=plan, again=lambda offer_ids: sorted(offer_ids))
    finish = Finish(crawler, SimpleNamespace(name="keyword", dry_run=dry_run, details=details))
    redis_server.client().sadd(finish.seen_keys["wanted"], 1, 2, 3, 4)
    return crawler, finish


def test_offers_carried_forward_are_not_taken_for_a_dead_workers(redis_server, redis_prefix, tmp_path):
    crawler, finish = _finish(redis_server, redis_prefix, tmp_path, Mode.NEW)
    last = LastDetail(
        "20261205T000000Z-0ld0ld", "20261205T000000Z-0ld0ld", datetime(2026, 12, 5, tzinfo=UTC), None, None, None
    )
    carry_forward(crawler).add(2, last, "风筝")  # unchanged: its rows are copied in as this worker closes
    finish.kept.add(3)  # fetched by this worker, written as it closes
    assert finish.reconcile() == [1, 4]  # claimed, and neither written nor kept by anyone alive: fetched again


@pytest.mark.parametrize(("mode", "dry_run"), [(Mode.NONE, False), (Mode.ALL, True)])
def test_a_crawl_that_fetches_no_detail_reconciles_nothing(redis_server, redis_prefix, tmp_path, mode, dry_run):
    _, finish = _finish(redis_server, redis_prefix, tmp_path, mode, dry_run=dry_run)
    assert finish.reconcile() == []
