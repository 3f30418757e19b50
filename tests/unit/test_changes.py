"""Change detection on normalised values: what is a change, what is not, and how values are written."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from harvester.history.changes import FieldChange, OfferState, SkuState, compare, gone, state_of, value_text
from harvester.items import PriceRange, Product, Sku

D = Decimal
NOW = datetime(2025, 5, 1, tzinfo=UTC)


def _state(**changes) -> OfferState:
    values = {
        "title": "保温杯",
        "status": "published",
        "stock": 100,
        "price_min": D("12.5"),
        "price_max": D("15"),
        "price_ranges": ((1, D("15")), (10, D("12.5"))),
        "skus": {
            7: SkuState("颜色=红色", D("12.5"), D("13"), None, 60),
            8: SkuState("颜色=蓝色", D("15"), D("16"), D("14"), 40),
        },
    }
    values.update(changes)
    return OfferState(**values)


def test_the_same_values_written_differently_are_no_change():
    rescaled = _state(
        price_min=D("12.5000"),
        price_max=D("15.0"),
        price_ranges=((1, D("15.0000")), (10, D("12.50"))),
        skus={
            7: SkuState("颜色=红色", D("12.50"), D("13.0000"), None, 60),
            8: SkuState("颜色=蓝色", D("15"), D("16"), D("14.0"), 40),
        },
    )
    assert compare(_state(), rescaled) == []


def test_offer_level_changes_with_exact_text_and_price_moves():
    after = _state(
        title="新款保温杯", status="expired", stock=0, price_min=D("10"), price_ranges=((1, D("15")), (10, D("10")))
    )
    assert compare(_state(), after) == [
        FieldChange(None, "title", "保温杯", "新款保温杯"),
        FieldChange(None, "status", "published", "expired"),
        FieldChange(None, "stock", "100", "0"),
        FieldChange(None, "price_min", "12.5", "10", D("-0.2")),
        FieldChange(None, "price_ranges", "1:15;10:12.5", "1:15;10:10"),
    ]


def test_sku_changes_appearing_and_vanishing():
    after = _state(
        skus={
            8: SkuState("颜色=蓝色", D("16.5"), D("16"), None, 41),
            9: SkuState("颜色=黑色", D("15"), D("16"), None, 5),
        }
    )
    assert compare(_state(), after) == [
        FieldChange(7, "sku", "颜色=红色", None),
        FieldChange(8, "price", "15", "16.5", D("0.1")),
        FieldChange(8, "promotion_price", "14", None),
        FieldChange(8, "stock", "40", "41"),
        FieldChange(9, "sku", None, "颜色=黑色"),
    ]


@pytest.mark.parametrize("field", ["title", "status", "stock", "price_min", "price_max", "price_ranges"])
def test_a_value_one_side_does_not_know_is_no_change(field):
    assert compare(_state(**{field: None}), _state()) == compare(_state(), _state(**{field: None})) == []


def test_a_promotion_that_starts_is_a_change():
    after = _state(skus={**_state().skus, 7: SkuState("颜色=红色", D("12.5"), D("13"), D("11"), 60)})
    assert compare(_state(), after) == [FieldChange(7, "promotion_price", None, "11")]


def test_without_skus_on_one_side_skus_are_not_compared():
    assert compare(_state(), _state(skus=None)) == compare(_state(skus=None), _state(skus={})) == []


def test_state_of_a_product_watches_real_skus_of_detail_answers_only():
    sku = Sku(1, 7, "s", "颜色=红色", [], D("12.5"), D("13"), None, 60)
    implicit = Sku(1, None, None, "", [], D("12.5"), stock=60)
    product = Product(
        1,
        title="t",
        status="published",
        stock=60,
        price_min=D("12.5"),
        price_max=D("12.5"),
        price_ranges=[PriceRange(1, D("12.5"))],
        source_api="batch_detail",
        skus=[sku, implicit],
    )
    assert state_of(product) == OfferState(
        "t",
        "published",
        60,
        D("12.5"),
        D("12.5"),
        ((1, D("12.5")),),
        {7: SkuState("颜色=红色", D("12.5"), D("13"), None, 60)},
    )
    product.source_api, product.price_ranges = "keyword_search", []
    assert state_of(product).skus is None and state_of(product).price_ranges is None


def test_value_text_and_gone():
    assert [value_text(v) for v in (D("47.0000"), D("0.0850"), D("1E+2"), 12, "x", None)] == [
        "47",
        "0.085",
        "100",
        "12",
        "x",
        None,
    ]
    assert gone() == FieldChange(None, "offer", "listed", "missing")
