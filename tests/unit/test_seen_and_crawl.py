"""The in-memory seen-set against a plain set, and the crawl identity every pipeline shares."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime

import pytest

from harvester.crawl.identity import crawl_identity, new_crawl_id, safe_name, started_at_of
from harvester.crawl.seen import MemorySeenSet
from tests.builders import make_crawler


def test_seen_set_agrees_with_a_set_across_merges():
    rng = random.Random(7)
    seen, reference = MemorySeenSet(), set()
    # Enough ids, with repeats, to merge every bucket several times; negative and huge ids included.
    keys = [rng.randrange(-(2**63), 2**63) for _ in range(3000)]
    keys += [rng.randrange(10**11, 10**11 + 60_000) for _ in range(120_000)]
    for key in keys:
        assert seen.add(key) is (key not in reference)
        reference.add(key)
    assert len(seen) == len(reference)
    assert seen.add_many(keys[:5] + [-1, -1]) == [False] * 5 + [True, False]


def test_seen_set_takes_keys_that_are_not_int64():
    seen = MemorySeenSet()
    assert seen.add_many(["seller-1", "seller-1", 2**64, 2**64, 5, "5"]) == [True, False, True, False, True, True]


def test_generated_crawl_id_sorts_by_time_and_carries_its_start():
    now = datetime(2025, 5, 1, 23, 59, 59, tzinfo=UTC)
    crawl_id = new_crawl_id(now)
    assert re.fullmatch(r"20250501T235959Z-[0-9a-f]{6}", crawl_id)
    assert started_at_of(crawl_id) == now
    assert started_at_of("my-crawl") is None and started_at_of("20251399T000000Z-x") is None


def test_one_identity_per_crawler():
    crawler = make_crawler()
    identity = crawl_identity(crawler)
    assert crawl_identity(crawler) is identity
    assert identity is not crawl_identity(make_crawler())
    assert re.fullmatch(r"[A-Za-z0-9_.]+_\d+", identity.worker_id)
    assert identity.crawl_date == identity.started_at.date()


def test_given_crawl_id_sets_the_partition_of_every_worker():
    identity = crawl_identity(make_crawler(HARVEST_CRAWL_ID="20240229T230000Z-00ff00", HARVEST_WORKER_ID="host-a/1"))
    assert identity.crawl_id == "20240229T230000Z-00ff00"
    assert identity.crawl_date == date(2024, 2, 29)
    assert identity.worker_id == "host_a_1"


def test_hand_made_crawl_id_starts_now():
    before = datetime.now(UTC)
    identity = crawl_identity(make_crawler(HARVEST_CRAWL_ID="nightly.v2"))
    after = datetime.now(UTC)
    assert identity.crawl_id == "nightly.v2"
    assert before <= identity.started_at <= after


@pytest.mark.parametrize("crawl_id", ["../escape", "a/b", "-lead", "spaces here"])
def test_unsafe_crawl_ids_are_refused(crawl_id):
    with pytest.raises(ValueError, match="HARVEST_CRAWL_ID"):
        crawl_identity(make_crawler(HARVEST_CRAWL_ID=crawl_id))


def test_safe_name():
    assert safe_name("worker-1.example.com") == "worker_1.example.com"
    assert safe_name("///") == "x"
