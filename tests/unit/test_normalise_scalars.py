"""Each parser of single values: what it reads, what it refuses, and what it says about what it refused."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from harvester.normalise import absolute_url, parse_int, parse_money
from harvester.normalise.scalars import (
    boolean,
    china_time,
    count,
    fraction,
    measure,
    money,
    percent,
    rate,
    shipping_rate,
    text,
    texts,
    url,
)


def _noted(parse, *args):
    notes: Counter[str] = Counter()
    value = parse(*args, lambda what: notes.update([what]))
    return value, dict(notes)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("47.0", Decimal("47.0")),
        (" 47.5 ", Decimal("47.5")),
        ("0.0001", Decimal("0.0001")),
        ("47.00000", Decimal("47.0000")),  # more digits, but exact at 4 decimals
        ("４７.５", Decimal("47.5")),  # full-width digits
        ("０", "price_not_positive"),
        ("０.００", "price_not_positive"),
        ("４７.１２３４５", "price_scale"),
        ("99999999999999.9999", Decimal("99999999999999.9999")),
        (47, Decimal(47)),
        (0.1, Decimal("0.1")),
        (Decimal("3.30"), Decimal("3.30")),
        ("0.00001", "price_scale"),
        ("1.23456", "price_scale"),
        ("0", "price_not_positive"),
        ("0.00", "price_not_positive"),
        ("-1", "price_unparseable"),
        ("1e3", "price_unparseable"),
        ("NaN", "price_unparseable"),
        ("面议", "price_unparseable"),
        ("价格", "price_unparseable"),  # the detail page's placeholder
        ("", "price_unparseable"),
        ("100000000000000", "price_out_of_range"),
        (True, "price_type"),
        ([1], "price_type"),
    ],
)
def test_parse_money(value, expected):
    result = parse_money(value)
    assert result == expected and type(result) is type(expected)


def test_money_notes_why_a_price_was_dropped():
    assert _noted(money, "价格") == (None, {"dropped/price_unparseable": 1})
    assert _noted(money, None) == (None, {})
    assert _noted(money, "3.5") == (Decimal("3.5"), {})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, 12),
        ("12", 12),
        (" 12 ", 12),
        ("12.0", 12),
        ("12.", 12),
        ("-3", -3),
        ("１２", 12),
        (3.0, 3),
        (3.5, None),
        ("3.5", None),
        ("1e3", None),
        ("", None),
        ("abc", None),
        (True, None),
        (None, None),
        (2**63, None),
        ("9" * 5000, None),
    ],
)
def test_parse_int(value, expected):
    assert parse_int(value) == expected


def test_counts_refuse_negatives_as_unknown():
    assert _noted(count, "-1", "stock") == (None, {"repaired/negative_stock": 1})
    assert _noted(count, "12342", "sold_count") == (12342, {})
    assert _noted(count, "十", "stock") == (None, {"dropped/stock": 1})


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("img/ibank/a.jpg", "https://cbu01.alicdn.com/img/ibank/a.jpg"),
        ("/img/ibank/a.jpg", "https://cbu01.alicdn.com/img/ibank/a.jpg"),
        ("//cbu01.alicdn.com/a.jpg", "https://cbu01.alicdn.com/a.jpg"),
        (" https://x/a.jpg ", "https://x/a.jpg"),
        ("http://x/a.jpg", "http://x/a.jpg"),
        ("  ", None),
        (None, None),
        (5, None),
        # The official pages' placeholders are no URLs.
        ("图片", None),
        ("图片地址", None),
        ("1", None),
        ("https://", None),
        ("https:///a.jpg", None),
        ("//", None),
        ("/", None),
        ('  "certificatePhotoList": [ "https://cbu01.alicdn.com/img/ibank/test.jpg" ]', None),
    ],
)
def test_absolute_url(path, expected):
    assert absolute_url(path) == expected


def test_url_counts_what_cannot_be_one():
    assert _noted(url, "商品白底图", "image_url", "https://cdn/") == (None, {"dropped/image_url": 1})
    assert _noted(url, "a/b.mp4", "video_url", "https://cdn/") == ("https://cdn/a/b.mp4", {})
    assert _noted(url, "", "video_url", "https://cdn/") == (None, {})


@pytest.mark.parametrize(
    ("value", "expected", "notes"),
    [
        ("10%", 0.10, {}),
        (" 5.5 % ", 0.055, {}),
        ("0.25", 0.25, {}),
        (12, 0.12, {"repaired/repurchase_rate_percent": 1}),
        ("150%", None, {"dropped/repurchase_rate": 1}),
        ("abc", None, {"dropped/repurchase_rate": 1}),
        ("abc%", None, {"dropped/repurchase_rate": 1}),
        (None, None, {}),
    ],
)
def test_rate_reads_a_percent_sign_or_guesses_from_the_size(value, expected, notes):
    result, noted = _noted(rate, value, "repurchase_rate")
    assert result == (pytest.approx(expected) if expected is not None else None)
    assert noted == notes


@pytest.mark.parametrize(
    ("parse", "value", "expected"),
    [
        (percent, "11", 0.11),  # search's repeatPurchasePercent
        (percent, "0.5", 0.005),
        (percent, "33.9%", 0.339),
        (percent, 100, 1.0),
        (percent, "101", None),
        (fraction, "0.4666", 0.4666),  # the detail's repeatPurchasePercent
        (fraction, "80%", 0.8),  # aiWeightAccuracy
        (fraction, "1", 1.0),
        (fraction, "2", None),  # the page's placeholder: no fraction
        (fraction, -0.1, None),
    ],
)
def test_percent_and_fraction(parse, value, expected):
    result, notes = _noted(parse, value, "r")
    assert result == (pytest.approx(expected) if expected is not None else None)
    assert notes == ({} if expected is not None else {"dropped/r": 1})


def test_shipping_rates_empty_means_zero_absent_means_unknown():
    block = {"a": "99.12%", "b": "", "c": None, "d": "  ", "e": "x"}
    assert _noted(shipping_rate, block, "a", "rate") == (pytest.approx(0.9912), {})
    assert [_noted(shipping_rate, block, key, "rate")[0] for key in "bcd"] == [0.0, 0.0, 0.0]
    assert _noted(shipping_rate, block, "e", "rate") == (None, {"dropped/rate": 1})
    assert _noted(shipping_rate, block, "missing", "rate") == (None, {})


@pytest.mark.parametrize(
    ("value", "expected", "notes"),
    [
        (True, True, {}),
        ("true", True, {}),
        (" TRUE ", True, {}),
        ("false", False, {}),
        (False, False, {}),
        (None, None, {}),
        ("是否成功", None, {"dropped/flag": 1}),
        (1, None, {"dropped/flag": 1}),
    ],
)
def test_boolean(value, expected, notes):
    assert _noted(boolean, value, "flag") == (expected, notes)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-04-20 08:00:00", datetime(2024, 4, 20, 0, 0, tzinfo=UTC)),
        (" 2024-01-01 03:30:15 ", datetime(2023, 12, 31, 19, 30, 15, tzinfo=UTC)),
        ("", None),
        (None, None),
    ],
)
def test_china_time_to_utc(value, expected):
    assert _noted(china_time, value, "created_at") == (expected, {})


@pytest.mark.parametrize(
    "value",
    [
        "2024-02-30 00:00:00",
        "2024-04-20T08:00:00",
        "20240420080000",
        "２０２４-04-20 08:00:00",
        1713571200,
        "yesterday",
    ],
)
def test_china_time_refuses_what_is_no_date(value):
    assert _noted(china_time, value, "created_at") == (None, {"dropped/created_at": 1})


def test_measures_texts_and_lists():
    assert _noted(measure, "0.45", "weight") == (0.45, {})
    assert _noted(measure, 200, "weight") == (200.0, {})
    assert _noted(measure, float("nan"), "weight") == (None, {"dropped/weight": 1})
    assert _noted(measure, "-1", "weight") == (None, {"dropped/weight": 1})
    assert _noted(text, " BW-500 ", "cargo") == ("BW-500", {})
    assert _noted(text, {"a": 1}, "cargo") == (None, {"dropped/cargo_type": 1})
    assert _noted(texts, [" a ", "", None, "b", 3], "tag") == (["a", "b"], {"dropped/tag": 1})
    assert _noted(texts, "a", "tag") == (None, {"dropped/tag_type": 1})
