from decimal import Decimal

import pytest

from harvester.open1688.queries import QueryError, SearchQuery


def test_full_query_param():
    query = SearchQuery.from_arguments(
        keyword=" 保温杯 ",
        price_start="10",
        price_end="25.50",
        category_id="1031",
        sort="price:asc",
        filter="new7,isOnePsale",
    )
    assert query.offer_query_param(page=2, page_size=50, country="en") == {
        "keyword": "保温杯",
        "beginPage": 2,
        "pageSize": 50,
        "country": "en",
        "priceStart": "10",
        "priceEnd": "25.5",
        "categoryId": 1031,
        "filter": "isOnePsale,new7",
        "sort": '{"price":"asc"}',
    }


def test_sort_forms():
    assert SearchQuery.from_arguments(keyword="a", sort='{"monthSold":"desc"}').sort == ("monthSold", "desc")
    assert SearchQuery.from_arguments(keyword="a", sort="rePurchaseRate").sort == ("rePurchaseRate", "desc")


@pytest.mark.parametrize(
    "arguments,fragment",
    [
        ({}, "nothing to search for"),
        ({"keyword": "  "}, "empty keyword"),
        ({"keyword": "a", "price_start": "-1"}, "non-negative"),
        ({"keyword": "a", "price_start": "abc"}, "not a price"),
        ({"keyword": "a", "price_start": "NaN"}, "non-negative"),
        ({"keyword": "a", "price_start": "20", "price_end": "10"}, "above"),
        ({"keyword": "a", "sort": "cheapest"}, "unknown field"),
        ({"keyword": "a", "sort": "price:up"}, "asc or desc"),
        ({"keyword": "a", "filter": "free"}, "unknown free"),
        ({"keyword": "a", "category_id": "x"}, "whole number"),
        ({"keyword": "a" * 201}, "too long"),
    ],
)
def test_bad_arguments_are_one_line_errors(arguments, fragment):
    with pytest.raises(QueryError) as info:
        SearchQuery.from_arguments(**arguments)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_narrowing_keeps_everything_else():
    query = SearchQuery.from_arguments(keyword="数据线", sort="price:desc")
    narrow = query.narrowed(price_start=Decimal("1"), price_end=Decimal("2"))
    assert narrow.keyword == "数据线" and narrow.sort == ("price", "desc")
    assert narrow != query
    assert hash(narrow) != hash(query)


def test_page_size_bounds():
    with pytest.raises(QueryError):
        SearchQuery(keyword="a").offer_query_param(page=1, page_size=51, country="en")
