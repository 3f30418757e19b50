"""The normaliser on the noisy fixtures: details to products, search items to listings, nothing lost without a count."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from harvester.items import Listing, Product, RawListing, RawOffer, Reject
from harvester.normalise import normalise_listing
from tests.builders import fixture_offers, load, normalised

NOW = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)


def _one(raw: RawOffer | RawListing, crawl_id: str = "c1"):
    (item,), notes = normalised([raw], crawl_id)
    return item, notes


def _item(index: int) -> dict:
    return load("search_items.json")["data"][index]


def _detail() -> tuple[Product, dict]:
    item, notes = _one(RawOffer("product_detail", load("product_detail.json"), "保温杯", _item(0), NOW))
    assert isinstance(item, Product)
    return item, notes


# --- the detail tier ----------------------------------------------------------------------------


def test_detail_offer_fields():
    p, _ = _detail()
    assert p.offer_id == 624108453870
    assert p.title == "304不锈钢保温杯 大容量"
    assert p.title_translated == "304 stainless steel thermos cup, large capacity"
    assert (p.category_id, p.category_name) == (1031910, None)
    assert (p.top_category_id, p.second_category_id, p.third_category_id) == (7, 1031912, 1031910)
    assert p.seller_open_id == "BBBg5dJd1kKjCBX2-xyZqr3Mw"
    assert p.company_name == "义乌市某某日用品有限公司"
    assert (p.unit, p.unit_translated, p.quote_type) == ("个", "piece", 1)
    assert (p.min_order_quantity, p.stock, p.batch_number, p.sold_count) == (2, 3500, 1, 12342)
    assert p.description.startswith("<div><p>保温杯")
    assert p.description_translated == "<div><p>Thermos cup</p></div>"
    assert p.selling_points == ["Keeps hot 12 hours", "304 stainless steel"]
    assert [(a.name, a.value, a.name_translated) for a in p.attributes] == [
        ("品牌", "其他", "Brand"),
        ("材质", "304不锈钢", "Material"),
    ]
    assert p.attribute_ids == [2176, 100000691]  # beside attributes, one each (the orphan was dropped with its id)
    assert (p.status, p.trade_score, p.cargo_number) == ("published", 4.8, "BW-SERIES")
    assert (p.is_curated, p.is_select, p.has_promotion, p.promotion_type) == (False, True, True, "plus")
    assert p.tags == ["isOnePsale", "noReason7DReturn"]  # select is switched off ("false")
    assert p.offer_identities == ["yx"]
    assert p.created_at == datetime(2024, 4, 20, 0, 0, tzinfo=UTC)  # 08:00 China time
    assert (p.source_api, p.query, p.crawl_id, p.detail_crawl_id, p.crawled_at) == (
        "product_detail",
        "保温杯",
        "c1",
        "c1",
        NOW,
    )
    assert p.supplier_login_id is None  # no detail answer carries it


def test_detail_media_invoice_and_certificates():
    p, _ = _detail()
    assert p.image_urls == [
        "https://cbu01.alicdn.com/img/ibank/O1CN01a1.jpg",
        "https://cbu01.alicdn.com/img/ibank/O1CN01a2.jpg",
    ]
    assert p.white_image_url == "https://cbu01.alicdn.com/img/ibank/O1CN01white.jpg"
    assert (p.image_urls_translated, p.white_image_url_translated) == (
        ["https://cbu01.alicdn.com/img/ibank/O1CN01a1_en.jpg"],
        None,
    )
    assert (p.main_video_url, p.detail_video_url) == (
        "https://cloud.video.taobao.com/play/u/1/p/1/e/6/t/1/380001.mp4",
        None,
    )
    assert (p.supports_online_invoice, p.supports_fast_invoice, p.invoice_types, p.taxpayer_type) == (
        True,
        False,
        ["普票"],
        None,
    )
    (certificate,) = p.certificates
    assert (certificate.name, certificate.code, certificate.photo_urls) == (
        "检测报告",
        "CTI-2024-0001",
        ["https://cbu01.alicdn.com/img/ibank/O1CN01cert.jpg"],
    )


def test_detail_sale_terms_and_package():
    p, _ = _detail()
    assert p.retail_price == Decimal("35.00")
    assert (p.one_piece_price, p.one_piece_free_postage, p.distribution_price, p.distribution_min_order_quantity) == (
        Decimal("25.10"),
        True,
        Decimal("21.00"),
        1,
    )
    assert (p.ship_from, p.shipping_time_guarantee, p.package_size_source) == (
        "浙江省 金华市",
        "shipIn48Hours",
        "商家自填",
    )
    assert (p.weight_kg, p.length_cm, p.width_cm, p.height_cm) == (0.45, 8.0, 8.0, 25.0)
    assert (p.official_length_cm, p.official_weight_kg) == (None, None)


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
    # Listed twice: the duplicate fills the promotion price the first answer lacked; the first's retail price wins.
    assert (red.price, red.consign_price, red.promotion_price, red.retail_price) == (
        Decimal("23.50"),
        Decimal("25.0"),
        Decimal("22.00"),
        Decimal("39.90"),
    )
    assert (red.one_piece_price, red.distribution_price) == (Decimal("28.50"), Decimal("24.00"))
    # Full-width ５００ｍｌ folds to 500ml; attributes sorted by name whatever the API's order.
    assert red.spec_key == "容量=500ml;颜色=红色"
    assert [(a.name, a.value, a.name_translated, a.value_translated) for a in red.attributes] == [
        ("容量", "500ml", "Capacity", "500ml"),
        ("颜色", "红色", "Color", "red"),
    ]
    assert red.attributes[1].image_url == "https://cbu01.alicdn.com/img/ibank/O1CN01red.jpg"
    # The lists beside attributes follow their sorted order.
    assert red.attribute_ids == [450, 3216]
    assert red.attribute_image_urls_translated == [None, "https://cbu01.alicdn.com/img/ibank/O1CN01red_en.jpg"]
    blue = by_id[4871234500002]
    assert blue.spec_key == "容量=1000ml;颜色=蓝色"
    assert blue.attributes[1].image_url == "https://cbu01.alicdn.com/img/ibank/O1CN01blue.jpg"
    assert blue.price == Decimal("21.1234")
    assert blue.stock is None  # -1 from the API
    assert (blue.one_piece_price, blue.distribution_price, blue.channel_price) == (
        Decimal("25.10"),
        None,
        Decimal("20.80"),
    )
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
        "dropped/distribution_price_type": 1,
        "dropped/sku_shipping_unmatched": 1,
    }
    assert all(s.crawl_id == "c1" and s.crawled_at == NOW and s.offer_id == p.offer_id for s in p.skus)


def test_sku_packages_kilograms_first_then_grams():
    p, _ = _detail()
    by_id = {s.sku_id: s for s in p.skus}
    red = by_id[4871234500001]  # in skuShippingDetails (kg): its figures win over skuShippingInfoList's
    assert (red.weight_kg, red.length_cm, red.width_cm, red.height_cm) == (0.385, 8.1, 8.1, 22.5)
    assert (red.package_size_source, red.official_weight_kg, red.official_height_cm) == ("官方测量", 0.385, 22.5)
    assert (red.ai_weight_kg, red.ai_weight_accuracy_rate) == (0.39, pytest.approx(0.8))
    blue = by_id[4871234500002]  # only in skuShippingInfoList: 520 grams
    assert (blue.weight_kg, blue.length_cm, blue.height_cm, blue.package_size_source) == (0.52, 9.0, 28.0, None)
    black = by_id[4871234500003]  # named by specId only
    assert (black.weight_kg, black.height_cm) == (0.4, 22.0)


def test_what_details_lack_comes_from_the_listing():
    p, _ = _detail()
    assert (p.month_sold, p.sales_7d) == (1523, 311)
    assert p.repurchase_rate == pytest.approx(0.10)
    assert p.modified_at == datetime(2024, 5, 1, 2, 0, tzinfo=UTC)


def test_a_detail_fetched_by_id_has_no_listing_figures():
    p, notes = _one(RawOffer("product_detail", load("product_detail.json"), None, None, NOW))
    assert (p.month_sold, p.sales_7d, p.repurchase_rate, p.modified_at, p.query) == (None, None, None, None, None)
    _, with_listing = _detail()
    assert notes == with_listing


def test_seller_scores_and_mixed_batch_terms():
    p, _ = _detail()
    s = p.seller
    assert s is not None
    assert (s.seller_open_id, s.company_name, s.trade_medal_level) == (p.seller_open_id, p.company_name, 4)
    assert (s.composite_service_score, s.logistics_experience_score, s.dispute_complaint_score) == (4.5, 4.0, 5.0)
    assert (s.offer_experience_score, s.consulting_experience_score, s.after_sales_experience_score) == (4.5, 3.5, None)
    # The detail's rates are fractions ("0.4137"), unlike search's percent.
    assert (s.repeat_purchase_rate, s.pickup_within_48h_rate_30d, s.quality_refund_rate_30d) == (0.4137, 0.9512, 0.0021)
    assert (s.mix_batch_general, s.mix_batch_amount, s.mix_batch_quantity) == (True, 100, 2)
    assert (s.crawl_id, s.crawled_at) == ("c1", NOW)


def _details(index: int) -> tuple[Product | Reject, dict]:
    return _one(RawOffer("product_detail", load("product_details.json")[index], None, None, NOW))


def test_a_sparse_detail_with_numbers_as_strings():
    p, notes = _details(0)
    assert isinstance(p, Product)
    assert (p.offer_id, p.title, p.category_id, p.status) == (702345678901, "数据线 Type-C 快充", 1038378, "expired")
    assert p.seller_open_id is None and p.seller is None
    assert p.image_urls == [
        "https://cbu01.alicdn.com/img/ibank/2023/111/222/333_444.jpg",
        "https://cbu01.alicdn.com/img/ibank/2023/555.jpg",
    ]
    assert [(r.start_quantity, r.price) for r in p.price_ranges] == [(1, Decimal("3.20")), (10, Decimal("3.0"))]
    assert [(s.sku_id, s.spec_key, s.price, s.stock, s.attribute_ids) for s in p.skus] == [
        (5001001, "长度=1M;颜色=白色", Decimal("3.2"), 500, [5, 1627207]),
        # A JSON float price goes through its shortest repr, the text the API sent.
        (5001002, "长度=2M;颜色=白色", Decimal("4.15"), 300, [5, 1627207]),
    ]
    assert p.skus[0].attributes[1].image_url == "https://cbu01.alicdn.com/img/ibank/white.jpg"
    assert (p.price_min, p.price_max) == (Decimal("3.0"), Decimal("4.15"))
    # Missing offer-level figures: the lowest tier's quantity, the SKUs' total stock.
    assert (p.min_order_quantity, p.stock, p.unit, p.quote_type) == (1, 800, "条", 1)
    assert p.sku_count == 2
    assert notes == {"dropped/image_url": 1}  # the page's placeholder 图片


def test_offer_without_skus_gets_one_implicit_sku_at_the_lowest_tier_price():
    p, _ = _details(1)
    assert isinstance(p, Product)
    assert p.sku_count == 0
    (sku,) = p.skus
    assert (sku.sku_id, sku.spec_id, sku.spec_key, sku.attributes, sku.attribute_ids) == (None, None, "", [], [])
    assert (sku.price, sku.stock) == (Decimal("0.0700"), 99999)
    assert (p.price_min, p.price_max) == (Decimal("0.0700"), Decimal("0.0850"))


@pytest.mark.parametrize(
    ("index", "reason"),
    [(2, "no_price"), (3, "no_offer_id"), (4, "no_price")],
    ids=["面议 everywhere", "no id", "wrong types everywhere"],
)
def test_unusable_details_become_rejects_with_the_raw_json(index, reason):
    raw = load("product_details.json")[index]
    item, _ = _details(index)
    assert isinstance(item, Reject)
    assert (item.reason, item.source_api, item.crawl_id, item.crawled_at) == (reason, "product_detail", "c1", NOW)
    assert json.loads(item.raw) == raw


def test_wrong_types_are_counted_by_field():
    _, notes = _details(4)
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
        (RawOffer("product_detail", ["not", "an", "object"]), "not_an_object"),
        (RawOffer("product_detail", None), "not_an_object"),  # type: ignore[arg-type]
        # productList is no detail, and a search item is a listing, never a product.
        (
            RawOffer("batch_detail", {"productID": 1, "saleInfo": {"priceRanges": [{"price": "1"}]}}),
            "unknown_source_api",
        ),
        (RawOffer("keyword_search", {"offerId": 1, "priceInfo": {"price": "1"}}), "unknown_source_api"),
        (RawOffer("product_detail", {"offerId": -5, "productSaleInfo": {}}), "no_offer_id"),
        (RawOffer("product_detail", {"offerId": "12345678901234567890123"}), "no_offer_id"),
        (RawListing("product_detail", {"offerId": 1}), "unknown_source_api"),
        (RawListing("keyword_search", "not an object"), "not_an_object"),  # type: ignore[arg-type]
        (RawListing("image_search", {"offerId": "abc"}), "no_offer_id"),
    ],
)
def test_other_rejects(raw, reason):
    item, _ = _one(raw)
    assert isinstance(item, Reject) and (item.reason, item.source_api) == (reason, raw.source_api)


def test_rank_and_the_queries_that_found_the_offer_ride_along():
    raw = RawOffer(
        "product_detail",
        load("product_detail.json"),
        "image:a.jpg",
        None,
        NOW,
        rank=3,
        found_by=["image:a.jpg", "image:b.jpg"],
    )
    p, _ = _one(raw)
    assert (p.query, p.search_rank, p.found_by) == ("image:a.jpg", 3, ["image:a.jpg", "image:b.jpg"])


# --- the listing tier -----------------------------------------------------------------------


def _listing(index: int, source_api: str = "keyword_search") -> tuple[Listing | Reject, dict]:
    return _one(RawListing(source_api, _item(index), "保温杯", NOW))


def test_listing_of_a_full_search_item():
    item, notes = _listing(0)
    assert isinstance(item, Listing)
    assert (item.offer_id, item.title, item.title_translated) == (
        624108453870,
        "304不锈钢保温杯",
        "304 stainless steel thermos",
    )
    assert (item.image_url, item.image_url_translated, item.white_image_url) == (
        "https://cbu01.alicdn.com/img/ibank/O1CN01a1.jpg",
        "https://cbu01.alicdn.com/img/ibank/O1CN01a1_en.jpg",
        "https://cbu01.alicdn.com/img/ibank/O1CN01white.jpg",
    )
    assert (item.price, item.consign_price, item.promotion_price, item.curated_price, item.curated_consign_price) == (
        Decimal("20.50"),
        Decimal("23.00"),
        None,
        None,
        None,
    )
    assert (item.month_sold, item.sales_7d, item.repurchase_rate, item.trade_score) == (
        1523,
        311,
        pytest.approx(0.10),
        4.8,
    )
    assert (item.add_cart_count_7d, item.pay_buyer_count_7d, item.add_cart_count_30d, item.pay_buyer_count_30d) == (
        88,
        41,
        402,
        190,
    )
    assert (item.min_order_quantity, item.is_dropship, item.is_curated, item.is_select, item.is_patent_product) == (
        2,
        True,
        False,
        False,
        False,
    )
    assert (item.seller_identities, item.offer_identities) == (["tp_member", "powerful_merchants"], [])
    assert (item.has_promotion, item.promotion_type) == (False, None)
    assert (item.top_category_id, item.second_category_id, item.third_category_id) == (7, 1031912, 1031910)
    assert (item.created_at, item.modified_at) == (
        datetime(2024, 4, 20, 0, 0, tzinfo=UTC),
        datetime(2024, 5, 1, 2, 0, tzinfo=UTC),
    )
    assert (item.source_api, item.query, item.crawl_id, item.crawled_at) == ("keyword_search", "保温杯", "c1", NOW)
    assert notes == {"dropped/seller_score": 1}  # afterSalesExperienceScore ""


def test_listing_seller_figures_are_columns_and_search_percent_is_a_percent():
    item, _ = _listing(0)
    assert (item.seller_trade_medal_level, item.seller_composite_service_score, item.seller_tp_years) == (4, 4.5, 6)
    assert (item.seller_logistics_experience_score, item.seller_dispute_complaint_score) == (4.0, 5.0)
    assert (item.seller_offer_experience_score, item.seller_consulting_experience_score) == (4.5, 3.5)
    assert item.seller_after_sales_experience_score is None
    assert item.seller_repeat_purchase_rate == pytest.approx(0.41)  # "41" is 41 %


def test_listing_fulfilment_rates_empty_is_zero_absent_is_unknown():
    item, _ = _listing(0)
    assert item.shipping_time_guarantee == "shipIn48Hours"
    assert item.perfect_fulfillment_rate_30d == pytest.approx(0.9912)
    assert item.pickup_within_24h_rate_30d == 0.0  # ""
    assert item.quality_return_rate_30d == pytest.approx(0.0012)
    assert item.perfect_fulfillment_rate_7d == 1.0
    assert item.pickup_within_24h_rate_7d == 0.0  # null
    assert item.delayed_shipping_rate_7d is None  # not in the answer
    assert (item.supports_online_invoice, item.supports_fast_invoice, item.invoice_types, item.taxpayer_type) == (
        True,
        False,
        ["普票", "专票"],
        "一般纳税人",
    )


def test_listing_prices_of_a_curated_offer():
    item, notes = _listing(1)
    assert (item.offer_id, item.title, item.title_translated) == (702345678901, "数据线", None)
    assert (item.price, item.consign_price, item.promotion_price, item.curated_price, item.curated_consign_price) == (
        Decimal("3.0"),
        None,
        Decimal("2.8"),
        Decimal("2.9"),
        Decimal("3.1"),
    )
    assert (item.is_curated, item.has_promotion, item.promotion_type) == (True, True, "plus")
    assert (item.top_category_id, item.second_category_id, item.third_category_id) == (7, 0, None)
    assert item.repurchase_rate == pytest.approx(0.055)
    assert not notes


def test_a_listing_keeps_what_it_can_and_counts_the_rest():
    item, notes = _listing(2)
    assert isinstance(item, Listing)
    assert (item.offer_id, item.price, item.consign_price, item.month_sold, item.repurchase_rate) == (
        800000000003,
        Decimal("12.3456"),
        None,
        None,
        None,
    )
    assert (item.image_url, item.created_at, item.min_order_quantity, item.third_category_id) == (
        None,
        None,
        10,
        150001,
    )
    assert notes == {
        "dropped/image_url": 1,  # the page's placeholder 图片地址
        "dropped/price_scale": 1,
        "repaired/negative_month_sold": 1,
        "dropped/repurchase_rate": 1,
        "dropped/created_at": 1,  # month 13
        "dropped/shipping_info_type": 1,
    }


def test_a_listing_without_a_price_is_still_a_listing():
    item, notes = _listing(3)
    assert isinstance(item, Listing)
    assert (item.offer_id, item.price, item.repurchase_rate) == (800000000004, None, 0.0)
    assert notes == {"dropped/price_unparseable": 1}


@pytest.mark.parametrize("source_api", ["keyword_search", "image_search", "seller_offers"])
def test_an_eight_field_item_as_a_relay_showed_one(source_api):
    item, notes = _listing(4, source_api)
    assert (item.offer_id, item.title_translated, item.price, item.month_sold, item.min_order_quantity) == (
        800000000005,
        "Eight-field item",
        Decimal("7.80"),
        0,
        3,
    )
    assert (item.repurchase_rate, item.sales_7d, item.seller_tp_years, item.source_api) == (0.0, None, None, source_api)
    assert not notes


def test_listing_pipeline_free_function_defaults():
    item = normalise_listing(RawListing("seller_offers", {"offerId": "7", "isSelect": "true"}), lambda _: None)
    assert isinstance(item, Listing)
    assert (item.offer_id, item.is_select, item.crawl_id, item.source_api) == (7, True, None, "seller_offers")


# --- everything at once -------------------------------------------------------------------


def test_every_fixture_record_is_accounted_for():
    raws = fixture_offers(NOW)
    items, _ = normalised(raws)
    assert len(items) == len(raws)
    assert sum(isinstance(i, Listing) for i in items) == 5
    assert sum(isinstance(i, Product) for i in items) == 3
    assert sum(isinstance(i, Reject) for i in items) == 4


def test_a_sku_id_that_is_neither_number_nor_text_names_no_sku() -> None:
    from harvester.normalise.skus import _SkuIndex

    notes: list[str] = []
    index = _SkuIndex([])
    assert index.find({"skuId": [1, 2]}, notes.append, "sku_shipping") is None
    assert index.find({"skuId": {"id": 1}}, notes.append, "sku_shipping") is None
    assert notes == ["dropped/sku_shipping_unmatched"] * 2
