"""Offer ids as users paste them: digits or offer URLs; anything else refused with the text it was."""

from __future__ import annotations

import pytest

from harvester.exceptions import ArgumentError
from harvester.inputs.lines import BadLine
from harvester.inputs.offer_ids import parse_offer_id, parse_offer_ids, stream_offer_ids


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("624108453870", 624108453870),
        (" 624108453870 ", 624108453870),
        ("https://detail.1688.com/offer/624108453870.html", 624108453870),
        ("detail.1688.com/offer/624108453870.html?spm=a26352.13672862", 624108453870),
        ("http://m.1688.com/offer/5.html#top", 5),
        ("0", None),
        ("-5", None),
        ("1.5", None),
        ("９９", None),  # full-width digits are decimal to Python, not to the gateway
        (str(2**63), None),
        ("https://example.com/offer/624108453870.html", None),
        ("624108453870abc", None),
        ("", None),
    ],
)
def test_parse_offer_id(text, expected):
    assert parse_offer_id(text) == expected


def test_comma_separated_ids_full_width_commas_too():
    assert parse_offer_ids("1，2, ,3,", "ids") == [1, 2, 3]


def test_a_bad_id_is_named_with_what_to_give():
    with pytest.raises(ArgumentError, match=r"-a ids: 'x12' is not an offer id; give digits such as"):
        parse_offer_ids("1,x12,3", "ids")


def test_a_file_is_streamed_and_bad_lines_reported_with_their_numbers(tmp_path):
    path = tmp_path / "ids.txt"
    path.write_bytes(b"1\n\nabc\n2\n\xff\xfe\nhttps://detail.1688.com/offer/3.html\n")
    bad: list[BadLine] = []
    ids = stream_offer_ids(str(path), bad.append)
    assert next(ids) == 1 and bad == []  # lazily: nothing past the first id was read yet
    assert list(ids) == [2, 3]
    assert bad == [BadLine(3, "'abc' is not an offer id"), BadLine(5, "not UTF-8 text")]
