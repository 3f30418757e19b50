"""The offers spider over loopback: ids from the command line and from a file, bad lines, offers gone, laziness."""

from __future__ import annotations

import pytest

from harvester.crawl import exitcodes
from harvester.sandbox.catalogue import Catalogue
from harvester.spiders.offers import IDS_PER_UNIT
from tests.integration.crawling import run_crawl

pytestmark = pytest.mark.e2e

GONE = 600_000_000_001  # never in the catalogue: the gateway answers 商品不存在


@pytest.fixture(scope="module")
def catalogue(sandbox_process):
    config = sandbox_process.initial_config
    return Catalogue(config["seed"], config["offers"])


def test_ids_and_a_file_with_bad_lines_and_an_offer_gone(sandbox, catalogue, tmp_path):
    ids = [catalogue.offer_id(index) for index in range(0, 2_000, 40)]  # 50 offers
    ids_file = tmp_path / "ids.txt"
    lines = [str(i) for i in ids[1:30]] + [
        "not-an-id",
        f"https://detail.1688.com/offer/{ids[30]}.html",
        "",
        str(GONE),
        *map(str, ids[31:]),
        str(ids[5]),
    ]
    ids_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    crawl = run_crawl(sandbox, "offers", tmp_path / "data", f"ids={ids[0]},{ids[1]}", f"ids_file={ids_file}")
    assert crawl.returncode == exitcodes.OK, crawl.stderr
    products = crawl.rows("products")
    assert sorted(p["offer_id"] for p in products) == sorted(ids)
    assert {p["query"] for p in products} == {None}
    assert [(m["offer_id"], m["reason"]) for m in crawl.rows("missing")] == [(GONE, "OFFER_NOT_FOUND: 商品不存在")]
    assert crawl.stat("harvester/input/bad_lines") == 1
    assert f"{ids_file} line 30 skipped: 'not-an-id' is not an offer id" in crawl.stderr
    assert crawl.stat("harvester/details/missing") == 1
    assert crawl.stat("harvester/details/missing_sample") == str(GONE)
    assert f"missing: {GONE} (all 1 in the missing table)" in crawl.stderr
    # Cost: one detail call per distinct id (the repeated one is asked once), the offer gone included.
    calls = sandbox.admin.stats()["calls_by_api"]
    assert calls == {"product.search.queryProductDetail": len(ids) + 1}
    assert crawl.stat("harvester/quota/calls") == sum(calls.values())


def test_a_file_is_read_only_as_fast_as_calls_go_out(sandbox, catalogue, tmp_path):
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("".join(f"{catalogue.offer_id(index)}\n" for index in range(5_000)), encoding="utf-8")
    settings = {"OPEN1688_DAILY_CALL_BUDGET": 10, "OPEN1688_STATE_DIR": tmp_path / "state", "CONCURRENT_REQUESTS": 4}
    crawl = run_crawl(sandbox, "offers", tmp_path / "data", f"ids_file={ids_file}", settings=settings)
    assert crawl.returncode == exitcodes.QUOTA, crawl.stderr
    # The budget stopped the crawl after 10 calls: the file was read a few units ahead of them, not to its end.
    assert crawl.stat("harvester/quota/calls") == 10
    assert 10 <= crawl.stat("harvester/details/wanted") <= 4 * IDS_PER_UNIT
    assert len(crawl.rows("products")) == crawl.stat("harvester/details/fetched") == 10


def test_a_bad_id_is_refused_before_any_call(sandbox, tmp_path):
    crawl = run_crawl(sandbox, "offers", tmp_path / "data", "ids=624108453870,abc")
    assert crawl.returncode == exitcodes.USAGE
    assert crawl.errors() == [
        "harvester: -a ids: 'abc' is not an offer id; give digits such as 624108453870 or offer URLs, "
        "separated by commas"
    ]
    assert sandbox.admin.stats()["calls_total"] == 0
    assert not (tmp_path / "data").exists()
