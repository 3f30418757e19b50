"""The official pages' own output samples, placeholders and all, through the client and the normaliser.

Each sample (``tests/fixtures/official/<doc>.json``: the page's response
table and its output example, with the page's address and source commit)
goes through ``outcomes.classify`` with its endpoint, then its items
through the listing or detail normaliser: every documented field lands in
its column, the pages' placeholders (``"price": "价格"``, ``"imageUrl":
"图片地址"``) are dropped and counted, nothing raises, and the rows write.

``docs/dataset.md`` is held to the pages too: every column of every table
is listed there, and every field the pages document for a search item or
a detail is either the source of a column or listed under "Fields not
kept" with the reason.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from harvester.items import Listing, Product, RawListing, RawOffer
from harvester.normalise import normalise_listing, normalise_offer
from harvester.open1688 import endpoints
from harvester.open1688.endpoints import Endpoint
from harvester.open1688.outcomes import classify
from harvester.schema import TABLES
from tests.builders import FIXTURES, write_crawl

DOCS = Path(__file__).parents[2] / "docs" / "dataset.md"
NOW = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
CRAWL = "20250501T080000Z-0ff1c1"
_DOC = "com.alibaba.fenxiao.crossborder.product.search.{}-1"
KEYWORD, IMAGE, SELLER, DETAIL = (
    _DOC.format(name) for name in ("keywordQuery", "imageQuery", "querySellerOfferList", "queryProductDetail")
)
ENDPOINTS: dict[str, Endpoint] = {
    KEYWORD: endpoints.KEYWORD_SEARCH,
    IMAGE: endpoints.IMAGE_SEARCH,
    SELLER: endpoints.SELLER_OFFERS,
    DETAIL: endpoints.PRODUCT_DETAIL,
}
SEARCH_DOCS = (KEYWORD, IMAGE, SELLER)
#: Where each page's item model starts in its response table.
ITEM_PATH = {
    KEYWORD: "result.result.data[].",
    IMAGE: "result.result.data[].",
    SELLER: "result.result.data[].",
    DETAIL: "result.result.",
}


def _page(doc: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "official" / f"{doc}.json").read_text(encoding="utf-8"))


def _data(doc: str) -> Any:
    """The sample answer as the gateway would send it, classified as the client classifies every answer."""
    body = json.dumps(_page(doc)["output_sample"], ensure_ascii=False).encode()
    outcome = classify(200, body, headers={"Content-Type": "application/json;charset=UTF-8"}, endpoint=ENDPOINTS[doc])
    assert outcome.ok, outcome.message
    return outcome.data


def _item(doc: str) -> dict[str, Any]:
    (item,) = _data(doc)["data"]
    return item


def _noted() -> tuple[Counter[str], Any]:
    notes: Counter[str] = Counter()
    return notes, lambda what: notes.update([what])


def _listing(doc: str) -> tuple[Listing, Counter[str]]:
    notes, note = _noted()
    listing = normalise_listing(RawListing(ENDPOINTS[doc].key, _item(doc), "饼干", NOW), note, crawl_id=CRAWL)
    assert isinstance(listing, Listing)
    return listing, notes


def _product() -> tuple[Product, Counter[str]]:
    """The detail sample, found by the keyword sample's item (which carries what details lack)."""
    notes, note = _noted()
    raw = RawOffer(ENDPOINTS[DETAIL].key, _data(DETAIL), "饼干", _item(KEYWORD), NOW)
    product = normalise_offer(raw, note, crawl_id=CRAWL)
    assert isinstance(product, Product)
    return product, notes


def _set(listing: Listing) -> dict[str, Any]:
    """The listing's columns that hold a value."""
    return {name: getattr(listing, name) for name in TABLES["listings"].names if getattr(listing, name) is not None}


# --- each page's sample through classify and the normaliser ----------------------------------------


@pytest.mark.parametrize("doc", sorted(ENDPOINTS))
def test_every_sample_is_an_answer_the_client_takes(doc):
    data = _data(doc)
    assert isinstance(data, dict)
    assert ("data" in data) == (doc in SEARCH_DOCS)


_SEARCH_COMMON = {
    "is_dropship": True,
    "is_curated": True,
    "is_select": True,
    "is_patent_product": True,
    "source_api": None,
    "query": "饼干",
    "crawl_id": CRAWL,
    "crawled_at": NOW,
}
_SEARCH_FULL = {
    "sales_7d": 1, "trade_score": 5.0, "min_order_quantity": 1,
    "add_cart_count_7d": 1, "pay_buyer_count_7d": 2, "add_cart_count_30d": 3, "pay_buyer_count_30d": 4,
    "seller_identities": ["super_factory-超级工厂 powerful_merchants-实力商家 tp_member-诚信通会员"],
    "has_promotion": True, "promotion_type": "plus",
    "top_category_id": 1, "second_category_id": 2, "third_category_id": 3,
    "created_at": datetime(2024, 4, 20, 0, 0, tzinfo=UTC), "modified_at": datetime(2024, 4, 20, 0, 0, tzinfo=UTC),
    "seller_trade_medal_level": 1, "seller_composite_service_score": 1.0, "seller_logistics_experience_score": 1.0,
    "seller_dispute_complaint_score": 1.0, "seller_offer_experience_score": 1.0,
    "seller_after_sales_experience_score": 1.0, "seller_consulting_experience_score": 1.0,
    "seller_repeat_purchase_rate": 0.11, "seller_tp_years": 1, "shipping_time_guarantee": "shipIn24Hours",
    "supports_online_invoice": True, "supports_fast_invoice": False,
}  # fmt: skip


def test_keyword_sample_as_a_listing():
    listing, notes = _listing(KEYWORD)
    assert _set(listing) == {
        **_SEARCH_COMMON, **_SEARCH_FULL, "source_api": "keyword_search",
        "offer_id": 2, "title": "中文标题", "title_translated": "外文标题",
        "price": Decimal(10), "consign_price": Decimal(10), "promotion_price": Decimal(10),
        "curated_price": Decimal(10), "curated_consign_price": Decimal(10),
        "month_sold": 1213, "repurchase_rate": 0.1, "offer_identities": ["yx-严选，select-跨境select"],
        "perfect_fulfillment_rate_30d": 1.0, "pickup_within_24h_rate_30d": 0.9912, "quality_return_rate_30d": 0.0012,
        "perfect_fulfillment_rate_7d": 0.0, "pickup_within_24h_rate_7d": 0.9512, "delayed_shipping_rate_7d": 0.1234,
        "invoice_types": ["普票", "专票"], "taxpayer_type": "一般纳税人",
    }  # fmt: skip
    # Placeholders: imageUrl 图片地址, aigcImageUrl https:// (no host), whiteImage 商品白底图.
    assert notes == {"dropped/image_url": 3}


def test_image_sample_as_a_listing_with_its_shop_and_offer_figures():
    listing, notes = _listing(IMAGE)
    assert _set(listing) == {
        **_SEARCH_COMMON, **_SEARCH_FULL, "source_api": "image_search",
        "offer_id": 123, "title": "标题", "title_translated": "多语言标题",
        "price": Decimal(1), "consign_price": Decimal(1), "promotion_price": Decimal(1),
        "curated_price": Decimal(1), "curated_consign_price": Decimal(1),
        "month_sold": 1234, "repurchase_rate": 0.13, "offer_identities": ["yx-严选"],
        "perfect_fulfillment_rate_30d": 0.9912, "pickup_within_24h_rate_30d": 1.0, "quality_return_rate_30d": 0.0123,
        "perfect_fulfillment_rate_7d": 0.9912, "pickup_within_24h_rate_7d": 0.9912, "delayed_shipping_rate_7d": 0.1234,
        # The page's example puts a JSON text in the list and both enum values in one string: kept as sent.
        "invoice_types": ['["普票","专票"]'], "taxpayer_type": "一般纳税人 |  小规模纳税人",
        "company_name": "浙江省一路发发商贸公司", "company_address": "浙江省杭州市",
        "applause_rate": 1.0, "featured_services": ["C"], "quality_refund_rate_30d": 0.0,
        "repurchase_rate_30d": 0.339, "pickup_rate_24h_30d": 0.98,
    }  # fmt: skip
    assert notes == {"dropped/image_url": 1}  # imageUrl 图片url


def test_seller_offers_sample_as_a_listing_of_its_reduced_model():
    listing, notes = _listing(SELLER)
    assert _set(listing) == {
        **_SEARCH_COMMON, "source_api": "seller_offers",
        "offer_id": 2, "title": "中文标题", "title_translated": "外文标题",
        "price": Decimal(10), "consign_price": Decimal(10),
        "curated_price": Decimal(10), "curated_consign_price": Decimal(10),
        "month_sold": 1213, "repurchase_rate": 0.1, "offer_identities": ["select-跨境select"],
        "created_at": datetime(2021, 4, 8, 0, 0, tzinfo=UTC), "modified_at": datetime(2021, 4, 8, 0, 0, tzinfo=UTC),
    }  # fmt: skip
    assert notes == {"dropped/image_url": 2}  # imageUrl 图片地址, aigcImageUrl https://


def test_detail_sample_as_a_product():
    p, notes = _product()
    assert (p.offer_id, p.category_id, p.category_name, p.title) == (
        34513534353434,
        32,
        "裙子",
        "猫砂盆超大号防外溅猫厕所加高巨无霸开放式宠物用品厂家直销批发",
    )
    assert p.title_translated.startswith("Cat litter box extra large")
    assert (p.top_category_id, p.second_category_id, p.third_category_id) == (1, 2, 3)
    assert (p.description, p.description_translated, p.selling_points) == ("1", "https://xxx", ["卖点:卖点描述"])
    assert (p.image_urls, p.image_urls_translated) == ([], [])  # 图片: a placeholder, no URL
    assert (
        p.white_image_url
        == p.white_image_url_translated
        == ("https://cbu01.alicdn.com/img/ibank/O1CN01pEsVS41Bs2uny9oka_!!0-0-cib.jpg")
    )
    assert (p.main_video_url, p.detail_video_url) == (None, None)  # "1"
    assert [(a.name, a.value, a.name_translated, a.value_translated) for a in p.attributes] == [("1", "1", "1", "1")]
    assert p.attribute_ids == [1]
    # The SKU's price is the placeholder 价格: the offer's price comes from its one tier.
    assert [(r.start_quantity, r.price, r.promotion_price) for r in p.price_ranges] == [(10, Decimal(10), Decimal(9))]
    assert (p.price_min, p.price_max, p.quote_type, p.stock, p.unit, p.unit_translated) == (
        Decimal(10),
        Decimal(10),
        1,
        99999,
        "盒",
        "Box",
    )
    assert (p.one_piece_price, p.one_piece_free_postage, p.distribution_price, p.distribution_min_order_quantity) == (
        Decimal(15),
        True,
        Decimal(12),
        2,
    )
    assert p.retail_price is None  # the sample leaves it out
    assert (p.ship_from, p.weight_kg, p.width_cm, p.height_cm, p.length_cm) == (None, 200.0, 1.0, 3.0, 2.0)
    assert p.shipping_time_guarantee == "shipIn24Hours-24小时发货 shipIn48Hours-48小时发货"
    assert (p.package_size_source, p.official_length_cm, p.official_width_cm, p.official_height_cm) == (
        "预测-同款放大，商家自填，官方测量",
        12.0,
        5.0,
        14.0,
    )
    assert p.official_weight_kg == 0.001
    assert (p.is_curated, p.is_select, p.min_order_quantity, p.batch_number, p.status) == (
        True,
        True,
        1,
        200,
        "published",
    )
    assert (p.tags, p.cargo_number, p.sold_count, p.trade_score) == (["isOnePsale"], "1", 12342, 5.0)
    assert (p.has_promotion, p.promotion_type, p.offer_identities) == (
        True,
        "plus-plus会员",
        ["超级工厂,实力商家，诚信通"],
    )
    assert p.created_at == datetime(2024, 5, 23, 16, 0, tzinfo=UTC)
    (certificate,) = p.certificates
    assert (certificate.name, certificate.code, certificate.photo_urls) == (
        "外观专利证书或授权书证书",
        "ZL 2018 3 0658542.7",
        [],
    )  # the photo is a fragment of JSON text
    assert (p.supports_online_invoice, p.supports_fast_invoice, p.invoice_types, p.taxpayer_type) == (
        True,
        False,
        ["普票", "专票"],
        "一般纳税人",
    )
    assert (p.seller_open_id, p.company_name) == ("23tsdvcdsjngp3oj4j3i5", "杭州宜路发发电子商务有限公司")
    # What details lack, from the keyword sample's item.
    assert (p.month_sold, p.sales_7d, p.repurchase_rate) == (1213, 1, 0.1)
    assert p.modified_at == datetime(2024, 4, 20, 0, 0, tzinfo=UTC)
    assert (p.source_api, p.query, p.crawl_id, p.detail_crawl_id, p.crawled_at) == (
        "product_detail",
        "饼干",
        CRAWL,
        CRAWL,
        NOW,
    )
    assert notes == {
        "dropped/price_unparseable": 1,  # productSkuInfos[].price 价格
        "dropped/image_url": 2,  # productImage.images and productImageTrans.images: 图片
        "dropped/sku_image_url": 2,  # skuImageUrl and skuImageUrlTrans: "1"
        "dropped/video_url": 2,  # mainVideo and detailVideo: "1"
        "dropped/certificate_photo_url": 1,
        "dropped/quality_refund_rate": 1,  # qualityRefundWithin30Day "2": no fraction
        # The sample's shipping and channel lists name SKUs the sample's SKU list does not have.
        "dropped/sku_shipping_unmatched": 2,
        "dropped/channel_price_unmatched": 1,
    }


def test_detail_sample_sku_and_seller():
    p, _ = _product()
    (sku,) = p.skus
    assert (sku.sku_id, sku.spec_id, sku.spec_key, sku.stock, sku.cargo_number) == (123, "specid", "1=1", 123, "1")
    assert [(a.name, a.value, a.image_url, a.name_translated, a.value_translated) for a in sku.attributes] == [
        ("1", "1", None, "1", "1")
    ]
    assert (sku.attribute_ids, sku.attribute_image_urls_translated) == ([1], [None])
    assert (sku.price, sku.promotion_price, sku.consign_price, sku.retail_price) == (
        None,
        Decimal(1),
        Decimal(1),
        None,
    )  # the deprecated consignPrice is still in the sample
    assert (sku.one_piece_price, sku.distribution_price, sku.channel_price) == (Decimal(15), Decimal(12), None)
    assert p.sku_count == 1
    s = p.seller
    assert (s.seller_open_id, s.company_name, s.trade_medal_level) == (
        "23tsdvcdsjngp3oj4j3i5",
        "杭州宜路发发电子商务有限公司",
        5,
    )
    assert (s.composite_service_score, s.logistics_experience_score, s.dispute_complaint_score) == (3.5, 4.5, 3.0)
    assert (s.offer_experience_score, s.consulting_experience_score, s.after_sales_experience_score) == (4.0, 5.0, 3.0)
    assert (s.repeat_purchase_rate, s.pickup_within_48h_rate_30d, s.quality_refund_rate_30d) == (0.4666, 1.0, None)
    assert (s.mix_batch_general, s.mix_batch_amount, s.mix_batch_quantity) == (True, 100, 2)


def test_detail_sample_packages_join_the_skus_they_name():
    """The sample's package lists name other SKUs than its SKU list: a SKU list that names them gets them."""
    data = _data(DETAIL)
    shipping = data["productShippingInfo"]
    data["productSkuInfos"] = [
        {**data["productSkuInfos"][0], "skuId": shipping["skuShippingInfoList"][0]["skuId"], "specId": "a"},
        {**data["productSkuInfos"][0], "skuId": shipping["skuShippingDetails"][0]["skuId"], "specId": "b"},
    ]
    data["channelPrice"]["channelSkuPriceList"][0]["skuId"] = "12123313"
    notes, note = _noted()
    p = normalise_offer(RawOffer("product_detail", data, None, None, NOW), note)
    grams, kilograms = p.skus
    assert (grams.sku_id, grams.weight_kg, grams.length_cm, grams.width_cm, grams.height_cm) == (
        5104790281451,
        0.004,
        2.0,
        1.0,
        3.0,
    )  # "weight": 4 is grams
    assert grams.package_size_source is None and grams.ai_weight_kg is None
    assert (kilograms.sku_id, kilograms.weight_kg, kilograms.length_cm, kilograms.package_size_source) == (
        12123313,
        1.2,
        10.0,
        "预测-同款放大，商家自填，官方测量",
    )
    assert (kilograms.official_length_cm, kilograms.official_width_cm, kilograms.official_height_cm) == (
        12.0,
        5.0,
        14.0,
    )
    assert (kilograms.official_weight_kg, kilograms.ai_weight_kg, kilograms.ai_weight_accuracy_rate) == (
        0.001,
        0.001,
        0.8,
    )
    assert kilograms.channel_price == Decimal("23.41")
    assert "dropped/sku_shipping_unmatched" not in notes and "dropped/channel_price_unmatched" not in notes


def test_sample_rows_write_and_read_back(tmp_path):
    product, _ = _product()
    listings = [_listing(doc)[0] for doc in SEARCH_DOCS]
    write_crawl(tmp_path, CRAWL, [product, *listings])
    read = {table: pq.read_table(tmp_path / table).to_pylist() for table in ("products", "skus", "sellers", "listings")}
    assert [row["offer_id"] for row in read["listings"]] == [2, 123, 2]
    assert read["listings"][1]["company_address"] == "浙江省杭州市"
    assert read["listings"][0]["created_at"] == datetime(2024, 4, 20, 0, 0, tzinfo=UTC)
    (row,) = read["products"]
    assert (row["distribution_price"], row["sold_count"], row["detail_crawl_id"]) == (Decimal(12), 12342, CRAWL)
    assert row["certificates"] == [
        {"name": "外观专利证书或授权书证书", "code": "ZL 2018 3 0658542.7", "photo_urls": []}
    ]
    assert (read["skus"][0]["one_piece_price"], read["sellers"][0]["mix_batch_amount"]) == (Decimal(15), 100)


# --- docs/dataset.md against the pages ------------------------------------------------------------


def _leaves(doc: str) -> set[str]:
    """The fields of the page's item model (or detail model) that hold values: its response table's non-message
    rows under the item, as paths relative to it."""
    prefix = ITEM_PATH[doc]
    return {
        path[len(prefix) :]
        for path, kind in _page(doc)["response_fields"].items()
        if path.startswith(prefix) and not kind.startswith("message:")
    }


def _doc_sections() -> dict[str, list[list[str]]]:
    """The rows of each table under ``## The tables`` of docs/dataset.md, by ``### `name` `` heading."""
    text = DOCS.read_text(encoding="utf-8")
    text = text[text.index("## The tables") :]
    text = text[: text.index("\n## ", 1)]
    sections: dict[str, list[list[str]]] = {}
    for block in re.split(r"\n### ", text)[1:]:
        heading, _, body = block.partition("\n")
        rows = [
            [cell.strip() for cell in line.strip().strip("|").split(" | ")]
            for line in body.splitlines()
            if line.startswith("| ") and not line.startswith("| column") and not line.startswith("| field")
        ]
        sections[heading.strip("` ")] = rows
    return sections


def _ticked(cell: str) -> set[str]:
    return set(re.findall(r"`([^`]+)`", cell))


def test_the_docs_list_every_column_of_every_table_in_order():
    sections = _doc_sections()
    for table, schema in TABLES.items():
        assert [row[0].strip("`") for row in sections[table]] == schema.names, table


def test_every_documented_field_is_a_column_or_not_kept_on_purpose():
    sections = _doc_sections()
    not_kept: dict[str, set[str]] = {"search": set(), "detail": set()}
    for field, apis, why in sections["Fields not kept"]:
        assert why, field
        for api in apis.split(", "):
            not_kept[api] |= _ticked(field)
    sources = {table: set().union(*(_ticked(row[2]) for row in sections[table])) for table in TABLES}
    search = set().union(*(_leaves(doc) for doc in SEARCH_DOCS))
    detail = _leaves(DETAIL)
    # Every token in a listings "from" cell is a search field; products, skus and sellers take detail fields and
    # the four a detail lacks from its search item.
    assert sources["listings"] <= search
    detail_sources = sources["products"] | sources["skus"] | sources["sellers"]
    assert detail_sources <= detail | search
    assert not_kept["search"] <= search and not_kept["detail"] <= detail
    for doc in SEARCH_DOCS:
        assert _leaves(doc) - sources["listings"] - not_kept["search"] == set(), doc
    assert detail - detail_sources - not_kept["detail"] == set()
