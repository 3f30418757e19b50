"""Normalise and de-duplicate pipelines, built from a crawler as Scrapy builds them; the dataset pipeline's settings."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler

from harvester.crawl.identity import crawl_identity
from harvester.crawl.seen import MemorySeenSet
from harvester.exceptions import ConfigurationError
from harvester.items import Listing, Product, RawListing, RawOffer, Reject, SearchHit, Seller
from harvester.pipelines.dataset import DatasetPipeline
from harvester.pipelines.dedupe import DeduplicatePipeline
from harvester.pipelines.normalise import NormalisePipeline
from tests.builders import load, make_crawler

NOW = datetime(2025, 5, 1, tzinfo=UTC)


@pytest.fixture
def crawler():
    crawler = make_crawler(HARVEST_CRAWL_ID="20250501T000000Z-0a0b0c")
    crawler.stats.open_spider()
    return crawler


def test_normalise_pipeline_turns_raw_offers_into_products_and_counts(crawler):
    pipeline = build_from_crawler(NormalisePipeline, crawler)
    product = pipeline.process_item(RawOffer("product_detail", load("product_detail.json"), "保温杯", None, NOW))
    assert isinstance(product, Product)
    assert product.crawl_id == crawl_identity(crawler).crawl_id == "20250501T000000Z-0a0b0c"
    stats = crawler.stats.get_stats()
    assert stats["harvester/normalise/products"] == 1
    assert stats["harvester/normalise/skus"] == 3
    assert stats["harvester/normalise/repaired/duplicate_sku"] == 1
    assert stats["harvester/normalise/dropped/price_unparseable"] == 1


def test_normalise_pipeline_turns_raw_listings_into_listings_and_counts(crawler):
    pipeline = build_from_crawler(NormalisePipeline, crawler)
    for item in load("search_items.json")["data"]:
        pipeline.process_item(RawListing("keyword_search", item, "保温杯", NOW))
    listing = pipeline.process_item(RawListing("image_search", {"offerId": "9", "monthSold": "-1"}, "image:1", NOW))
    assert isinstance(listing, Listing)
    assert (listing.offer_id, listing.crawl_id, listing.query) == (9, "20250501T000000Z-0a0b0c", "image:1")
    pipeline.close_spider()
    stats = crawler.stats.get_stats()
    assert stats["harvester/normalise/listings"] == 6
    assert stats["harvester/normalise/rejected/no_offer_id"] == 1
    assert stats["harvester/normalise/repaired/negative_month_sold"] == 2
    assert "harvester/normalise/products" not in stats


def test_normalise_pipeline_rejects_and_passes_other_items(crawler):
    pipeline = build_from_crawler(NormalisePipeline, crawler)
    reject = pipeline.process_item(RawOffer("product_detail", {"subject": "no id"}, None, None, NOW))
    assert isinstance(reject, Reject) and reject.crawl_id == "20250501T000000Z-0a0b0c"
    assert crawler.stats.get_value("harvester/normalise/rejected/no_offer_id") == 1
    hit = SearchHit("q", 1, 1, 1, NOW)
    assert pipeline.process_item(hit) is hit


def test_normalise_pipeline_uses_the_image_base_setting():
    crawler = make_crawler(HARVEST_IMAGE_BASE_URL="https://mirror.example/")
    crawler.stats.open_spider()
    pipeline = build_from_crawler(NormalisePipeline, crawler)
    data = {
        "offerId": 1,
        "productImage": {"images": ["img/a.jpg"]},
        "productSaleInfo": {"priceRangeList": [{"price": "1"}]},
    }
    assert pipeline.process_item(RawOffer("product_detail", data)).image_urls == ["https://mirror.example/img/a.jpg"]
    listing = pipeline.process_item(RawListing("keyword_search", {"offerId": 1, "imageUrl": "/img/b.jpg"}))
    assert listing.image_url == "https://mirror.example/img/b.jpg"


def test_normalise_counts_reach_the_stats_within_a_second_and_exactly_at_close(crawler, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("harvester.pipelines.normalise.monotonic", lambda: clock[0])
    pipeline = build_from_crawler(NormalisePipeline, crawler)

    def offer() -> RawOffer:
        return RawOffer("product_detail", load("product_detail.json"), "保温杯", None, NOW)

    for _ in range(5):
        pipeline.process_item(offer())
    stats = crawler.stats.get_stats()
    assert stats["harvester/normalise/products"] == 1  # the first at once, the next four held back
    clock[0] += 1.0
    pipeline.process_item(offer())
    pipeline.process_item(RawOffer("product_detail", {"subject": "no id"}, None, None, NOW))
    assert stats["harvester/normalise/products"] == 6
    assert "harvester/normalise/rejected/no_offer_id" not in stats
    pipeline.close_spider()
    assert stats["harvester/normalise/products"] == 6
    assert stats["harvester/normalise/skus"] == 18
    assert stats["harvester/normalise/repaired/duplicate_sku"] == 6
    assert stats["harvester/normalise/rejected/no_offer_id"] == 1


def _product(offer_id: int, seller: str | None = None, query: str = "a") -> Product:
    return Product(offer_id, price_min=Decimal(1), query=query, seller=Seller(seller) if seller else None)


def test_dedupe_keeps_the_first_product_of_an_offer(crawler):
    pipeline = build_from_crawler(DeduplicatePipeline, crawler)
    first = _product(1, query="保温杯")
    assert pipeline.process_item(first) is first
    with pytest.raises(DropItem, match="offer 1 already kept"):
        pipeline.process_item(_product(1, query="水杯"))
    assert pipeline.process_item(_product(2)).offer_id == 2
    assert crawler.stats.get_value("harvester/dedupe/dropped/offer") == 1


def test_dedupe_keeps_each_seller_once(crawler):
    pipeline = build_from_crawler(DeduplicatePipeline, crawler)
    assert pipeline.process_item(_product(1, "s1")).seller.seller_open_id == "s1"
    second = pipeline.process_item(_product(2, "s1"))
    assert second.seller is None
    assert pipeline.process_item(_product(3, "s2")).seller.seller_open_id == "s2"
    assert crawler.stats.get_value("harvester/dedupe/repeated/seller") == 1


def test_dedupe_keeps_the_first_listing_of_an_offer(crawler):
    pipeline = build_from_crawler(DeduplicatePipeline, crawler)
    first = Listing(1, query="保温杯")
    assert pipeline.process_item(first) is first
    with pytest.raises(DropItem, match="offer 1 already listed"):
        pipeline.process_item(Listing(1, query="水杯"))
    # Listings and products of one offer are kept apart: the offer's detail is still new.
    assert pipeline.process_item(_product(1)).offer_id == 1
    assert pipeline.process_item(Listing(2)).offer_id == 2
    assert crawler.stats.get_value("harvester/dedupe/dropped/listing") == 1
    assert crawler.stats.get_value("harvester/dedupe/dropped/offer") is None


def test_dedupe_never_touches_search_hits_or_rejects(crawler):
    pipeline = build_from_crawler(DeduplicatePipeline, crawler)
    items = [SearchHit("q", 1, 1, 1, NOW), SearchHit("q", 1, 1, 1, NOW), Reject("{}", "x", "r", NOW)]
    assert [pipeline.process_item(i) for i in items] == items


class RecordingSeenSet(MemorySeenSet):
    names: list[str] = []

    @classmethod
    def from_crawler(cls, crawler, name):
        cls.names.append(name)
        return cls()


def test_the_seen_set_is_pluggable():
    crawler = make_crawler(HARVEST_SEEN_SET=f"{__name__}.RecordingSeenSet")
    crawler.stats.open_spider()
    pipeline = build_from_crawler(DeduplicatePipeline, crawler)
    assert RecordingSeenSet.names[-3:] == ["offers", "sellers", "listings"]
    assert isinstance(pipeline._offers, RecordingSeenSet) and isinstance(pipeline._listings, RecordingSeenSet)


def test_an_empty_data_dir_is_a_configuration_error_not_a_pipeline_switched_off():
    """NotConfigured would switch the pipeline off with a warning and harvest into nothing."""
    with pytest.raises(ConfigurationError, match=r"^HARVEST_DATA_DIR is empty: give the dataset's folder"):
        build_from_crawler(DatasetPipeline, make_crawler(HARVEST_DATA_DIR=""))


@pytest.mark.parametrize(
    "settings",
    [
        {"HARVEST_ROW_GROUP_ROWS": 0},
        {"HARVEST_FILE_ROWS": 10, "HARVEST_ROW_GROUP_ROWS": 100},
        {"HARVEST_WRITE_QUEUE": 0},
    ],
)
def test_dataset_pipeline_refuses_inconsistent_sizes(settings, tmp_path):
    with pytest.raises(ValueError, match="HARVEST_ROW_GROUP_ROWS"):
        build_from_crawler(DatasetPipeline, make_crawler(HARVEST_DATA_DIR=str(tmp_path), **settings))


def test_dataset_pipeline_reads_its_settings(tmp_path):
    crawler = make_crawler(
        HARVEST_DATA_DIR=str(tmp_path),
        HARVEST_ROW_GROUP_ROWS=50,
        HARVEST_FILE_ROWS=500,
        HARVEST_WRITE_QUEUE=2,
        HARVEST_PARQUET_COMPRESSION="snappy",
        HARVEST_PARQUET_COMPRESSION_LEVEL=0,
    )
    pipeline = build_from_crawler(DatasetPipeline, crawler)
    assert (pipeline.storage.root, pipeline.options.row_group_rows, pipeline.options.file_rows) == (
        str(tmp_path),
        50,
        500,
    )
    assert (pipeline.options.queue_size, pipeline.options.compression, pipeline.options.compression_level) == (
        2,
        "snappy",
        None,
    )


@pytest.mark.parametrize("codec", ["nope", "lzo"])
def test_dataset_pipeline_refuses_an_unknown_codec(tmp_path, codec):
    with pytest.raises(ValueError, match="HARVEST_PARQUET_COMPRESSION"):
        crawler = make_crawler(HARVEST_DATA_DIR=str(tmp_path), HARVEST_PARQUET_COMPRESSION=codec)
        build_from_crawler(DatasetPipeline, crawler)
