"""Crawls into a bucket end to end: `scrapy crawl` with ``HARVEST_DATA_DIR=s3://...`` against the sandbox and a
private S3-compatible server, the dataset then read straight from the bucket by pyarrow, polars and DuckDB.

Expected offers and prices come from the sandbox's catalogue (the same seed,
in this process): 茶具 matches 380 offers, 算盘 60.
"""

from __future__ import annotations

import functools
import re
import signal
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pytest

from harvester.dataset.storage import resolve
from harvester.sandbox.catalogue import Catalogue
from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import PATIENCE, ROOT, crawl, crawl_command, sandbox_env, wait_until
from tests.support.s3_server import S3Server

from .commands import environment, scrapy

pytestmark = [pytest.mark.e2e, pytest.mark.s3]


@functools.cache
def catalogue() -> Catalogue:
    return Catalogue(seed=1688, size=1_000_000)


def expected_ids(keyword: str) -> set[int]:
    return {int(i) for i in catalogue().search(keyword=keyword)}


def crawl_into(
    bucket_uri: str,
    spider: str,
    sandbox: SandboxProcess,
    s3_server: S3Server,
    tmp_path: Path,
    args: dict[str, str],
    crawl_id: str,
    *,
    aws_as_settings: bool = False,
):
    """A crawl whose dataset goes to the bucket; its local folders (spool, state) stay under ``tmp_path``.
    The AWS variables go in its environment, or as ``-s`` settings of the same names."""
    settings = {"HARVEST_DATA_DIR": bucket_uri, "HARVEST_SPOOL_DIR": str(tmp_path / "spool")}
    if aws_as_settings:
        settings.update(s3_server.env())
    env = sandbox_env(sandbox, **({} if aws_as_settings else s3_server.env()))
    run = crawl(
        spider,
        tmp_path / "data",
        sandbox=sandbox,
        args=args,
        settings=settings,
        crawl_id=crawl_id,
        env={key: value for key, value in env.items() if not (aws_as_settings and key.startswith("AWS_"))},
    )
    run.storage = resolve(bucket_uri, s3_server.env())
    return run


def assert_exact(products: list[dict[str, Any]], skus: list[dict[str, Any]], keyword: str) -> None:
    """Every offer the keyword matches, once, with its prices and SKUs to the cent."""
    by_id = {row["offer_id"]: row for row in products}
    assert len(by_id) == len(products), "each offer once"
    assert set(by_id) == expected_ids(keyword)
    skus_of: dict[int, dict[int | None, dict[str, Any]]] = {}
    for row in skus:
        skus_of.setdefault(row["offer_id"], {})[row["sku_id"]] = row
    for offer_id, row in by_id.items():
        offer = catalogue().offer(offer_id)
        prices = [t.price for t in offer.price_tiers] + [s.price for s in offer.skus]
        assert (row["price_min"], row["price_max"]) == (min(prices), max(prices))
        assert all(isinstance(p, Decimal) for p in (row["price_min"], row["price_max"])), "money as decimals"
        assert [(r["start_quantity"], r["price"]) for r in row["price_ranges"]] == [
            (t.start_quantity, t.price) for t in offer.price_tiers
        ]
        for sku in offer.skus:
            got = skus_of[offer_id][sku.sku_id]
            # A SKU's consignPrice is deprecated: the official answers leave it out (docs/dataset.md).
            assert (got["price"], got["consign_price"], got["promotion_price"]) == (
                sku.price,
                None,
                sku.promotion_price,
            )


def test_a_keyword_crawl_into_a_bucket_reads_back_exactly_with_pyarrow_polars_and_duckdb(
    sandbox: SandboxProcess, s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    uri = f"s3://{s3_bucket}/datasets/1688"
    run = crawl_into(uri, "keyword", sandbox, s3_server, tmp_path, {"keywords": "茶具"}, "20261206T080000Z-b0c4e7")
    assert run.returncode == 0, run.stderr[-3000:]
    assert not Path("s3:").exists() and not (Path(__file__).parents[2] / "s3:").exists(), "no local `s3:` folder"
    assert run.report["finish_reason"] == "finished", "the crawl report is in the bucket"
    assert list((tmp_path / "spool").iterdir()) == [], "the spool is empty after the crawl"

    # pyarrow: a dataset opened on the bucket (the README's way, DuckDB reads the same object).
    s3 = s3_server.filesystem()
    products = ds.dataset(f"{s3_bucket}/datasets/1688/products", filesystem=s3, format="parquet", partitioning="hive")
    skus = ds.dataset(f"{s3_bucket}/datasets/1688/skus", filesystem=s3, format="parquet", partitioning="hive")
    assert_exact(products.to_table().to_pylist(), skus.to_table().to_pylist(), "茶具")

    # DuckDB: queries the pyarrow datasets (no httpfs extension needed).
    found = duckdb.sql("select offer_id, price_min, price_max, price_ranges from products").to_arrow_table()
    sku_rows = duckdb.sql("select offer_id, sku_id, price, consign_price, promotion_price from skus").to_arrow_table()
    assert_exact(found.to_pylist(), sku_rows.to_pylist(), "茶具")

    # polars: straight from the bucket with its own S3 client.
    options = {
        "aws_access_key_id": s3_server.env()["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": s3_server.env()["AWS_SECRET_ACCESS_KEY"],
        "aws_region": "us-east-1",
        "aws_endpoint_url": s3_server.endpoint,
        "aws_allow_http": "true",
    }
    frames = {
        table: pl.read_parquet(
            f"s3://{s3_bucket}/datasets/1688/{table}/**/*.parquet", storage_options=options, hive_partitioning=True
        )
        for table in ("products", "skus")
    }
    assert frames["products"].schema["price_min"] == pl.Decimal(18, 4)
    assert_exact(frames["products"].to_dicts(), frames["skus"].to_dicts(), "茶具")


def test_the_monitor_compares_with_the_crawl_before_it_in_the_bucket(
    sandbox: SandboxProcess, s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    uri = f"s3://{s3_bucket}/data"
    first = crawl_into(
        uri, "keyword", sandbox, s3_server, tmp_path / "first", {"keywords": "算盘"}, "20261206T080000Z-a11111"
    )
    assert first.returncode == 0, first.stderr[-3000:]
    sandbox.admin.drift()
    watch = crawl_into(
        uri, "monitor", sandbox, s3_server, tmp_path / "second", {}, "20261206T090000Z-a22222", aws_as_settings=True
    )
    assert watch.returncode == 0, watch.stderr[-3000:]
    assert s3_server.env()["AWS_SECRET_ACCESS_KEY"] not in watch.stderr, "the secret given with -s is masked"
    assert "'AWS_SECRET_ACCESS_KEY': '***'" in watch.stderr
    stats = watch.stats
    assert stats["harvester/changes/previous_crawl_id"] == "20261206T080000Z-a11111"
    assert stats["harvester/changes/compared"] + stats.get("harvester/changes/gone", 0) == len(expected_ids("算盘"))
    changes = watch.rows("changes")
    assert changes and stats["harvester/changes/rows"] == len(changes), "what changed is in the bucket"


def _running(process: subprocess.Popen) -> None:
    assert process.poll() is None, "the run ended before it could be killed"


@pytest.mark.parametrize(
    ("uri", "fix"),
    [
        ("s3://AKIAEXAMPLEKEY:wJalrXUtnFEMIEXAMPLEKEY@harvest/datasets/1688", "remove them and set AWS_ACCESS_KEY_ID"),
        ("nosuch://harvest/datasets/1688", "unknown scheme nosuch://"),
    ],
)
def test_a_bad_data_dir_is_one_line_before_any_call(
    sandbox: SandboxProcess, tmp_path: Path, uri: str, fix: str
) -> None:
    run = crawl(
        "keyword",
        tmp_path / "data",
        sandbox=sandbox,
        args={"keywords": "茶具"},
        settings={"HARVEST_DATA_DIR": uri},
        timeout=60,
    )
    assert run.returncode == 2
    (line,) = run.error_lines()
    assert fix in line
    assert "wJalrXUtnFEMIEXAMPLEKEY" not in run.stderr + run.stdout, "the secret is never echoed"
    assert sandbox.admin.stats()["calls_total"] == 0, "not one gateway call"
    assert not (Path(__file__).parents[2] / "s3:").exists() and not (Path(__file__).parents[2] / "nosuch:").exists()


def test_a_bucket_that_does_not_exist_stops_the_crawl_before_any_call(
    sandbox: SandboxProcess, s3_server: S3Server, tmp_path: Path
) -> None:
    run = crawl(
        "keyword",
        tmp_path / "data",
        sandbox=sandbox,
        args={"keywords": "茶具"},
        settings={"HARVEST_DATA_DIR": "s3://no-such-bucket/data", "HARVEST_SPOOL_DIR": str(tmp_path / "spool")},
        env=sandbox_env(sandbox, **s3_server.env()),
        timeout=60,
    )
    assert run.returncode == 2
    (line,) = run.error_lines()
    assert line.startswith("harvester: HARVEST_DATA_DIR=s3://no-such-bucket/data is not writable (")
    assert line.endswith("create the bucket, or fix its name in HARVEST_DATA_DIR")
    assert sandbox.admin.stats()["calls_total"] == 0


def test_scrapy_doctor_checks_the_bucket(s3_server: S3Server, s3_bucket: str, tmp_path: Path) -> None:
    env = environment(tmp_path, **s3_server.env(), HARVEST_SPOOL_DIR=str(tmp_path / "spool"))
    done = scrapy(
        "doctor",
        "-s",
        f"HARVEST_DATA_DIR=s3://{s3_bucket}/data",
        "-s",
        "REDIS_URL=",
        "-s",
        f"HARVEST_SPOOL_DIR={tmp_path / 'spool'}",
        env=env,
    )
    (line,) = [line for line in done.stdout.splitlines() if "data dir:" in line]
    assert line == (
        f"OK    data dir: s3://{s3_bucket}/data is writable (a test object written and deleted); "
        f"part files are built in {tmp_path / 'spool'}"
    ), done.stdout + done.stderr


#: 450 offers (459 calls a whole run): killed once 100 are committed, then 50 calls into the recovering run.
KILLED_KEYWORD = "毛笔"


def test_killed_twice_and_resumed_from_its_jobdir_holds_every_offer_of_the_bucket_once(
    sandbox: SandboxProcess, s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    """Resuming after ``kill -9`` reads what the killed runs committed from the bucket (``resume.written_offers``)."""
    uri = f"s3://{s3_bucket}/data"
    command, env = crawl_command(
        "keyword",
        tmp_path / "data",
        sandbox=sandbox,
        args={"keywords": KILLED_KEYWORD},
        settings={
            "HARVEST_DATA_DIR": uri,
            "HARVEST_SPOOL_DIR": str(tmp_path / "spool"),
            "JOBDIR": str(tmp_path / "job"),
            "OPEN1688_QPS": 80,
            "HARVEST_ROW_GROUP_ROWS": 50,
            "HARVEST_FILE_ROWS": 100,
            "HARVEST_REPORT_SAMPLE_INTERVAL": 0,
        },
        env=sandbox_env(sandbox, **s3_server.env()),
    )
    storage = resolve(uri, s3_server.env())

    def products_committed(start: int) -> bool:
        return bool(storage.folders(storage.path("products")))

    def fifty_calls_later(start: int) -> bool:
        return sandbox.admin.stats()["calls_total"] >= start + 50

    # The first run is killed once it has committed products, the second (recovering) one 50 calls in.
    for killed_when in (products_committed, fifty_calls_later):
        start = sandbox.admin.stats()["calls_total"]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(
            functools.partial(killed_when, start),
            f"{killed_when.__name__} to kill the run",
            check=functools.partial(_running, process),
        )
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)

    final = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=PATIENCE)
    assert final.returncode == 0, final.stderr[-3000:]
    recovered = re.search(r"(\d+) offers already written are not fetched again", final.stderr)
    assert recovered and int(recovered.group(1)) > 0, "the killed runs' committed files were read from the bucket"
    offers = ds.dataset(
        storage.path("products"), filesystem=storage.filesystem, format="parquet", partitioning="hive"
    ).to_table(columns=["offer_id", "crawl_id"])
    assert len(set(offers.column("crawl_id").to_pylist())) == 1, "one crawl id throughout"
    ids = offers.column("offer_id").to_pylist()
    assert set(ids) == expected_ids(KILLED_KEYWORD) and len(ids) == len(set(ids)), "every offer, once"
    assert list((tmp_path / "spool").iterdir()) == [], "the killed runs' spool files are swept"
