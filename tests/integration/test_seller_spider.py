"""The seller spider over loopback, and the sellers table every spider fills from the details it fetches."""

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


def _seller_row(seller) -> dict:
    """A sellers row as the sandbox's truth record says it must read."""
    scores = seller.scores
    return {
        "seller_open_id": seller.open_id,
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


SCORES = (
    "trade_medal_level",
    "composite_service_score",
    "logistics_experience_score",
    "dispute_complaint_score",
    "offer_experience_score",
    "consulting_experience_score",
    "after_sales_experience_score",
    "repeat_purchase_rate",
)


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
    # No API the crawl calls names the login id (only alibaba.cross.productList did): null, as documented.
    assert {(p["seller_open_id"], p["supplier_login_id"], p["company_name"], p["query"]) for p in products} == {
        (seller.open_id, None, seller.company_name, f"seller:{seller.open_id}")
    }
    (row,) = crawl.rows("sellers")
    truth = _seller_row(seller)
    assert {key: row[key] for key in truth} == _as_read(row, truth)
    calls = sandbox.admin.stats()["calls_by_api"]
    assert calls == {
        "product.search.querySellerOfferList": math.ceil(len(expected) / 50),
        "product.search.queryProductDetail": len(expected),
    }


def test_a_keyword_crawl_learns_each_seller_once_from_the_details_it_buys(sandbox, catalogue, tmp_path):
    """Each offer's detail carries its seller's scores: the sellers table costs no call of its own."""
    offers = list(catalogue.search(keyword="风筝"))
    sellers = {catalogue.seller_of(offer_id).open_id: catalogue.seller_of(offer_id) for offer_id in offers}
    crawl = run_crawl(sandbox, "keyword", tmp_path / "data", "keywords=风筝")
    assert crawl.returncode == exitcodes.OK, crawl.stderr
    rows = crawl.rows("sellers")
    assert sorted(row["seller_open_id"] for row in rows) == sorted(sellers), "each seller once"
    for row in rows:
        truth = _seller_row(sellers[row["seller_open_id"]])
        assert {key: row[key] for key in truth} == _as_read(row, truth)
    products = crawl.rows("products")
    assert len(products) == len(offers)
    assert all(p["seller_open_id"] == catalogue.seller_of(p["offer_id"]).open_id for p in products)
    assert sandbox.admin.stats()["calls_by_api"]["product.search.queryProductDetail"] == len(offers)


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
