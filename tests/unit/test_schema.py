"""The schemas are the contract: the columns ARCHITECTURE.md lists, with their types, and items that match them."""

from __future__ import annotations

from dataclasses import fields

import pyarrow as pa
import pytest

from harvester.dataset.tables import TABLE_OF
from harvester.items import Listing, MissingOffer, Product
from harvester.schema import ADDED_IN, MONEY, SCHEMA_VERSION, TABLES, reader_schema, schema_for, schema_version

STRING, INT64 = pa.string(), pa.int64()
TS = pa.timestamp("us", tz="UTC")

CONTRACT = {
    "products": {
        "offer_id": INT64, "title": STRING, "title_translated": STRING, "category_id": INT64,
        "category_name": STRING, "seller_open_id": STRING, "company_name": STRING, "price_min": MONEY,
        "price_max": MONEY, "min_order_quantity": INT64, "unit": STRING, "stock": INT64, "month_sold": INT64,
        "repurchase_rate": pa.float64(), "image_urls": pa.list_(STRING), "sku_count": pa.int32(),
        "source_api": STRING, "query": STRING, "crawl_id": STRING, "crawled_at": TS,
    },
    "skus": {
        "offer_id": INT64, "sku_id": INT64, "spec_id": STRING, "spec_key": STRING, "price": MONEY,
        "consign_price": MONEY, "promotion_price": MONEY, "stock": INT64, "cargo_number": STRING,
        "crawl_id": STRING, "crawled_at": TS,
    },
    "changes": {
        "offer_id": INT64, "sku_id": INT64, "field": STRING, "old_value": STRING, "new_value": STRING,
        "previous_crawled_at": TS, "crawled_at": TS,
    },
    "missing": {"offer_id": INT64, "reason": STRING, "query": STRING, "crawl_id": STRING, "crawled_at": TS},
    "rejects": {"raw": STRING, "source_api": STRING, "reason": STRING, "crawl_id": STRING, "crawled_at": TS},
    "search_hits": {"query": STRING, "offer_id": INT64, "page": pa.int32(), "position": pa.int32(), "found_at": TS},
    # Version 4: the listing tier, one row per offer per crawl.
    "listings": {
        "offer_id": INT64, "title": STRING, "price": MONEY, "consign_price": MONEY, "month_sold": INT64,
        "sales_7d": INT64, "repurchase_rate": pa.float64(), "created_at": TS, "modified_at": TS,
        "top_category_id": INT64, "seller_repeat_purchase_rate": pa.float64(), "query": STRING,
        "source_api": STRING, "crawl_id": STRING, "crawled_at": TS,
    },
}  # fmt: skip


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_contract_columns_and_types(table):
    schema = TABLES[table]
    assert {name: schema.field(name).type for name in CONTRACT[table]} == CONTRACT[table]


def test_nested_contract_columns():
    products, skus = TABLES["products"], TABLES["skus"]
    tier = products.field("price_ranges").type.value_type
    assert (tier.field("start_quantity").type, tier.field("price").type) == (INT64, MONEY)
    assert {f.name for f in products.field("attributes").type.value_type} >= {"name", "value"}
    assert {f.name for f in skus.field("attributes").type.value_type} >= {"name", "value", "image_url"}


def test_money_never_rounds_an_api_price():
    assert (MONEY.precision, MONEY.scale) == (18, 4)


def test_seller_scores_are_doubles():
    sellers = TABLES["sellers"]
    assert sellers.field("seller_open_id").type == STRING and not sellers.field("seller_open_id").nullable
    scores = [n for n in sellers.names if n.endswith("_score")]
    assert len(scores) == 6 and {sellers.field(n).type for n in scores} == {pa.float64()}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_schema_says_its_version(table):
    assert schema_version(TABLES[table]) == SCHEMA_VERSION


def test_a_table_added_later_has_no_older_schema():
    assert schema_version(schema_for("missing", 3)) == 3
    with pytest.raises(ValueError, match="no missing table"):
        schema_for("missing", 2)
    assert schema_version(schema_for("listings", 4)) == 4
    with pytest.raises(ValueError, match="no listings table"):
        schema_for("listings", 3)


def test_version_4_only_adds_nullable_columns_at_the_end():
    for table in ("products", "skus", "sellers"):
        v3, v4 = schema_for(table, 3), schema_for(table, 4)
        assert v4.names[: len(v3.names)] == v3.names
        assert [v4.field(name).type for name in v3.names] == [v3.field(name).type for name in v3.names]
        assert all(v4.field(name).nullable for name in v4.names[len(v3.names) :])


@pytest.mark.parametrize("table", ["products", "skus", "sellers", "listings"])
def test_units_and_fractions_say_so_in_their_names(table):
    schema = TABLES[table]
    for name in schema.names:
        if name.endswith(("_kg", "_cm", "_rate", "_score")) or "_rate_" in name:
            assert schema.field(name).type == pa.float64(), name
        if name.endswith("_price") or name in ("price", "price_min", "price_max"):
            assert schema.field(name).type == MONEY, name
        if name.endswith("_at"):
            assert schema.field(name).type == TS, name


def test_structs_keep_their_fields_so_no_column_is_retyped():
    assert [f.name for f in TABLES["products"].field("attributes").type.value_type] == [
        "name",
        "value",
        "name_translated",
        "value_translated",
    ]
    assert [f.name for f in TABLES["skus"].field("attributes").type.value_type] == [
        "name",
        "value",
        "image_url",
        "name_translated",
        "value_translated",
    ]


def test_older_versions_lack_only_later_nullable_columns():
    for table, added in ADDED_IN.items():
        v1 = schema_for(table, 1)
        assert set(TABLES[table].names) - set(v1.names) == set(added)
        assert all(TABLES[table].field(name).nullable for name in added)
        assert schema_version(v1) == 1


def test_reader_schema_adds_the_partition_column():
    assert reader_schema("skus").names == [*TABLES["skus"].names, "crawl_date"]


@pytest.mark.parametrize(("item_class", "table"), sorted(TABLE_OF.items(), key=lambda kv: kv[1]))
def test_items_carry_exactly_their_table_columns(item_class, table):
    names = {f.name for f in fields(item_class)}
    riding_along = {Product: {"skus", "seller", "changes", "media"}, MissingOffer: {"changes"}, Listing: {"changes"}}
    assert names == set(TABLES[table].names) | riding_along.get(item_class, set())
