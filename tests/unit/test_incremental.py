"""Incremental re-harvests: the index of each offer's newest detail, the plan's decisions, and carrying forward."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow.compute as pc
import pytest

from harvester.crawl.identity import CrawlIdentity
from harvester.dataset.snapshot import latest_snapshot
from harvester.dataset.writer import DatasetWriter
from harvester.history.carry import CarryForward
from harvester.history.details import DetailIndex
from harvester.history.plan import DetailPlan, Mode, Reason, parse_flag, parse_mode, plan_summary
from tests.builders import make_crawler, many_products, write_crawl

OLD = "20261201T080000Z-0ld000"
NEWER = "20261203T080000Z-newer0"
NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
#: China time of the listings' modifyDate: 2026-12-01 16:00 in China is 08:00 UTC.
MODIFIED = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def products(offer_ids: range, crawl_id: str, detailed_at: datetime, price: str = "10") -> list:
    made = many_products(offer_ids, crawl_id)
    return [
        dataclasses.replace(
            p,
            crawl_id=crawl_id,
            detail_crawl_id=crawl_id,
            crawled_at=detailed_at,
            listing_price=Decimal(price),
            modified_at=MODIFIED,
            month_sold=100,
            skus=[dataclasses.replace(s, crawl_id=crawl_id, crawled_at=detailed_at) for s in p.skus],
        )
        for p in made
    ]


def listing(price: str = "10", modified: str = "2026-12-01 16:00:00", sold: int = 100) -> dict:
    return {"priceInfo": {"price": price}, "modifyDate": modified, "monthSold": sold}


@pytest.fixture
def dataset(tmp_path):
    """Offers 1-3 detailed in an old crawl; 2-4 in a newer one (a newer detail of 2 and 3; 4 new there)."""
    write_crawl(tmp_path, OLD, products(range(1, 4), OLD, NOW - timedelta(days=3), price="10"))
    write_crawl(tmp_path, NEWER, products(range(2, 5), NEWER, NOW - timedelta(days=1), price="12"))
    return tmp_path


def test_the_index_keeps_each_offers_newest_detail_across_crawls(dataset):
    index = DetailIndex.load(dataset)
    assert len(index) == 4
    assert index.get(1).detail_crawl_id == OLD and index.get(1).listing_price == Decimal("10")
    assert index.get(2).detail_crawl_id == NEWER and index.get(2).listing_price == Decimal("12")
    assert index.get(4).crawl_id == NEWER and index.get(5) is None
    assert len(DetailIndex.load(dataset, excluding=NEWER)) == 3


def test_an_empty_dataset_has_no_detail_of_anything(tmp_path):
    index = DetailIndex.load(tmp_path)
    assert len(index) == 0 and index.get(1) is None


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (listing(price="12"), Reason.UNCHANGED),
        (listing(price="12.00"), Reason.UNCHANGED),  # the same price, written another way
        (listing(price="13"), Reason.CHANGED),
        (listing(price="12", modified="2026-12-02 09:00:00"), Reason.CHANGED),
        (listing(price="12", sold=119), Reason.UNCHANGED),  # within 20%
        (listing(price="12", sold=121), Reason.CHANGED),
        ({"monthSold": 100}, Reason.UNCHANGED),  # a sparse item shows no price nor date: nothing to tell
    ],
)
def test_changed_fetches_what_the_listing_shows_moved(dataset, item, reason):
    plan = DetailPlan(Mode.CHANGED, DetailIndex.load(dataset), month_sold_tolerance=0.2, max_age=7 * 86400, now=NOW)
    assert plan.decide(2, item)[0] is reason


def test_undated_listings_are_fetched_when_asked(dataset):
    """HARVEST_UNDATED_LISTINGS=fetch: an item without modifyDate cannot show an edit of one SKU's price."""
    plan = DetailPlan(
        Mode.CHANGED,
        DetailIndex.load(dataset),
        month_sold_tolerance=0.2,
        max_age=7 * 86400,
        fetch_undated=True,
        now=NOW,
    )
    sparse = {"priceInfo": {"price": "12"}, "monthSold": 100}
    assert plan.decide(2, sparse)[0] is Reason.UNDATED and Reason.UNDATED.fetch
    assert plan.decide(2, listing(price="12"))[0] is Reason.UNCHANGED, "a dated listing is judged as before"
    assert plan.decide(2, {**sparse, "priceInfo": {"price": "13"}})[0] is Reason.CHANGED


def test_changed_fetches_new_and_stale_offers_and_ids_without_a_listing(dataset):
    plan = DetailPlan(Mode.CHANGED, DetailIndex.load(dataset), month_sold_tolerance=0.2, max_age=2 * 86400, now=NOW)
    assert plan.decide(9, listing())[0] is Reason.NEW
    assert plan.decide(1, listing(price="10"))[0] is Reason.STALE  # detailed 3 days ago, 2 days allowed
    assert plan.decide(2, listing(price="12"))[0] is Reason.UNCHANGED
    assert plan.decide(2, None)[0] is Reason.ALL  # an id asked for by id is always fetched


def test_new_none_and_all(dataset):
    index = DetailIndex.load(dataset)
    new = DetailPlan(Mode.NEW, index, month_sold_tolerance=0.2, max_age=0, now=NOW)
    assert [new.decide(i, listing(price="99"))[0] for i in (1, 9)] == [Reason.UNCHANGED, Reason.NEW]
    none = DetailPlan(Mode.NONE, index, month_sold_tolerance=0.2, max_age=0, now=NOW)
    assert none.decide(9, listing())[0] is Reason.LISTING_ONLY and not Reason.LISTING_ONLY.fetch
    assert DetailPlan(Mode.ALL, None, month_sold_tolerance=0.2, max_age=0).decide(1, listing())[0] is Reason.ALL


def test_arguments_are_checked():
    assert parse_mode("Changed") is Mode.CHANGED and parse_mode(None) is Mode.ALL
    with pytest.raises(ValueError, match="details='some': use one of all, new, changed, none"):
        parse_mode("some")
    assert parse_flag("1", "dry_run") and not parse_flag("", "dry_run")
    with pytest.raises(ValueError, match="dry_run='maybe': give 1 or 0"):
        parse_flag("maybe", "dry_run")


def test_carried_offers_land_in_the_new_crawl_from_their_newest_detail(dataset):
    index = DetailIndex.load(dataset)
    current = "20261204T080000Z-curr00"
    crawler = make_crawler(HARVEST_DATA_DIR=str(dataset), HARVEST_CRAWL_ID=current)
    carry = CarryForward(crawler)
    for offer_id in (1, 2):
        carry.add(offer_id, index.get(offer_id), "保温杯 new label")
    writer = DatasetWriter(dataset, CrawlIdentity(current, NOW, "w"))
    writer.open()
    copied = carry.write(writer)
    writer.close()
    assert writer.error is None
    tables = latest_snapshot(dataset, ("products", "skus"), crawl_id=current)
    rows = {row["offer_id"]: row for row in tables["products"].to_pylist()}
    assert set(rows) == {1, 2} and copied["products"] == 2
    assert rows[1]["detail_crawl_id"] == OLD and rows[2]["detail_crawl_id"] == NEWER
    assert rows[2]["listing_price"] == Decimal("12") and rows[1]["crawled_at"] == NOW - timedelta(days=3)
    assert {row["crawl_id"] for row in rows.values()} == {current}
    assert {row["query"] for row in rows.values()} == {"保温杯 new label"}
    skus = tables["skus"]
    assert set(pc.unique(skus.column("offer_id")).to_pylist()) == {1, 2}
    assert set(pc.unique(skus.column("detail_crawl_id")).to_pylist()) == {OLD, NEWER}
    assert copied["skus"] == skus.num_rows > 0


def test_the_summary_says_what_the_plan_cost_and_what_a_dry_run_would():
    stats = {
        "harvester/plan/mode": "changed",
        "harvester/plan/new": 3,
        "harvester/plan/changed": 2,
        "harvester/plan/unchanged": 95,
        "harvester/search/pages_planned": 2,
    }
    assert plan_summary(stats) == "details=changed: 3 new, 2 changed, 95 unchanged; 5 detail calls and 2 search pages"
    stats["harvester/plan/dry_run"] = True
    assert plan_summary(stats) == (
        "dry run of details=changed: 2 search pages; 5 detail calls it would cost "
        "(3 new, 2 changed, 95 unchanged); 95 unchanged offers it would carry forward"
    )
    assert plan_summary({"harvester/plan/mode": "all"}) is None
    # A dry run of the default plan prints its cost too (`scrapy crawl` prints the line).
    assert plan_summary(
        {
            "harvester/plan/mode": "all",
            "harvester/plan/all": 60,
            "harvester/plan/dry_run": True,
            "harvester/search/pages_planned": 2,
        }
    ) == (
        "dry run of details=all: 2 search pages; 60 detail calls it would cost (60 all); 0 unchanged offers it "
        "would carry forward"
    )
