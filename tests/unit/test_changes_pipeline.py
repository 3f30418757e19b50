"""The changes pipeline, built from a crawler as Scrapy builds it, against a previous crawl on disk."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler

from harvester.items import Change, MissingOffer, Product, Sku
from harvester.pipelines.changes import ChangesPipeline
from tests.builders import make_crawler, write_crawl

OLD, NEW = "20250501T080000Z-000001", "20250502T080000Z-000002"
BEFORE, NOW = datetime(2025, 5, 1, 8, tzinfo=UTC), datetime(2025, 5, 2, 8, tzinfo=UTC)


def _product(offer_id: int, price: str, stock: int = 5, at: datetime = BEFORE) -> Product:
    sku = Sku(offer_id, offer_id * 10, None, "颜色=红色", [], Decimal(price), stock=stock, crawled_at=at)
    return Product(
        offer_id,
        title="t",
        status="published",
        stock=stock,
        price_min=Decimal(price),
        price_max=Decimal(price),
        source_api="batch_detail",
        skus=[sku],
        crawled_at=at,
    )


@pytest.fixture
def pipeline(tmp_path):
    write_crawl(tmp_path, OLD, [_product(1, "10"), _product(2, "20"), _product(3, "30")])
    crawler = make_crawler(
        HARVEST_DATA_DIR=str(tmp_path), HARVEST_CRAWL_ID=NEW, HARVEST_CHANGES=True, HARVEST_CHANGES_SUMMARY_MOVES=1
    )
    crawler.stats.open_spider()
    pipeline = build_from_crawler(ChangesPipeline, crawler)
    pipeline.open_spider()
    return pipeline


def test_off_unless_asked_for():
    with pytest.raises(NotConfigured):
        build_from_crawler(ChangesPipeline, make_crawler())


def test_changed_offers_carry_their_changes(pipeline):
    changed = pipeline.process_item(_product(1, "12.5", at=NOW))
    assert changed.changes == [
        Change(1, "price_min", "10", "12.5", BEFORE, NOW, None, NEW, OLD, "detail"),
        Change(1, "price_max", "10", "12.5", BEFORE, NOW, None, NEW, OLD, "detail"),
        Change(1, "price", "10", "12.5", BEFORE, NOW, 10, NEW, OLD, "detail"),
    ]
    assert pipeline.process_item(_product(2, "20", at=NOW)).changes == []
    new = pipeline.process_item(_product(4, "1", at=NOW))
    assert new.changes == []
    stats = pipeline.crawler.stats.get_stats()
    assert stats["harvester/changes/previous_crawl_id"] == OLD
    assert (stats["harvester/changes/compared"], stats["harvester/changes/offers_changed"]) == (2, 1)
    assert (stats["harvester/changes/new_offers"], stats["harvester/changes/rows"]) == (1, 3)


def test_an_offer_gone_since_is_a_change_and_an_unknown_one_is_not(pipeline):
    gone = pipeline.process_item(MissingOffer(3, "OFFER_NOT_FOUND: 商品不存在", NOW))
    assert gone.changes == [Change(3, "offer", "listed", "missing", BEFORE, NOW, None, NEW, OLD, "detail")]
    assert pipeline.process_item(MissingOffer(99, "gone", NOW)).changes == []
    assert pipeline.crawler.stats.get_value("harvester/changes/gone") == 1


def test_the_summary_names_the_biggest_price_moves(pipeline, caplog):
    pipeline.process_item(_product(1, "12.5", at=NOW))
    pipeline.process_item(replace(_product(2, "10", at=NOW), title="新"))
    pipeline.process_item(MissingOffer(3, "gone", NOW))
    with caplog.at_level(logging.INFO, logger="harvester.pipelines.changes"):
        pipeline.close_spider()
    assert caplog.messages[-1] == (
        f"Changes: 3 of 3 offers changed since crawl {OLD}; price_min 2, price_max 2, price 2, title 1, offer 1; "
        "biggest price moves: offer 2 price_min 20 -> 10 (-50.0%)"
    )


def test_an_offer_whose_listing_and_detail_move_alike_is_one_of_the_biggest_moves(tmp_path, caplog):
    # The listing's price and the detail's prices of one offer often move by the same share: the summary must
    # neither fail on the tie nor name the offer twice.
    write_crawl(tmp_path, OLD, [_product(1, "10"), _product(2, "20")])
    crawler = make_crawler(
        HARVEST_DATA_DIR=str(tmp_path), HARVEST_CRAWL_ID=NEW, HARVEST_CHANGES=True, HARVEST_CHANGES_SUMMARY_MOVES=5
    )
    crawler.stats.open_spider()
    pipeline = build_from_crawler(ChangesPipeline, crawler)
    pipeline.open_spider()
    pipeline.process_item(_product(1, "12", at=NOW))
    pipeline.process_item(_product(1, "12", at=NOW))  # the same move seen a second time (a listing, a detail)
    pipeline.process_item(_product(2, "30", at=NOW))
    with caplog.at_level(logging.INFO, logger="harvester.pipelines.changes"):
        pipeline.close_spider()
    assert caplog.messages[-1].endswith(
        "biggest price moves: offer 2 price_min 20 -> 30 (+50.0%); offer 1 price_min 10 -> 12 (+20.0%)"
    )


def test_without_an_earlier_crawl_every_offer_is_new(tmp_path, caplog):
    crawler = make_crawler(HARVEST_DATA_DIR=str(tmp_path), HARVEST_CHANGES=True)
    crawler.stats.open_spider()
    pipeline = build_from_crawler(ChangesPipeline, crawler)
    with caplog.at_level(logging.WARNING):
        pipeline.open_spider()
    assert "every offer is new" in caplog.text
    assert pipeline.process_item(_product(1, "1")).changes == []
