"""The enrichment end to end against the sandbox: freight and trends of a small keyword, the category tree, a
category harvested without a keyword, and the tables joined.

The expected values come from the sandbox's catalogue itself (same seed, in this process): every freight
estimate to the cent, every day of every trend, the tree's every category and path.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from harvester.crawl import exitcodes
from harvester.crawl import stats as keys
from harvester.sandbox.catalogue import Catalogue
from harvester.sandbox.process import SandboxProcess

from .crawling import run_crawl

pytestmark = pytest.mark.e2e

#: 算盘 (abacus): the catalogue's smallest leaf category, 60 offers; its keyword finds exactly them.
KEYWORD, CATEGORY = "算盘", 500301005
#: The sandbox's today at epoch 0.
TODAY = date(2025, 6, 30)
TRENDS = {"HARVEST_TRENDS_END": f"{TODAY:%Y%m%d}", "HARVEST_TRENDS_DAYS": 30}


@pytest.fixture(scope="module")
def catalogue(sandbox_process: SandboxProcess) -> Catalogue:
    config = sandbox_process.initial_config
    return Catalogue(config["seed"], config["offers"])


def _sql(path: Path, query: str) -> list[tuple]:
    def table(name: str) -> str:
        return f"read_parquet('{path}/{name}/**/*.parquet', hive_partitioning = true, union_by_name = true)"

    return duckdb.sql(
        query.format(**{name: table(name) for name in ("products", "freight", "trends", "categories")})
    ).fetchall()


def test_freight_and_trends_of_every_offer_exact(sandbox: SandboxProcess, catalogue: Catalogue, tmp_path: Path):
    run = run_crawl(
        sandbox,
        "keyword",
        tmp_path / "data",
        f"keywords={KEYWORD}",
        "freight_to=浙江省",
        "freight_quantity=2",
        "trends=1",
        settings=TRENDS,
    )
    assert run.returncode == exitcodes.OK, run.stderr[-3000:]
    offers = {int(i) for i in catalogue.search(keyword=KEYWORD)}
    assert len(offers) == 60

    freight = {row["offer_id"]: row for row in run.table("freight").to_pylist()}
    assert set(freight) == offers
    for offer_id, row in freight.items():
        truth = catalogue.freight(offer_id, "330000", "330100", "330106", 2)
        assert (row["freight"], row["free_postage"], row["template_id"]) == (
            truth.freight,
            truth.free_postage,
            truth.template.id,
        )
        assert (row["to_province_code"], row["to_city_code"], row["to_district_code"], row["quantity"]) == (
            "330000",
            "330100",
            "330106",
            2,
        )

    trends = run.table("trends").to_pylist()
    assert len(trends) == 60 * 3 * 30
    start = TODAY - timedelta(days=29)
    by_series: dict[tuple[int, str], list[dict]] = {}
    for row in trends:
        by_series.setdefault((row["offer_id"], row["metric"]), []).append(row)
    for offer_id in sorted(offers)[:10]:
        for metric in ("sell", "price", "repurchase"):
            rows = sorted(by_series[offer_id, metric], key=lambda r: r["day"])
            assert [r["raw"] for r in rows] == catalogue.trend(offer_id, metric, start, TODAY)
            assert [r["day"] for r in rows] == [start + timedelta(days=n) for n in range(30)]

    stats = run.stats
    assert (stats[keys.FREIGHT_PLANNED], stats[keys.FREIGHT_CALLS], stats[keys.FREIGHT_ESTIMATES]) == (60, 60, 60)
    assert (stats[keys.TRENDS_PLANNED], stats[keys.TRENDS_CALLS], stats[keys.TRENDS_SERIES]) == (180, 180, 180)
    assert "enrichment freight: 60 calls planned, 60 made; trends: 180 calls planned, 180 made" in run.stderr


def test_a_dry_run_prints_the_enrichment_calls_it_would_make_capped(sandbox: SandboxProcess, tmp_path: Path):
    run = run_crawl(
        sandbox,
        "keyword",
        tmp_path / "data",
        f"keywords={KEYWORD}",
        "freight_to=330000",
        "trends=1",
        "dry_run=1",
        settings={**TRENDS, "HARVEST_FREIGHT_MAX_CALLS": 10},
    )
    assert run.returncode == exitcodes.OK, run.stderr[-3000:]
    assert (
        "enrichment freight: 60 calls planned, 10 it would make, 50 past the cap; trends: 180 calls planned, "
        "180 it would make"
    ) in run.stdout
    assert run.stat(keys.FREIGHT_CALLS) == run.stat(keys.TRENDS_CALLS) == 0
    assert not (tmp_path / "data" / "freight").exists()
    assert sandbox.admin.stats()["calls_by_api"].get("product.freight.estimate", 0) == 0


def test_a_bad_destination_is_one_line_before_any_call(sandbox: SandboxProcess, tmp_path: Path):
    run = run_crawl(sandbox, "keyword", tmp_path / "data", f"keywords={KEYWORD}", "freight_to=浙江市场")
    assert run.returncode == exitcodes.USAGE
    assert "freight_to='浙江市场' is not a mainland province" in run.stderr
    assert sum(sandbox.admin.stats()["calls_by_api"].values()) == 0


def test_a_category_without_hot_keywords_is_a_gap_not_an_empty_success(sandbox: SandboxProcess, tmp_path: Path):
    run = run_crawl(sandbox, "keyword", tmp_path / "data", "category_id=987654321")
    assert run.returncode == exitcodes.INCOMPLETE, run.stderr[-3000:]
    assert run.stat(keys.SEARCH_HOT_KEYWORDS_NONE) == 1
    assert sandbox.admin.stats()["calls_by_api"].get("product.search.keywordQuery", 0) == 0


def test_the_tree_then_a_category_without_keyword_joined_to_its_path(
    sandbox: SandboxProcess, catalogue: Catalogue, tmp_path: Path
):
    data = tmp_path / "data"
    tree = run_crawl(sandbox, "categories", data)
    assert tree.returncode == exitcodes.OK, tree.stderr[-3000:]
    rows = {row["category_id"]: row for row in tree.table("categories").to_pylist()}
    nodes = []
    stack = list(catalogue.category_tree.node(0).children)
    while stack:
        node = catalogue.category_tree.node(stack.pop())
        nodes.append(node)
        stack.extend(node.children)
    assert set(rows) == {node.id for node in nodes}
    for node in nodes:
        row = rows[node.id]
        assert (row["name"], row["name_translated"], row["level"], row["is_leaf"], row["parent_id"]) == (
            node.name,
            node.name_en,
            node.level,
            node.leaf,
            node.parent_id,
        )
    parents = sum(1 for node in nodes if not node.leaf) + 1
    assert tree.stat(keys.CATEGORIES_CALLS) == tree.stat(keys.CATEGORIES_TRANSLATION_CALLS) == parents

    harvest = run_crawl(sandbox, "keyword", data, f"category_id={CATEGORY}")
    assert harvest.returncode == exitcodes.OK, harvest.stderr[-3000:]
    assert harvest.stat(keys.SEARCH_HOT_KEYWORD_CALLS) == 1 and harvest.stat(keys.SEARCH_HOT_KEYWORDS) >= 1
    joined = _sql(
        data,
        """
        SELECT p.offer_id, c.path, c.path_translated FROM {products} AS p JOIN {categories} AS c USING (category_id)
    """,
    )
    leaf = catalogue.category_tree.node(CATEGORY)
    second = catalogue.category_tree.node(leaf.parent_id)
    top = catalogue.category_tree.node(second.parent_id)
    assert {offer_id for offer_id, *_ in joined} == {int(i) for i in catalogue.search(keyword=KEYWORD)}
    assert {(path, translated) for _, path, translated in joined} == {
        (f"{top.name} > {second.name} > {leaf.name}", f"{top.name_en} > {second.name_en} > {leaf.name_en}")
    }


def test_the_readme_example_on_what_the_sandbox_wrote(
    sandbox: SandboxProcess, catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The README's landed-cost and category-path example, as written, on a dataset the crawls wrote."""
    import re

    data = tmp_path / "data"
    assert run_crawl(sandbox, "categories", data).returncode == exitcodes.OK
    run = run_crawl(
        sandbox,
        "keyword",
        data,
        f"keywords={KEYWORD}",
        "freight_to=广东",
        "freight_quantity=10",
        "trends=1",
        settings=TRENDS,
    )
    assert run.returncode == exitcodes.OK, run.stderr[-3000:]
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- example:enrichment -->\n```python\n(.*?)```", readme, re.DOTALL).group(1)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md:enrichment", "exec"), namespace)  # noqa: S102 - the README's own example
    landed = namespace["landed"].to_arrow_table().to_pylist()
    offers = {int(i) for i in catalogue.search(keyword=KEYWORD)}
    assert {row["offer_id"] for row in landed} == offers
    for row in landed:
        truth = catalogue.freight(row["offer_id"], "440000", "440100", "440106", 10).freight
        assert row["freight_per_piece"] == (truth / 10).quantize(row["freight_per_piece"])
        assert row["landed_cny"] == row["unit_price"] + row["freight_per_piece"]
    assert any(row["freight_per_piece"] > 0 for row in landed)
    ((path, count, units, _change),) = [
        tuple(row.values()) for row in namespace["by_path"].to_arrow_table().to_pylist()
    ]
    leaf = catalogue.category_tree.node(CATEGORY)
    assert path.endswith(leaf.name_en) and count == len(offers)
    start = TODAY - timedelta(days=29)
    assert units == sum(
        int(value or 0) for offer_id in offers for value in catalogue.trend(offer_id, "sell", start, TODAY)
    )
