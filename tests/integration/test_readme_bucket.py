"""The README's examples of reading from a bucket, run exactly as written against the private S3 server.

The bucket is the README's own (``harvest``, prefix ``datasets/1688``), made
for this module and deleted after it; the AWS variables are exported as a
user would. Two crawls go in (the older one priced differently), so each
example must pick the newest crawl and give its prices to the cent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from harvester.dataset.snapshot import latest_snapshot
from harvester.dataset.storage import Storage, resolve
from harvester.items import RawOffer
from tests.builders import fixture_offers, load, normalised, write_crawl
from tests.support.s3_server import S3Server

pytestmark = pytest.mark.s3

README = Path(__file__).parents[2] / "README.md"
OLD = "20250401T000000Z-aaaaaa"
NEW = "20250501T080000Z-bbbbbb"


def _examples() -> dict[str, str]:
    """The README's Python blocks that open with a ``# bucket: <reader>`` line."""
    blocks = re.findall(r"```python\n(# bucket: \w+\n.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    return {block.splitlines()[0].split(":", 1)[1].strip(): block for block in blocks}


@pytest.fixture(scope="module")
def bucket(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Storage]:
    s3_server.filesystem().create_dir("harvest")
    storage = resolve("s3://harvest/datasets/1688", s3_server.env(), spool=tmp_path_factory.mktemp("spool"))
    detail = load("product_detail.json")
    detail["productSkuInfos"][1]["price"] = "1.0000"
    old, _ = normalised([RawOffer("product_detail", detail, "保温杯", None, datetime(2025, 4, 1, tzinfo=UTC))], OLD)
    write_crawl(storage, OLD, old)
    new, _ = normalised(fixture_offers(datetime(2025, 5, 1, 8, 5, tzinfo=UTC)), NEW)
    write_crawl(storage, NEW, new)
    yield storage
    s3_server.drop("harvest")


@pytest.fixture(scope="module")
def results(bucket: Storage, s3_server: S3Server) -> dict[str, list[tuple]]:
    outcome = {}
    with pytest.MonkeyPatch.context() as mp:
        for name, value in s3_server.env().items():
            mp.setenv(name, value)
        for reader, code in _examples().items():
            namespace: dict[str, Any] = {}
            exec(compile(code, f"{README}:bucket:{reader}", "exec"), namespace)  # noqa: S102 - the README's own
            outcome[reader] = _rows(namespace["prices"])
    return outcome


def _rows(result: Any) -> list[tuple]:
    if isinstance(result, duckdb.DuckDBPyRelation):
        return [tuple(row.values()) for row in result.to_arrow_table().to_pylist()]
    if isinstance(result, pl.DataFrame):
        return result.rows()
    return [tuple(row) for row in result]


def test_the_readme_reads_the_bucket_with_each_reader():
    assert sorted(_examples()) == ["duckdb", "polars", "pyarrow"]


@pytest.mark.parametrize("reader", ["pyarrow", "duckdb", "polars"])
def test_prices_of_the_newest_crawl_to_the_cent(results, bucket: Storage, reader: str) -> None:
    newest = latest_snapshot(bucket, ("products",), crawl_id=NEW)["products"]
    expected = sorted((row["offer_id"], row["price_min"], row["price_max"]) for row in newest.to_pylist())
    assert len(expected) > 1, "several offers, so that a reader that drops or repeats rows shows"
    assert results[reader] == expected
    assert all(type(price) is Decimal for _, low, high in results[reader] for price in (low, high) if price is not None)
    assert (624108453870, Decimal("1.0000")) not in [(o, low) for o, low, _ in results[reader]], "not the older crawl"
