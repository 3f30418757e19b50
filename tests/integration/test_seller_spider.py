"""The seller spider over loopback, and the sellers table every spider fills through seller probes."""

from __future__ import annotations

import math

import pytest

from harvester.crawl import exitcodes
from harvester.sandbox.catalogue import Catalogue
from tests.integration.crawling import run_crawl

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def catalogue(sandbox_process):
    config = sandbox_process.initial_config
    return Catalogue(config["seed"], config["offers"])


#: Seller lookups are off by default (a keyword crawl then costs pages + batches only).
LOOKUPS = {"OPEN1688_SELLER_PROBES": 1000}

def _seller_row(seller) -> dict:
    """A sellers row as the sandbox's truth record says it must read."""
    scores = seller.scores
    return {
        "seller_open_id": seller.open_id,
        "supplier_login_id": seller.login_id,
        "company_name": seller.company_name,
        "trade_medal_level": scores.trade_medal_level,
        "composite_service_score": float(scores.composite_service),
        "logistics_experience_score": float(scores.logistics_experience),
        "dispute_complaint_score": float(scores.dispute_complaint),
        "offer_experience_score": float(scores.offer_experience),
        "consulting_experience_score": float(scores.consulting_experience),
        "after_sales_experience_score": float(scores.after_sales_experience),
        "repeat_purchase_rate": float(scores.repeat_purchase_percent),
    }


SCORES = ("trade_medal_level", "composite_service_score", "logistics_experience_score", "dispute_complaint_score",
          "offer_experience_score", "consulting_experience_score", "after_sales_experience_score",
          "repeat_purchase_rate")


def _as_read(row: dict, truth: dict) -> dict:
    """The truth as a row must read: about one detail answer in twenty has no sellerDataInfo (sandbox noise)."""
    return {**truth, **dict.fromkeys(SCORES)} if row["composite_service_score"] is None else truth


def test_every_offer_of_a_seller_and_its_row(sandbox, catalogue, tmp_path):
    seller = catalogue.seller_of(catalogue.search(keyword="风筝")[0])
    expected = set(catalogue.search(seller_open_id=seller.open_id))
    crawl = run_crawl(sandbox, "seller", tmp_path / "data", f"seller_open_id={seller.open_id}")
    assert crawl.returncode == exitcodes.OK, crawl.stderr
    products = crawl.rows("products")
    assert {p["offer_id"] for p in products} == expected and len(products) == len(expected)
    assert {(p["seller_open_id"], p["supplier_login_id"], p["company_name"], p["query"]) for p in products} == {
        (seller.open_id, seller.login_id, seller.company_name, f"seller:{seller.open_id}")
    }
    (row,) = crawl.rows("sellers")
    truth = _seller_row(seller)
    assert {key: row[key] for key in truth} == _as_read(row, truth)
    calls = sandbox.admin.stats()["calls_by_api"]
    assert calls == {
        "product.search.querySellerOfferList": math.ceil(len(expected) / 50),
        "alibaba.cross.productList": math.ceil(len(expected) / 20),
        "product.search.queryProductDetail": 1,
    }


def test_a_keyword_crawl_learns_each_seller_once(sandbox, catalogue, tmp_path):
    offers = list(catalogue.search(keyword="风筝"))
    sellers = {catalogue.seller_of(offer_id).open_id: catalogue.seller_of(offer_id) for offer_id in offers}
    crawl = run_crawl(sandbox, "keyword", tmp_path / "data", "keywords=风筝", settings=LOOKUPS)
    assert crawl.returncode == exitcodes.OK, crawl.stderr
    rows = crawl.rows("sellers")
    assert sorted(row["seller_open_id"] for row in rows) == sorted(sellers)
    for row in rows:
        truth = _seller_row(sellers[row["seller_open_id"]])
        assert {key: row[key] for key in truth} == _as_read(row, truth)
    products = crawl.rows("products")
    assert len(products) == len(offers)
    assert all(p["seller_open_id"] == catalogue.seller_of(p["offer_id"]).open_id for p in products)
    assert crawl.stat("harvester/sellers/probes") == len(sellers)
    assert sandbox.admin.stats()["calls_by_api"]["product.search.queryProductDetail"] == len(sellers)


def test_seller_probes_stop_at_their_cap(sandbox, catalogue, tmp_path):
    crawl = run_crawl(sandbox, "keyword", tmp_path / "data", "keywords=风筝", settings={"OPEN1688_SELLER_PROBES": 5})
    assert crawl.returncode == exitcodes.OK, crawl.stderr
    assert len(crawl.rows("sellers")) == crawl.stat("harvester/sellers/probes") == 5
    products = crawl.rows("products")
    named = [p for p in products if p["seller_open_id"] is not None]
    assert {p["seller_open_id"] for p in named} == {row["seller_open_id"] for row in crawl.rows("sellers")}
    assert len(products) - len(named) == crawl.stat("harvester/sellers/offers_not_probed") > 0
    assert all(p["supplier_login_id"] for p in products)  # the join key is there either way


def test_an_app_that_may_not_probe_keeps_every_offer(sandbox, tmp_path):
    sandbox.admin.config(acl_deny=["product_detail"])
    crawl = run_crawl(sandbox, "keyword", tmp_path / "data", "keywords=算盘", settings=LOOKUPS)
    assert crawl.returncode == exitcodes.OK, crawl.stderr
    assert len(crawl.rows("products")) == 60 and crawl.rows("sellers") == []
    assert all(p["supplier_login_id"] and p["seller_open_id"] is None for p in crawl.rows("products"))
    assert crawl.stat("harvester/sellers/probes_refused") is True
    assert "may not call com.alibaba.fenxiao.crossborder:product.search.queryProductDetail-1" in crawl.stderr


def test_an_unknown_seller_finds_nothing_and_says_so(sandbox, tmp_path):
    crawl = run_crawl(sandbox, "seller", tmp_path / "data", "seller_open_id=BBBnotaseller")
    assert crawl.returncode == exitcodes.OK, crawl.stderr
    assert crawl.stat("harvester/search/reported") == 0
    assert "The gateway knows no offer of BBBnotaseller: check the seller open id" in crawl.stderr


def test_a_bad_seller_id_is_refused_before_any_call(sandbox, tmp_path):
    crawl = run_crawl(sandbox, "seller", tmp_path / "data", "seller_open_id=BBB a")
    assert crawl.returncode == exitcodes.USAGE
    assert crawl.errors() == [
        "harvester: -a seller_open_id: 'BBB a' is not a seller open id (one word of letters, digits, - and _)"
    ]
    assert sandbox.admin.stats()["calls_total"] == 0
