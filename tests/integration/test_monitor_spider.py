"""The monitor over loopback: against the sandbox's drift it finds every change and nothing else.

Ground truth comes from the sandbox's truth records of the two epochs
(``Catalogue.offer(id, epoch)``), diffed here through the same view the
changes table documents for details (offer: title, status, stock, lowest
and highest price, quantity tiers; SKU by id: price, promotion price, stock
(the consign price is deprecated and answered null); SKUs appearing or
vanishing; offers gone), written the way the
table writes values. The monitor sees only API answers, through the
normaliser; with every watched offer detailed (``-a details=all``),
agreement on every detail row is precision and recall of 100%.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from harvester.crawl import exitcodes
from harvester.sandbox.catalogue import Catalogue, UnknownOffer
from harvester.sandbox.records import Offer
from tests.integration.crawling import run_crawl

pytestmark = pytest.mark.e2e

Row = tuple[int, int | None, str, str | None, str | None]


@pytest.fixture(scope="module")
def catalogue(sandbox_process):
    config = sandbox_process.initial_config
    return Catalogue(config["seed"], config["offers"])


def _text(value: Any) -> str | None:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return None if value is None else str(value)


def _view(offer: Offer) -> dict[str, Any]:
    prices = [tier.price for tier in offer.price_tiers] + [sku.price for sku in offer.skus]
    return {
        "title": offer.title,
        "status": offer.status,
        "stock": offer.stock,
        "price_min": min(prices),
        "price_max": max(prices),
        "price_ranges": ";".join(f"{tier.start_quantity}:{_text(tier.price)}" for tier in offer.price_tiers),
    }


def _truth(catalogue: Catalogue, offer_ids: list[int], epoch: int) -> set[Row]:
    """Every change between epoch 0 and ``epoch`` of the given offers, as changes rows."""
    rows: set[Row] = set()
    for offer_id in offer_ids:
        before = catalogue.offer(offer_id, 0)
        try:
            after = catalogue.offer(offer_id, epoch)
        except UnknownOffer:
            rows.add((offer_id, None, "offer", "listed", "missing"))
            continue
        old, new = _view(before), _view(after)
        rows |= {(offer_id, None, f, _text(old[f]), _text(new[f])) for f in old if old[f] != new[f]}
        old_skus = {sku.sku_id: sku for sku in before.skus}
        new_skus = {sku.sku_id: sku for sku in after.skus}
        for sku_id in old_skus.keys() - new_skus.keys():
            rows.add((offer_id, sku_id, "sku", old_skus[sku_id].spec_key, None))
        for sku_id in new_skus.keys() - old_skus.keys():
            rows.add((offer_id, sku_id, "sku", None, new_skus[sku_id].spec_key))
        for sku_id in old_skus.keys() & new_skus.keys():
            # consign_price is deprecated by the detail page: answers carry null, so no change of it can show.
            for field in ("price", "promotion_price", "stock"):
                a, b = getattr(old_skus[sku_id], field), getattr(new_skus[sku_id], field)
                if a != b:
                    rows.add((offer_id, sku_id, field, _text(a), _text(b)))
    return rows


def _found(crawl) -> set[Row]:
    """The changes seen in details (listing changes, ``source = listing``, have no truth of this view)."""
    rows = [r for r in crawl.rows("changes") if r["source"] == "detail"]
    found = {(r["offer_id"], r["sku_id"], r["field"], r["old_value"], r["new_value"]) for r in rows}
    assert len(found) == len(rows), "a change reported twice"
    return found


def test_every_change_of_the_drift_is_found_and_nothing_else(sandbox, catalogue, tmp_path):
    data = tmp_path / "data"
    first = run_crawl(sandbox, "keyword", data, "keywords=风筝,毛笔")
    assert first.returncode == exitcodes.OK, first.stderr
    watched = sorted(p["offer_id"] for p in first.rows("products"))
    assert len(watched) == 1350
    sandbox.admin.drift()
    sandbox.admin.reset()
    monitor = run_crawl(sandbox, "monitor", data, "details=all")
    assert monitor.returncode == exitcodes.OK, monitor.stderr

    truth, found = _truth(catalogue, watched, epoch=1), _found(monitor)
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    assert (precision, recall) == (1.0, 1.0), (sorted(found - truth, key=str)[:10], sorted(truth - found, key=str)[:10])
    # The drift changed every kind of thing watched.
    assert {row[2] for row in truth} >= {"title", "status", "stock", "price_min", "price", "sku", "offer"}
    assert {r["previous_crawl_id"] for r in monitor.rows("changes")} == {first.crawl_id}

    # A fresh snapshot of every offer still there; the gone ones in the missing table.
    gone = sorted(row[0] for row in truth if row[2] == "offer")
    assert sorted(m["offer_id"] for m in monitor.rows("missing")) == gone
    assert sorted(p["offer_id"] for p in monitor.rows("products")) == sorted(set(watched) - set(gone))
    # Cost: the queries' search pages again, and with details=all one detail call per watched offer (the ones
    # no search finds again, the gone ones among them, included), nothing else.
    assert sandbox.admin.stats()["calls_by_api"] == {
        "product.search.keywordQuery": monitor.stat("harvester/search/pages"),
        "product.search.queryProductDetail": len(watched),
    }
    changed = len({r["offer_id"] for r in monitor.rows("changes")})
    assert f"Changes: {changed} of {len(watched):,} offers changed since crawl {first.crawl_id}" in monitor.stderr
    assert "biggest price moves: offer " in monitor.stderr


def test_without_drift_nothing_changed(sandbox, tmp_path):
    data = tmp_path / "data"
    first = run_crawl(sandbox, "keyword", data, "keywords=毛笔")
    monitor = run_crawl(sandbox, "monitor", data)
    assert monitor.returncode == exitcodes.OK, monitor.stderr
    assert monitor.rows("changes") == [] and monitor.rows("missing") == []
    assert monitor.stat("harvester/changes/compared") == len(first.rows("products")) == 450
    assert f"Changes: 0 of 450 offers changed since crawl {first.crawl_id}" in monitor.stderr
    # The monitor's own snapshot is the next one's previous: still nothing.
    again = run_crawl(sandbox, "monitor", data)
    assert again.rows("changes") == []
    assert again.stats["harvester/changes/previous_crawl_id"] == monitor.crawl_id


def test_a_list_of_ids_is_watched_against_the_latest_crawl(sandbox, catalogue, tmp_path):
    data = tmp_path / "data"
    first = run_crawl(sandbox, "keyword", data, "keywords=算盘")
    watched = sorted(p["offer_id"] for p in first.rows("products"))
    ids_file = tmp_path / "watch.txt"
    unknown = catalogue.offer_id(999_999)  # exists, but was not in the latest crawl: new, not a change
    ids_file.write_text("\n".join(map(str, [*watched[:10], "x", unknown, 600_000_000_001])) + "\n")
    sandbox.admin.drift(3)
    monitor = run_crawl(sandbox, "monitor", data, f"ids_file={ids_file}")
    assert monitor.returncode == exitcodes.OK, monitor.stderr
    assert _found(monitor) == _truth(catalogue, watched[:10], epoch=3)
    assert monitor.stat("harvester/changes/new_offers") == 1
    assert monitor.stat("harvester/input/bad_lines") == 1
    assert 600_000_000_001 in {m["offer_id"] for m in monitor.rows("missing")}


def test_nothing_to_monitor_is_refused_before_any_call(sandbox, tmp_path):
    crawl = run_crawl(sandbox, "monitor", tmp_path / "data")
    assert crawl.returncode == exitcodes.USAGE
    assert crawl.errors() == [
        f"harvester: nothing to monitor: HARVEST_DATA_DIR={tmp_path / 'data'} holds no crawl yet; run a keyword, "
        "image, offers or seller crawl into it first, or give -a ids_file=PATH"
    ]
    assert sandbox.admin.stats()["calls_total"] == 0
