"""The README's reading examples, run exactly as written, with DuckDB, polars and pandas, on a small dataset.

Also: a dataset that mixes files of an older schema version with current
ones reads with every reader, and the monitor's snapshot reader picks the
newest crawl.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from harvester.crawl.identity import CrawlIdentity
from harvester.dataset.snapshot import latest_crawl_id, latest_snapshot
from harvester.dataset.writer import DatasetWriter
from harvester.items import Product, RawOffer, SearchHit
from harvester.schema import TABLES, reader_schema, schema_for, schema_version
from tests.builders import fixture_offers, load, normalised, write_crawl

README = Path(__file__).parents[2] / "README.md"
OLD = "20250401T000000Z-aaaaaa"
NEW = "20250501T080000Z-bbbbbb"
T_OLD = datetime(2025, 4, 1, 0, 5, tzinfo=UTC)
T_NEW = datetime(2025, 5, 1, 8, 5, tzinfo=UTC)


def _examples() -> dict[str, str]:
    """The reading examples: the README's Python blocks that open with a ``# duckdb``/``# polars``/``# pandas`` line."""
    blocks = re.findall(
        r"```python\n(# (?:duckdb|polars|pandas)\n.*?)```", README.read_text(encoding="utf-8"), flags=re.S
    )
    return {block.splitlines()[0].lstrip("# ").strip(): block for block in blocks}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two crawls: an older one where the thermos was cheaper, and the newest one with every fixture offer."""
    root = tmp_path_factory.mktemp("readme") / "data"
    detail = load("product_detail.json")
    detail["productSkuInfos"][1]["price"] = "1.0000"
    old, _ = normalised([RawOffer("product_detail", detail, "保温杯", None, T_OLD)], OLD)
    write_crawl(root, OLD, [*old, SearchHit("保温杯", 624108453870, 1, 1, T_OLD)])
    new, _ = normalised(fixture_offers(T_NEW), NEW)
    hits = [
        SearchHit("保温杯", 624108453870, 1, 1, T_NEW),
        SearchHit("保温杯", 702345678901, 1, 2, T_NEW),
        SearchHit("保温杯", 800000000003, 1, 3, T_NEW),
        SearchHit("保温杯", 800000000004, 1, 4, T_NEW),
        SearchHit("数据线", 702345678901, 1, 1, T_NEW),
        SearchHit("水杯", 624108453870, 2, 7, T_NEW),
    ]
    write_crawl(root, NEW, [*new, *hits])
    return root


def _rows(result: Any) -> list[tuple]:
    if isinstance(result, duckdb.DuckDBPyRelation):
        # fetchall() would need pytz for TIMESTAMPTZ columns; Arrow needs nothing more.
        return [tuple(row.values()) for row in result.to_arrow_table().to_pylist()]
    if isinstance(result, pl.DataFrame):
        return result.rows()
    assert isinstance(result, pd.DataFrame)
    return [tuple(row) for row in result.itertuples(index=False)]


@pytest.fixture(scope="module")
def results(dataset: Path) -> dict[str, dict[str, list[tuple]]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(dataset.parent)
        outcome = {}
        for reader, code in _examples().items():
            namespace: dict[str, Any] = {}
            exec(compile(code, f"{README}:{reader}", "exec"), namespace)  # noqa: S102 - the README's own examples
            outcome[reader] = {
                name: _rows(namespace[name]) for name in ("cheapest", "by_category", "queries", "best_sellers")
            }
    return outcome


def test_the_readme_has_one_example_per_reader():
    assert sorted(_examples()) == ["duckdb", "pandas", "polars"]


@pytest.mark.parametrize("reader", ["duckdb", "polars", "pandas"])
def test_cheapest_sku_per_offer_for_a_keyword(results, reader):
    rows = results[reader]["cheapest"]
    # 800000000003 and 800000000004 were only listed (no detail, so no SKUs).
    assert rows == [
        (702345678901, "长度=1M;颜色=白色", Decimal("3.2")),
        (624108453870, "容量=1000ml;颜色=蓝色", Decimal("21.1234")),
    ]
    assert all(type(price) is Decimal for *_, price in rows)


@pytest.mark.parametrize("reader", ["duckdb", "polars", "pandas"])
def test_price_distribution_by_category(results, reader):
    rows = results[reader]["by_category"]
    assert [(r[0], r[2], r[3], r[5]) for r in rows] == [
        (122, 1, Decimal("0.0700"), Decimal("0.0700")),
        (1031910, 1, Decimal("20.50"), Decimal("20.50")),
        (1038378, 1, Decimal("3.0"), Decimal("3.0")),
    ]
    assert [r[4] for r in rows] == pytest.approx([0.07, 20.5, 3.0])
    assert all(pd.isna(r[1]) for r in rows)  # no fixture offer names its category


@pytest.mark.parametrize("reader", ["duckdb", "polars", "pandas"])
def test_every_query_that_found_an_offer(results, reader):
    assert [tuple(r) for r in results[reader]["queries"]] == [
        (OLD, "保温杯", 1, 1, T_OLD),
        (NEW, "保温杯", 1, 1, T_NEW),
        (NEW, "水杯", 2, 7, T_NEW),
    ]


@pytest.mark.parametrize("reader", ["duckdb", "polars", "pandas"])
def test_best_sellers_of_the_listing_tier(results, reader):
    rows = results[reader]["best_sellers"]
    assert [tuple(r) for r in rows] == [
        (624108453870, "304不锈钢保温杯", Decimal("20.50"), 311, 1523),
        (702345678901, "数据线", Decimal("3.0"), 12, 88),
    ]
    assert all(type(r[2]) is Decimal for r in rows)


def test_latest_snapshot_reads_the_newest_crawl_only(dataset):
    assert latest_crawl_id(dataset) == NEW
    snapshot = latest_snapshot(dataset)
    assert set(snapshot) == {"products", "skus"}
    assert set(snapshot["products"].column("crawl_id").to_pylist()) == {NEW}
    assert snapshot["products"].num_rows == 3 and snapshot["skus"].num_rows == 6
    older = latest_snapshot(dataset, ("skus", "changes"), crawl_id=OLD, columns={"skus": ["sku_id", "price"]})
    assert older["skus"].column_names == ["sku_id", "price"]
    assert Decimal("1.0000") in older["skus"].column("price").to_pylist()
    assert older["changes"].num_rows == 0 and older["changes"].schema == TABLES["changes"]


# --- schema evolution ---------------------------------------------------------


@pytest.fixture
def mixed_versions(tmp_path: Path) -> Path:
    """A crawl written by schema version 1 (without ``description``), then one by the current version."""
    root = tmp_path / "data"
    v1 = schema_for("products", 1)
    folder = root / "products" / "crawl_date=2025-04-01"
    folder.mkdir(parents=True)
    old_rows = {name: [None] for name in v1.names}
    old_rows.update(offer_id=[1], title=["old"], price_min=[Decimal("1.2345")], crawl_id=[OLD], crawled_at=[T_OLD])
    old_rows.update(price_ranges=[[]], image_urls=[[]], attributes=[[]], sku_count=[0])
    pq.write_table(pa.table(old_rows, schema=v1), folder / f"part-{OLD}-w-00000.parquet", store_decimal_as_integer=True)
    new = Product(
        2,
        title="new",
        price_min=Decimal("2.5"),
        description="<p>new</p>",
        crawled_at=T_NEW,
        sold_count=5,
        tags=["isOnePsale"],
    )
    write_crawl(root, NEW, [new])
    return root


def test_an_older_version_file_really_lacks_the_column(mixed_versions):
    (old,) = (mixed_versions / "products").glob("crawl_date=2025-04-01/*.parquet")
    schema = pq.read_schema(old)
    assert schema_version(schema) == 1 and "description" not in schema.names


def _by_offer(rows: list[dict]) -> dict[int, tuple]:
    """What each reader made of the two versions (a version 2 and a version 4 column), the hive partition column
    included."""

    def tags(value: Any) -> list[str] | None:
        return None if value is None else list(value)

    return {
        r["offer_id"]: (
            r["title"],
            r["price_min"],
            r["description"],
            r["sold_count"],
            tags(r["tags"]),
            str(r["crawl_date"])[:10],
        )
        for r in rows
    }


EXPECTED = {
    1: ("old", Decimal("1.2345"), None, None, None, "2025-04-01"),
    2: ("new", Decimal("2.5"), "<p>new</p>", 5, ["isOnePsale"], "2025-05-01"),
}


def test_old_and_new_versions_read_together_with_duckdb(mixed_versions, monkeypatch):
    monkeypatch.chdir(mixed_versions.parent)
    rel = duckdb.sql(
        "SELECT * FROM read_parquet('data/products/**/*.parquet', hive_partitioning = true, union_by_name = true)"
    )
    rows = rel.to_arrow_table().to_pylist()
    assert _by_offer(rows) == EXPECTED


def test_old_and_new_versions_read_together_with_polars(mixed_versions, monkeypatch):
    monkeypatch.chdir(mixed_versions.parent)
    frame = pl.scan_parquet(
        "data/products/**/*.parquet",
        hive_partitioning=True,
        schema=pl.from_arrow(reader_schema("products").empty_table()).schema,
        missing_columns="insert",
    ).collect()
    assert _by_offer(frame.to_dicts()) == EXPECTED


def test_old_and_new_versions_read_together_with_pandas(mixed_versions, monkeypatch):
    monkeypatch.chdir(mixed_versions.parent)
    frame = pd.read_parquet("data/products", schema=reader_schema("products"))
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert _by_offer(rows) == EXPECTED


def test_snapshot_of_an_older_version_crawl_has_the_current_columns(mixed_versions):
    table = latest_snapshot(mixed_versions, ("products",), crawl_id=OLD)["products"]
    assert table.schema == TABLES["products"]
    assert table.column("description").to_pylist() == [None]


def test_snapshot_of_an_empty_dataset(tmp_path):
    assert latest_crawl_id(tmp_path) is None
    assert latest_snapshot(tmp_path)["products"].num_rows == 0


def test_snapshot_does_not_read_temporary_files(tmp_path):
    writer = DatasetWriter(tmp_path, CrawlIdentity(NEW, T_NEW, "w"))
    writer.open()
    writer.close()
    folder = tmp_path / "products" / "crawl_date=2025-05-01"
    folder.mkdir(parents=True)
    (folder / f".part-{NEW}-w-00000.parquet.tmp").write_bytes(b"PAR1")
    assert latest_crawl_id(tmp_path) is None
