"""Rows taken apart and converted column by column give exactly the table pyarrow builds from the items itself.

The reference is pyarrow's own conversion of each item read as a dict
(``RecordBatch.from_pylist``): slow, but obviously right. The fast path
must match it value for value and type for type on the fixture offers, on
noisy generated answers, on the benchmark's offers and on the edge cases
(null and empty lists, items without a crawl id).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, seed
from hypothesis import strategies as st

from benchmarks.pipeline_throughput import listing_template, template
from harvester.dataset.convert import RowGroup
from harvester.items import (
    Certificate,
    Change,
    Listing,
    PriceRange,
    Product,
    RawListing,
    RawOffer,
    Reject,
    SearchHit,
    Seller,
    Sku,
    SkuAttribute,
)
from harvester.normalise import normalise_listing, normalise_offer
from harvester.schema import TABLES
from tests.builders import fixture_offers, normalised
from tests.unit.test_normalise_properties import DETAILS, PROPERTIES, SEARCH_ITEMS

CRAWL = "20250501T000000Z-0a0b0c"
NOW = datetime(2025, 5, 1, 8, 0, 5, 123456, tzinfo=UTC)
FILL = {"crawl_id": CRAWL}


def _ignore(_: str) -> None:
    pass


def _as_dict(item: Any, schema: pa.Schema) -> dict[str, Any]:
    row = {}
    for field in schema:
        value = getattr(item, field.name)
        if pa.types.is_list(field.type) and value is not None and pa.types.is_struct(field.type.value_type):
            value = [{f.name: getattr(element, f.name) for f in field.type.value_type} for element in value]
        if field.name in FILL and value is None:
            value = FILL[field.name]
        row[field.name] = value
    return row


def _reference(table: str, items: list[Any]) -> pa.RecordBatch:
    schema = TABLES[table]
    return pa.RecordBatch.from_pylist([_as_dict(i, schema) for i in items], schema=schema)


def _rows_by_table(items: list[Any]) -> dict[str, list[Any]]:
    tables: dict[str, list[Any]] = {name: [] for name in TABLES}
    for item in items:
        if isinstance(item, Product):
            tables["products"].append(item)
            tables["skus"].extend(item.skus)
            if item.seller is not None:
                tables["sellers"].append(item.seller)
        elif isinstance(item, Listing):
            tables["listings"].append(item)
        elif isinstance(item, Reject):
            tables["rejects"].append(item)
        elif isinstance(item, SearchHit):
            tables["search_hits"].append(item)
        elif isinstance(item, Change):
            tables["changes"].append(item)
    return tables


def _check(items: list[Any], one_by_one: bool = False) -> None:
    for table, rows in _rows_by_table(items).items():
        fast = RowGroup(TABLES[table])
        if one_by_one:
            for row in rows:
                fast.add(row)
        else:
            fast.add_many(iter(rows))
        batch = fast.to_batch(FILL)
        expected = _reference(table, rows)
        assert batch.schema.equals(expected.schema, check_metadata=True)
        assert batch.equals(expected), table
        assert batch.to_pylist() == expected.to_pylist()


@pytest.mark.parametrize("one_by_one", [False, True])
def test_fixture_offers(one_by_one):
    items, _ = normalised(fixture_offers(NOW), CRAWL)
    items += [
        SearchHit("保温杯", 624108453870, 1, 3, NOW),
        SearchHit("q", 7, 2, 9, NOW - timedelta(days=400), crawl_id="other"),
        Change(7, "price", "1.0", "1.5", None, NOW, sku_id=3),
        Change(8, "title", None, "x", NOW, NOW, crawl_id="c2"),
    ]
    _check(items, one_by_one)


def test_benchmark_offers():
    rng = random.Random(1688)
    items: list[Any] = []
    for n in range(300):
        data, item = template(rng), listing_template(rng)
        data["offerId"] = item["offerId"] = 600_000_000_000 + n
        items.append(normalise_offer(RawOffer("product_detail", data, "bench", item, NOW), _ignore, crawl_id=CRAWL))
        items.append(normalise_listing(RawListing("keyword_search", item, "bench", NOW), _ignore, crawl_id=CRAWL))
    assert all(isinstance(item, (Product, Listing)) for item in items)
    _check(items)


def test_null_empty_and_mixed_lists():
    def sku(offer_id: int, attributes: list[SkuAttribute] | None) -> Sku:
        return Sku(offer_id, None, None, "", attributes, Decimal("0.0001"), crawled_at=NOW)  # type: ignore[arg-type]

    attribute = SkuAttribute("颜色", "红色", None, "Color")
    products = [
        Product(1, image_urls=None, price_ranges=[], attributes=None, crawled_at=NOW),  # type: ignore[arg-type]
        Product(
            2,
            price_min=Decimal("99999999999999.9999"),
            price_ranges=[PriceRange(1, Decimal("1.5")), PriceRange(10, Decimal(1), Decimal("0.5"))],
            image_urls=["a", "b"],
            skus=[sku(2, None), sku(2, []), sku(2, [attribute, attribute])],
            seller=Seller("s", repeat_purchase_rate=0.25),
        ),
        Product(
            3,
            skus=[sku(3, [attribute]), sku(3, [attribute])],
            tags=[],
            selling_points=None,
            certificates=[Certificate("专利", None, None), Certificate(None, "ZL 1", ["u1", "u2"])],
        ),
        Product(4, skus=[sku(4, [])], certificates=[], attribute_ids=[None, 3]),
    ]
    _check(products)
    _check(products, one_by_one=True)
    _check([Product(5)])


def test_an_empty_row_group_converts():
    for table, schema in TABLES.items():
        assert RowGroup(schema).to_batch(FILL).equals(_reference(table, []))


def test_a_naive_time_is_refused():
    rows = RowGroup(TABLES["search_hits"])
    rows.add(SearchHit("q", 1, 1, 1, datetime(2025, 5, 1)))
    with pytest.raises(ValueError, match="naive datetime"):
        rows.to_batch(FILL)


def test_a_price_that_does_not_fit_fails_instead_of_being_rounded():
    rows = RowGroup(TABLES["products"])
    rows.add(Product(1, price_min=Decimal("1.00005")))
    with pytest.raises(pa.ArrowInvalid):
        rows.to_batch(FILL)


@seed(1688)
@PROPERTIES
@given(answers=st.lists(st.tuples(DETAILS, st.one_of(st.none(), SEARCH_ITEMS)), min_size=1, max_size=5))
def test_noisy_answers(answers):
    items: list[Any] = []
    for data, search_item in answers:
        items.append(normalise_offer(RawOffer("product_detail", data, "q", search_item, NOW), _ignore, crawl_id=CRAWL))
        if search_item is not None:
            items.append(
                normalise_listing(RawListing("keyword_search", search_item, "q", NOW), _ignore, crawl_id=CRAWL)
            )
    _check(items)
