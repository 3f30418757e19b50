"""Cutting a query at the search cap: price bands, categories, sales ranges, facets, in that order."""

from decimal import Decimal

import pytest

from harvester.open1688.queries import SalesRange, SearchQuery
from harvester.stages.splits import (
    CAPPED_FANOUT,
    Dimension,
    Splitter,
    fanout,
    parse_dimensions,
    price_boundaries,
    sales_boundaries,
)

D = Decimal
ALL = parse_dimensions("price,category,sales,facet")


def item(price: str = "10", category: int = 7, sold: int = 3) -> dict:
    return {"offerId": 1, "priceInfo": {"price": price}, "thirdCategoryId": category, "monthSold": sold}


def test_limits_sit_on_unlikely_prices_between_the_quantiles():
    prices = [D(p) for p in ("9.0", "9.0", "9.5", "10", "12.5", "15", "15", "20", "35", "99")]
    bounds = price_boundaries(prices, 4, D(0), None)
    assert bounds == sorted(bounds) and len(bounds) == 3
    assert all(b.as_tuple().exponent == -4 and str(b).endswith("5") for b in bounds)
    assert not set(bounds) & set(prices)


def test_a_price_sampled_on_both_sides_goes_to_the_lower_band():
    assert price_boundaries([D("9.9")] * 50, 3, D(0), None) == [D("9.9005")]


def test_limits_stay_inside_the_band():
    assert price_boundaries([D("5")] * 10, 2, D("5"), D("5.0004")) == []
    bounds = price_boundaries([D("1"), D("2"), D("3")], 2, D("1"), D("3"))
    assert all(D(1) < b < D(3) for b in bounds)


def test_a_total_at_the_cap_is_a_floor_and_gets_the_fixed_fanout():
    assert fanout(2000, 2000) == CAPPED_FANOUT
    assert fanout(25_000, 2000) == 21  # reported above the cap: a true size, ~60% of the cap per slice
    assert fanout(2100, 2000) == 2


def test_price_comes_first_and_bands_cover_the_whole_range():
    query = SearchQuery(keyword="保温杯")
    split = Splitter(ALL, 2000).split(query, [item(str(p)) for p in range(1, 51)], 2000)
    assert split is not None and split.dimension is Dimension.PRICE and len(split.children) == CAPPED_FANOUT
    edges = [(c.price_start, c.price_end) for c in split.children]
    assert edges[0][0] == 0 and edges[-1][1] is None
    assert all(a[1] == b[0] for a, b in zip(edges, edges[1:]))


def test_a_band_too_narrow_to_cut_is_split_by_the_categories_seen():
    query = SearchQuery(keyword="不锈钢", price_start=D("9.9"), price_end=D("9.9"))
    split = Splitter(ALL, 2000).split(query, [item("9.9", category=c) for c in (3, 1, 2, 1)], 2000)
    assert split is not None and split.dimension is Dimension.CATEGORY
    assert [c.category_id for c in split.children] == [1, 2, 3]


def test_one_price_and_one_category_are_cut_by_sales_ranges_that_share_no_offer():
    query = SearchQuery(keyword="风筝", price_start=D("5"), price_end=D("5"), category_id=7)
    items = [item("5", sold=s) for s in (0, 0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89)]
    split = Splitter(ALL, 2000).split(query, items, 2000)
    assert split is not None and split.dimension is Dimension.SALES
    ranges = [c.sales for c in split.children]
    assert ranges[0].start is None and ranges[-1].end is None
    for before, after in zip(ranges, ranges[1:]):
        assert before.end + 1 == after.start  # inclusive bounds: consecutive integers, no gap, no overlap
    assert all(c.category_id == 7 and c.price_end == D("5") for c in split.children)


def test_exclusive_sales_bounds_overlap_by_one_on_each_side():
    query = SearchQuery(keyword="风筝", price_start=D("5"), price_end=D("5"), category_id=7)
    items = [item("5", sold=s) for s in (0, 10, 20, 30)]
    split = Splitter(ALL, 2000, sales_inclusive=False).split(query, items, 2000)
    assert split is not None
    ranges = [c.sales for c in split.children]
    for before, after in zip(ranges, ranges[1:]):
        assert before.end == after.start + 1  # (a-1, b) holds a..b-1, the next (b-1, c) holds b..c-1
    assert ranges[0].start is None


def test_sales_ranges_narrow_a_range_already_cut():
    starts = sales_boundaries([10, 11, 12, 13, 14, 15], 2, 10, 15)
    assert starts and all(10 < s <= 15 for s in starts)
    assert sales_boundaries([7] * 10, 2, 7, 7) == []


def test_facets_are_the_last_resort_and_need_the_keywords_navigation():
    query = SearchQuery(
        keyword="风筝", price_start=D("5"), price_end=D("5"), category_id=7, sales=SalesRange("sales30", 3, 3)
    )
    items = [item("5", sold=3)] * 10
    splitter = Splitter(ALL, 2000)
    assert splitter.split(query, items, 2000) is None and splitter.wants_facets(query)
    split = splitter.split(query, items, 2000, facets=["973:1", "973:2"])
    assert split is not None and split.dimension is Dimension.FACET and not split.dimension.partition
    assert [c.sn_id for c in split.children] == ["973:1", "973:2"]
    assert not splitter.wants_facets(split.children[0])
    assert not splitter.wants_facets(SearchQuery(image_id="1", keyword="x"))


def test_dimensions_left_out_are_never_used():
    splitter = Splitter(parse_dimensions("category"), 2000)
    query = SearchQuery(keyword="保温杯")
    assert splitter.split(query, [item(str(p)) for p in range(1, 51)], 2000) is None
    with pytest.raises(ValueError, match="unknown colour"):
        parse_dimensions("price,colour")
    assert parse_dimensions(["facet", "price"]) == (Dimension.PRICE, Dimension.FACET)


def test_the_query_carries_its_slice_to_the_gateway():
    query = SearchQuery(keyword="风筝", sn_id="973:1", sales=SalesRange("sales30", 10, 99))
    param = query.offer_query_param(page=2, page_size=50, country="en")
    assert param["snId"] == "973:1"
    assert param["saleFilterList"] == [{"saleType": "sales30", "saleStart": "10", "saleEnd": "99"}]
