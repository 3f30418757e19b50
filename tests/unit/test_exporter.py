"""The Parquet feed exporter, built the way the feed exports extension builds it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from scrapy.utils.misc import build_from_crawler

from harvester.exporters import ParquetAppendError, ParquetItemExporter
from harvester.items import Change, Listing, MissingOffer, Product, SearchHit, Seller, Sku
from harvester.schema import TABLES, schema_version
from tests.builders import make_crawler

NOW = datetime(2025, 5, 1, tzinfo=UTC)
CRAWL = "20250501T000000Z-0a0b0c"


@pytest.fixture
def crawler():
    crawler = make_crawler(HARVEST_CRAWL_ID=CRAWL, HARVEST_ROW_GROUP_ROWS=2)
    crawler.stats.open_spider()
    return crawler


def _products(n: int) -> list[Product]:
    return [
        Product(
            i,
            title=f"t{i}",
            price_min=Decimal("0.0001") * i,
            skus=[Sku(i, i * 10, None, "", [], Decimal("9.99"))],
            seller=Seller(f"s{i}"),
            crawled_at=NOW,
        )
        for i in range(1, n + 1)
    ]


def _export(crawler, path, items, mode="wb", **options):
    with open(path, mode) as file:
        exporter = build_from_crawler(ParquetItemExporter, crawler, file, **options)
        exporter.start_exporting()
        for item in items:
            exporter.export_item(item)
        exporter.finish_exporting()
    return exporter


def test_products_feed(crawler, tmp_path):
    path = tmp_path / "products.parquet"
    _export(crawler, path, [*_products(5), SearchHit("q", 1, 1, 1, NOW)])
    file = pq.ParquetFile(path)
    assert file.schema_arrow.remove_metadata() == TABLES["products"].remove_metadata()
    assert schema_version(file.schema_arrow) is not None
    assert file.metadata.num_row_groups == 3  # HARVEST_ROW_GROUP_ROWS = 2
    table = file.read()
    assert table.column("price_min").to_pylist() == [Decimal("0.0001") * i for i in range(1, 6)]
    assert set(table.column("crawl_id").to_pylist()) == {CRAWL}
    assert crawler.stats.get_value("harvester/dataset/export/skipped/SearchHit") == 1


@pytest.mark.parametrize(
    ("table", "rows"),
    [("skus", 3), ("sellers", 3), ("search_hits", 1), ("changes", 2), ("missing", 1), ("listings", 2)],
)
def test_a_feed_per_table(crawler, tmp_path, table, rows):
    path = tmp_path / f"{table}.parquet"
    products = _products(3)
    products[0].changes = [Change(1, "title", "a", "b", NOW, NOW)]
    gone = MissingOffer(9, "gone", NOW, changes=[Change(9, "offer", "listed", "missing", NOW, NOW)])
    listings = [Listing(1, price=Decimal("9.5"), sales_7d=3, crawled_at=NOW), Listing(2, seller_identities=["yx"])]
    _export(crawler, path, [*products, SearchHit("q", 1, 1, 1, NOW), gone, *listings], table=table)
    assert pq.read_table(path).num_rows == rows


def test_a_listings_feed_keeps_the_listing_tier_and_skips_the_rest(crawler, tmp_path):
    path = tmp_path / "listings.parquet"
    listing = Listing(7, price=Decimal("1.2345"), repurchase_rate=0.1, created_at=NOW, offer_identities=["select"])
    _export(crawler, path, [listing, *_products(2)], table="listings")
    (row,) = pq.read_table(path).to_pylist()
    assert (row["offer_id"], row["price"], row["repurchase_rate"], row["created_at"], row["crawl_id"]) == (
        7,
        Decimal("1.2345"),
        0.1,
        NOW,
        CRAWL,
    )
    assert row["offer_identities"] == ["select"]
    assert crawler.stats.get_value("harvester/dataset/export/skipped/Product") == 2


def test_fields_to_export_pick_columns(crawler, tmp_path):
    path = tmp_path / "few.parquet"
    _export(crawler, path, _products(2), fields_to_export=["offer_id", "price_min"])
    assert pq.read_table(path).column_names == ["offer_id", "price_min"]
    with pytest.raises(ValueError, match="no column"):
        _export(crawler, path, [], fields_to_export=["offer_id", "nope"])


def test_empty_feed_is_a_valid_file(crawler, tmp_path):
    path = tmp_path / "empty.parquet"
    _export(crawler, path, [])
    assert pq.read_table(path).num_rows == 0


def test_appending_to_an_existing_parquet_file_is_refused(crawler, tmp_path, caplog):
    path = tmp_path / "products.parquet"
    _export(crawler, path, _products(2))
    before = path.read_bytes()
    with caplog.at_level(logging.ERROR), pytest.raises(ParquetAppendError) as refused:
        _export(crawler, path, _products(1), mode="ab")
    assert str(refused.value) == (
        f"Refusing to append to the existing Parquet file {path}: a Parquet file cannot be appended to; "
        "use -O to overwrite it, or write to a new file"
    )
    assert path.read_bytes() == before


def test_append_mode_on_a_new_file_is_fine(crawler, tmp_path):
    path = tmp_path / "new.parquet"
    _export(crawler, path, _products(1), mode="ab")
    assert pq.read_table(path).num_rows == 1


def test_unknown_table(crawler, tmp_path):
    with pytest.raises(ValueError, match="unknown table"):
        _export(crawler, tmp_path / "x.parquet", [], table="orders")
