"""The README's enrichment example (landed cost per SKU; offers by category path with their trends), run exactly as
written with DuckDB on a small dataset: the fixture offers, freight for two of them, their categories and trends."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from harvester.items import Category, FreightEstimate, TrendPoint
from tests.builders import fixture_offers, normalised, write_crawl

README = Path(__file__).parents[2] / "README.md"
EXAMPLE = re.compile(r"<!-- example:enrichment -->\n```python\n(.*?)```\n<!-- /example:enrichment -->", re.DOTALL)
CRAWL = "20250501T080000Z-bbbbbb"
TREE = "20250430T080000Z-cccccc"
OLDER = "20250401T080000Z-aaaaaa"
T = datetime(2025, 5, 1, 8, 5, tzinfo=UTC)


def _freight(offer_id: int, freight: str, quantity: int) -> FreightEstimate:
    """An estimate to Hangzhou's Xihu district that says only the freight (as a template-less answer does)."""
    said = {
        "offer_id": offer_id,
        "to_province_code": "330000",
        "to_city_code": "330100",
        "to_district_code": "330106",
        "quantity": quantity,
        "freight": Decimal(freight),
        "free_postage": freight == "0",
        "template_id": 1,
        "crawled_at": T,
    }
    return FreightEstimate(**{field.name: None for field in fields(FreightEstimate)} | said)


def _category(
    category_id: int, parent: int, level: int, names: list[str], translated: list[str], ids: list[int]
) -> Category:
    return Category(
        category_id,
        parent,
        level,
        names[-1],
        translated[-1] or None,
        "en",
        " > ".join(names),
        " > ".join(translated) if all(translated) else None,
        ids,
        level == 3,
        "1",
        None,
        None,
        None,
        T,
    )


def _trend(offer_id: int, metric: str, day: int, raw: str) -> TrendPoint:
    value = float(raw) if raw else None
    price = Decimal(raw) if raw and metric == "price" else None
    return TrendPoint(offer_id, metric, date(2025, 4, day), value, price, raw, T)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    root = tmp_path_factory.mktemp("enrichment") / "data"
    products, _ = normalised(fixture_offers(T), CRAWL)
    write_crawl(
        root,
        CRAWL,
        [
            *products,
            # 624108453870: 12 CNY for 10 pieces; 702345678901 ships free; 702345678902 has no estimate.
            _freight(624108453870, "12", 10),
            _freight(702345678901, "0", 10),
            *(_trend(624108453870, "sell", day, raw) for day, raw in ((1, "5"), (2, "7"), (3, ""))),
            *(_trend(624108453870, "price", day, raw) for day, raw in ((1, "20.00"), (2, "21.00"), (3, "22.00"))),
            _trend(702345678901, "sell", 1, "10"),
            _trend(702345678901, "price", 1, "3.20"),
        ],
    )
    # An older estimate of 624108453870 that the newest one replaces.
    write_crawl(root, OLDER, [_freight(624108453870, "99", 1)])
    write_crawl(
        root,
        TREE,
        [
            _category(10166, 0, 1, ["服装服饰"], ["Apparel"], [10166]),
            _category(1031910, 10166, 2, ["服装服饰", "连衣裙"], ["Apparel", "Dresses"], [10166, 1031910]),
            _category(1038378, 10166, 2, ["服装服饰", "数据线"], ["Apparel", ""], [10166, 1038378]),
        ],
    )
    match = EXAMPLE.search(README.read_text(encoding="utf-8"))
    assert match, "the README lost its marked enrichment example"
    import duckdb

    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root.parent)
        namespace: dict[str, Any] = {}
        exec(compile(match.group(1), f"{README}:enrichment", "exec"), namespace)  # noqa: S102 - the README's own
        return {
            name: [tuple(row.values()) for row in namespace[name].to_arrow_table().to_pylist()]
            for name in ("landed", "by_path")
            if isinstance(namespace[name], duckdb.DuckDBPyRelation)
        }


def test_landed_cost_per_sku(results):
    # Ten pieces: a SKU's own price, else the offer's tier for 10 (from 2 pieces: 23.50); freight 12 / 10 pieces.
    assert results["landed"] == [
        (702345678901, "长度=1M;颜色=白色", Decimal("3.2"), Decimal(0), Decimal("3.2"), Decimal("0.4507")),
        (702345678901, "长度=2M;颜色=白色", Decimal("4.15"), Decimal(0), Decimal("4.15"), Decimal("0.5845")),
        (
            624108453870,
            "容量=1000ml;颜色=蓝色",
            Decimal("21.1234"),
            Decimal("1.2"),
            Decimal("22.3234"),
            Decimal("3.1441"),
        ),
        (624108453870, "容量=500ml;颜色=红色", Decimal("23.5"), Decimal("1.2"), Decimal("24.7"), Decimal("3.4789")),
        (624108453870, "容量=500ml;颜色=黑色", Decimal("23.5"), Decimal("1.2"), Decimal("24.7"), Decimal("3.4789")),
    ]


def test_offers_by_category_path_with_their_trends(results):
    # A path with a name missing falls back to the Chinese one; an offer outside the tree has no path (last).
    assert results["by_path"] == [
        ("Apparel > Dresses", 1, 12, pytest.approx(0.1)),
        ("服装服饰 > 数据线", 1, 10, 0.0),
        (None, 1, None, None),
    ]
