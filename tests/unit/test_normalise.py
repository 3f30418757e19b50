"""The normaliser on the noisy fixtures: every shape to one schema, nothing lost without a count."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from harvester.items import Product, RawOffer, Reject
from harvester.normalise import absolute_url, parse_int, parse_money
from tests.builders import fixture_offers, load, normalised

NOW = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)


def _one(raw: RawOffer, crawl_id: str = "c1"):
    (item,), notes = normalised([raw], crawl_id)
    return item, notes


def _detail() -> tuple[Product, dict]:
    search_item = load("search_items.json")["data"][0]
    item, notes = _one(RawOffer("product_detail", load("product_detail.json"), "保温杯", search_item, NOW))
    assert isinstance(item, Product)
    return item, notes


def test_detail_offer_fields():
    p, _ = _detail()
    assert p.offer_id == 624108453870
    assert p.title == "304不锈钢保温杯 大容量"
    assert p.title_translated == "304 stainless steel thermos cup, large capacity"
    assert (p.category_id, p.category_name) == (1031910, None)
    assert p.seller_open_id == "BBBg5dJd1kKjCBX2-xyZqr3Mw"
    assert p.company_name == "义乌市某某日用品有限公司"
    assert (p.unit, p.unit_translated, p.quote_type) == ("个", "piece", 1)
    assert (p.min_order_quantity, p.stock) == (2, 3500)
    assert p.description.startswith("<div><p>保温杯")
    assert [(a.name, a.value, a.name_translated) for a in p.attributes] == [
        ("品牌", "其他", "Brand"),
        ("材质", "304不锈钢", "Material"),
    ]
    assert (p.source_api, p.query, p.crawl_id, p.crawled_at) == ("product_detail", "保温杯", "c1", NOW)


def test_detail_prices_are_exact_sorted_and_span_skus_and_tiers():
    p, _ = _detail()
    assert [(r.start_quantity, r.price, r.promotion_price) for r in p.price_ranges] == [
        (2, Decimal("23.5"), Decimal("22.0")),
        (20, Decimal("21.80"), None),
        (100, Decimal("20.50"), None),
    ]
    # The lowest tier (20.50) is below every SKU price; the highest is a SKU's and a tier's 23.50.
    assert (p.price_min, p.price_max) == (Decimal("20.50"), Decimal("23.5"))
    assert all(type(r.price) is Decimal for r in p.price_ranges)


def test_detail_skus_merged_folded_and_keyed():
    p, notes = _detail()
    by_id = {s.sku_id: s for s in p.skus}
    assert sorted(by_id) == [4871234500001, 4871234500002, 4871234500003]
    assert p.sku_count == 3
    red = by_id[4871234500001]
    # Listed twice: the duplicate fills the promotion price the first answer lacked.
    assert (red.price, red.consign_price, red.promotion_price) == (Decimal("23.50"), Decimal("25.0"), Decimal("22.00"))
    # Full-width ５００ｍｌ folds to 500ml; attributes sorted by name whatever the API's order.
    assert red.spec_key == "容量=500ml;颜色=红色"
    assert [(a.name, a.value, a.name_translated, a.value_translated) for a in red.attributes] == [
        ("容量", "500ml", "Capacity", "500ml"),
        ("颜色", "红色", "Color", "red"),
    ]
    assert red.attributes[1].image_url == "https://cbu01.alicdn.com/img/ibank/O1CN01red.jpg"
    blue = by_id[4871234500002]
    assert blue.spec_key == "容量=1000ml;颜色=蓝色"
    assert blue.attributes[1].image_url == "https://cbu01.alicdn.com/img/ibank/O1CN01blue.jpg"
    assert blue.price == Decimal("21.1234")
    assert blue.stock is None  # -1 from the API
    black = by_id[4871234500003]
    assert black.price is None and black.consign_price is None  # 面议, and 18.123456 needs 6 decimals
    assert black.stock == 7
    assert notes == {
        "repaired/duplicate_sku": 1,
        "repaired/negative_stock": 1,
        "dropped/price_unparseable": 1,
        "dropped/price_scale": 1,
        "dropped/image_url": 1,
        "dropped/attribute_name": 1,
    }
    assert all(s.crawl_id == "c1" and s.crawled_at == NOW and s.offer_id == p.offer_id for s in p.skus)


def test_detail_images_absolute_and_unique():
    p, _ = _detail()
    assert p.image_urls == [
        "https://cbu01.alicdn.com/img/ibank/O1CN01a1.jpg",
        "https://cbu01.alicdn.com/img/ibank/O1CN01a2.jpg",
    ]


def test_search_item_fields_merged_into_detail():
    p, _ = _detail()
    assert p.month_sold == 1523
    assert p.repurchase_rate == pytest.approx(0.10)


def test_seller_scores():
    p, _ = _detail()
    s = p.seller
    assert s is not None
    assert (s.seller_open_id, s.company_name, s.trade_medal_level) == (p.seller_open_id, p.company_name, 4)
    assert (s.composite_service_score, s.logistics_experience_score, s.dispute_complaint_score) == (4.5, 4.0, 5.0)
    assert (s.offer_experience_score, s.consulting_experience_score, s.after_sales_experience_score) == (4.5, 3.5, None)
    assert s.repeat_purchase_rate == pytest.approx(0.4137)
    assert (s.crawl_id, s.crawled_at) == ("c1", NOW)


def _batch(index: int) -> tuple[Product | Reject, dict]:
    return _one(RawOffer("batch_detail", load("batch_detail.json")["productList"][index], None, None, NOW))


def test_product_list_shape_maps_to_the_same_schema():
    p, notes = _batch(0)
    assert isinstance(p, Product)
    assert (p.offer_id, p.title, p.category_id, p.supplier_login_id) == (
        702345678901,
        "数据线 Type-C 快充",
        1038378,
        "shenzhen-cable",
    )
    assert p.seller_open_id is None and p.seller is None
    assert p.image_urls == [
        "https://cbu01.alicdn.com/img/ibank/2023/111/222/333_444.jpg",
        "https://cbu01.alicdn.com/img/ibank/2023/555.jpg",
        "https://cbu01.alicdn.com/img/ibank/abs.jpg",
    ]
    assert [(r.start_quantity, r.price) for r in p.price_ranges] == [(1, Decimal("3.20")), (10, Decimal("3.0"))]
    assert [(s.sku_id, s.spec_key, s.price, s.stock) for s in p.skus] == [
        (5001001, "长度=1M;颜色=白色", Decimal("3.2"), 500),
        # A JSON float price goes through its shortest repr, the text the API sent.
        (5001002, "长度=2M;颜色=白色", Decimal("4.15"), 300),
    ]
    assert p.skus[0].attributes[1].image_url == "https://cbu01.alicdn.com/img/ibank/white.jpg"
    assert (p.price_min, p.price_max) == (Decimal("3.0"), Decimal("4.15"))
    # Missing offer-level figures: the lowest tier's quantity, the SKUs' total stock.
    assert (p.min_order_quantity, p.stock, p.unit, p.quote_type) == (1, 800, "条", 1)
    assert p.sku_count == 2
    assert not notes


def test_offer_without_skus_gets_one_implicit_sku_at_the_lowest_tier_price():
    p, _ = _batch(1)
    assert isinstance(p, Product)
    assert p.sku_count == 0
    (sku,) = p.skus
    assert (sku.sku_id, sku.spec_id, sku.spec_key, sku.attributes) == (None, None, "", [])
    assert (sku.price, sku.stock) == (Decimal("0.0700"), 99999)
    assert (p.price_min, p.price_max) == (Decimal("0.0700"), Decimal("0.0850"))


@pytest.mark.parametrize(
    ("index", "reason"),
    [(2, "no_price"), (3, "no_offer_id"), (4, "no_price")],
    ids=["面议 everywhere", "no id", "wrong types everywhere"],
)
def test_unusable_records_become_rejects_with_the_raw_json(index, reason):
    raw = load("batch_detail.json")["productList"][index]
    item, _ = _batch(index)
    assert isinstance(item, Reject)
    assert (item.reason, item.source_api, item.crawl_id, item.crawled_at) == (reason, "batch_detail", "c1", NOW)
    assert json.loads(item.raw) == raw


def test_wrong_types_are_counted_by_field():
    _, notes = _batch(4)
    assert notes == {
        "dropped/title_type": 1,
        "dropped/category_id": 1,
        "dropped/image_type": 1,
        "dropped/skus_type": 1,
        "dropped/sale_info_type": 1,
    }


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (RawOffer("batch_detail", ["not", "an", "object"]), "not_an_object"),
        (RawOffer("batch_detail", None), "not_an_object"),
        (RawOffer("some_new_api", {"offerId": 1}), "unknown_source_api"),
        (RawOffer("product_detail", {"offerId": -5, "productSaleInfo": {}}), "no_offer_id"),
        (RawOffer("product_detail", {"offerId": "12345678901234567890123"}), "no_offer_id"),
    ],
)
def test_other_rejects(raw, reason):
    item, _ = _one(raw)
    assert isinstance(item, Reject) and item.reason == reason


def _search(index: int) -> tuple[Product | Reject, dict]:
    data = load("search_items.json")["data"][index]
    return _one(RawOffer("keyword_search", data, "保温杯", data, NOW))


def test_search_item_when_detail_is_missing():
    p, notes = _search(2)
    assert isinstance(p, Product)
    assert (p.offer_id, p.title, p.category_id, p.min_order_quantity) == (800000000003, "只有搜索结果的商品", 150001, 10)
    assert p.image_urls == ["https://cbu01.alicdn.com/img/ibank/only.jpg"]
    assert (p.price_min, p.price_max, p.price_ranges, p.sku_count) == (Decimal("12.3456"), Decimal("12.3456"), [], 0)
    (sku,) = p.skus
    assert (sku.spec_key, sku.price, sku.consign_price) == ("", Decimal("12.3456"), None)
    assert (p.month_sold, p.repurchase_rate) == (None, None)
    assert notes == {
        "repaired/negative_month_sold": 1,
        "dropped/repurchase_rate": 1,
        "dropped/price_scale": 1,
    }


def test_search_item_category_and_rates():
    p, _ = _search(1)
    assert (p.category_id, p.company_name, p.month_sold) == (7, "深圳某数据线厂", 88)
    assert p.repurchase_rate == pytest.approx(0.055)
    assert p.skus[0].promotion_price == Decimal("2.8")
    reject, _ = _search(3)
    assert isinstance(reject, Reject) and reject.reason == "no_price"


def test_every_fixture_offer_is_accounted_for():
    offers = fixture_offers(NOW)
    items, _ = normalised(offers)
    assert len(items) == len(offers)
    assert sum(isinstance(i, Product) for i in items) == 4
    assert sum(isinstance(i, Reject) for i in items) == 4


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("47.0", Decimal("47.0")),
        (" 47.5 ", Decimal("47.5")),
        ("0.0001", Decimal("0.0001")),
        ("47.00000", Decimal("47.0000")),  # more digits, but exact at 4 decimals
        ("４７.５", Decimal("47.5")),  # full-width digits
        ("99999999999999.9999", Decimal("99999999999999.9999")),
        (47, Decimal(47)),
        (0.1, Decimal("0.1")),
        (Decimal("3.30"), Decimal("3.30")),
        ("0.00001", "price_scale"),
        ("1.23456", "price_scale"),
        ("0", "price_not_positive"),
        ("0.00", "price_not_positive"),
        ("-1", "price_unparseable"),
        ("1e3", "price_unparseable"),
        ("NaN", "price_unparseable"),
        ("面议", "price_unparseable"),
        ("", "price_unparseable"),
        ("100000000000000", "price_out_of_range"),
        (True, "price_type"),
        ([1], "price_type"),
    ],
)
def test_parse_money(value, expected):
    result = parse_money(value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, 12),
        ("12", 12),
        (" 12 ", 12),
        ("12.0", 12),
        ("12.", 12),
        ("-3", -3),
        ("１２", 12),
        (3.0, 3),
        (3.5, None),
        ("3.5", None),
        ("1e3", None),
        ("", None),
        ("abc", None),
        (True, None),
        (None, None),
        (2**63, None),
        ("9" * 5000, None),
    ],
)
def test_parse_int(value, expected):
    assert parse_int(value) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("img/ibank/a.jpg", "https://cbu01.alicdn.com/img/ibank/a.jpg"),
        ("/img/ibank/a.jpg", "https://cbu01.alicdn.com/img/ibank/a.jpg"),
        ("//cbu01.alicdn.com/a.jpg", "https://cbu01.alicdn.com/a.jpg"),
        (" https://x/a.jpg ", "https://x/a.jpg"),
        ("http://x/a.jpg", "http://x/a.jpg"),
        ("  ", None),
        (None, None),
        (5, None),
    ],
)
def test_absolute_url(path, expected):
    assert absolute_url(path) == expected


@pytest.mark.parametrize(
    ("rate", "expected", "note"),
    [
        ("10%", 0.10, None),
        (" 5.5 % ", 0.055, None),
        ("0.25", 0.25, None),
        (12, 0.12, "repaired/repurchase_rate_percent"),
        ("150%", None, "dropped/repurchase_rate"),
        ("abc", None, "dropped/repurchase_rate"),
    ],
)
def test_repurchase_rate(rate, expected, note):
    data = {"offerId": 1, "priceInfo": {"price": "1"}, "repurchaseRate": rate}
    p, notes = _one(RawOffer("keyword_search", data))
    assert p.repurchase_rate == (pytest.approx(expected) if expected is not None else None)
    assert dict(notes) == ({note: 1} if note else {})


def test_both_detail_shapes_give_the_status():
    assert _detail()[0].status == "published"
    data = dict(load("batch_detail.json")["productList"][0], status=" expired ")
    assert _one(RawOffer("batch_detail", data, None, None, NOW))[0].status == "expired"


def test_a_seller_hint_fills_what_a_batch_answer_lacks():
    hint = {"sellerOpenId": " BBBx ", "companyName": "某公司", "supplierLoginId": "other-login"}
    data = load("batch_detail.json")["productList"][0]
    p, notes = _one(RawOffer("batch_detail", data, None, None, NOW, seller_hint=hint))
    # The answer's own login id wins; the hint fills only what the answer left out.
    assert (p.seller_open_id, p.company_name, p.supplier_login_id) == ("BBBx", "某公司", "shenzhen-cable")
    assert p.seller is None and not notes


def test_a_probed_detail_gets_its_login_id_on_the_product_and_the_seller():
    detail = load("product_detail.json")
    p, _ = _one(RawOffer("product_detail", detail, None, None, NOW, seller_hint={"supplierLoginId": "yiwu-cup"}))
    assert p.supplier_login_id == p.seller.supplier_login_id == "yiwu-cup"
    assert p.seller_open_id == "BBBg5dJd1kKjCBX2-xyZqr3Mw"


def test_rank_and_the_queries_that_found_the_offer_ride_along():
    raw = RawOffer("product_detail", load("product_detail.json"), "image:a.jpg", None, NOW, rank=3,
                   found_by=["image:a.jpg", "image:b.jpg"])
    p, _ = _one(raw)
    assert (p.query, p.search_rank, p.found_by) == ("image:a.jpg", 3, ["image:a.jpg", "image:b.jpg"])
