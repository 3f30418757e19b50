"""The previous snapshot read back from the dataset agrees with the offers as they were written."""

from __future__ import annotations

from datetime import UTC, datetime

from harvester.history.changes import compare, state_of
from harvester.history.previous import PreviousSnapshot, previous_snapshot
from harvester.items import Product
from tests.builders import fixture_offers, make_crawler, normalised, write_crawl

OLD, NEW = "20250501T080000Z-000001", "20250502T080000Z-000002"
NOW = datetime(2025, 5, 2, 8, 0, 1, tzinfo=UTC)


def _products() -> list[Product]:
    items, _ = normalised(fixture_offers(NOW), NEW)
    return [item for item in items if type(item) is Product]


def test_every_offer_reads_back_as_it_was_written(tmp_path):
    products = _products()
    write_crawl(tmp_path, OLD, products[:1])
    write_crawl(tmp_path, NEW, products + products[:1])  # a duplicate row (two workers) reads as one offer
    snapshot = PreviousSnapshot.load(tmp_path)
    assert snapshot.crawl_id == NEW
    assert list(snapshot.offer_ids()) == sorted({p.offer_id for p in products}) and len(snapshot) == len(products)
    for product in products:
        state, crawled_at = snapshot.state(product.offer_id)
        assert compare(state, state_of(product)) == []
        assert state == state_of(product)
        assert crawled_at == product.crawled_at
    assert snapshot.state(1) is None and 1 not in snapshot


def test_a_crawl_never_compares_with_itself(tmp_path):
    write_crawl(tmp_path, OLD, _products()[:1])
    write_crawl(tmp_path, NEW, _products()[1:2])
    assert PreviousSnapshot.load(tmp_path, excluding=NEW).crawl_id == OLD
    assert PreviousSnapshot.load(tmp_path, excluding=OLD).crawl_id == NEW
    crawler = make_crawler(HARVEST_DATA_DIR=str(tmp_path), HARVEST_CRAWL_ID=NEW)
    assert previous_snapshot(crawler).crawl_id == OLD
    assert previous_snapshot(crawler) is previous_snapshot(crawler)


def test_no_earlier_crawl(tmp_path):
    assert PreviousSnapshot.load(tmp_path) is None
