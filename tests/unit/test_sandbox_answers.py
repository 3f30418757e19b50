"""The renderers add the real gateway's noise, and a correct normaliser still recovers the truth exactly."""

import json
import unicodedata
from decimal import Decimal

import pytest

from harvester.sandbox.answers import Renderer
from harvester.sandbox.noise import price_text

HOST = "https://cbu01.alicdn.com"
SAMPLE = range(11, 1_000_000, 2_503)


def clean(text):
    return unicodedata.normalize("NFKC", text).strip()


def money(value):
    return None if value is None else Decimal(str(value)) if not isinstance(value, Decimal) else value


def roundtrip(document):
    """What a client sees: the JSON text parsed back, floats as exact decimals."""
    return json.loads(json.dumps(document, ensure_ascii=False), parse_float=Decimal)


def truth_view(offer):
    return {
        "offer_id": offer.offer_id,
        "category_id": offer.category.id,
        "title": offer.title,
        "tiers": [(t.start_quantity, t.price) for t in offer.price_tiers],
        "skus": {
            sku.sku_id: (sku.spec_id, sku.price, sku.consign_price, sku.stock, sku.cargo_number,
                         [(a.attribute_id, a.name, a.value, a.image_path) for a in sku.attributes])
            for sku in offer.skus
        },
        "stock": offer.stock,
        "images": list(offer.image_paths),
        "attributes": [(a.attribute_id, a.name, a.value) for a in offer.attributes],
        "moq": offer.min_order_quantity,
        "quote_type": offer.quote_type,
        "status": offer.status,
    }


def relative(url):
    return None if url is None else url.removeprefix(HOST + "/")


def detail_view(detail):
    skus = {}
    for sku in detail["productSkuInfos"]:
        attributes = [(a["attributeId"], clean(a["attributeName"]), clean(a["value"]), relative(a.get("skuImageUrl")))
                      for a in sku["skuAttributes"]]
        entry = (sku["specId"], money(sku["price"]), money(sku["consignPrice"]), int(sku["amountOnSale"]),
                 sku["cargoNumber"], attributes)
        assert skus.setdefault(sku["skuId"], entry) == entry, "a repeated skuId repeats the same content"
    sale = detail["productSaleInfo"]
    return {
        "offer_id": detail["offerId"],
        "category_id": detail["categoryId"],
        "title": clean(detail["subject"]),
        "tiers": [(t["startQuantity"], money(t["price"])) for t in sale["priceRangeList"]],
        "skus": skus,
        "stock": int(sale["amountOnSale"]),
        "images": [relative(url) for url in detail["productImage"]["images"]],
        "attributes": [(int(a["attributeId"]), a["attributeName"], clean(a["value"]))
                       for a in detail["productAttribute"]],
        "moq": detail["minOrderQuantity"],
        "quote_type": sale["quoteType"],
        "status": detail["status"],
    }


def list_view(item):
    skus = {}
    for sku in item["skuInfos"]:
        attributes = [(a["attributeID"], a["attributeDisplayName"], clean(a["attributeValue"]), a.get("skuImageUrl"))
                      for a in sku["attributes"]]
        skus[sku["skuId"]] = (sku["specId"], money(sku["price"]), money(sku["consignPrice"]), sku["amountOnSale"],
                              sku["cargoNumber"], attributes)
    sale = item["saleInfo"]
    return {
        "offer_id": item["productID"],
        "category_id": item["categoryID"],
        "title": clean(item["subject"]),
        "tiers": [(t["startQuantity"], money(t["price"])) for t in sale["priceRanges"]],
        "skus": skus,
        "stock": sale["amountOnSale"],
        "images": item["image"]["images"],
        "attributes": [(a["attributeID"], a["attributeName"], clean(a["value"])) for a in item["attributes"]],
        "moq": sale["minOrderQuantity"],
        "quote_type": sale["quoteType"],
        "status": item["status"],
    }


@pytest.fixture(scope="module")
def rendered(sandbox_catalogue):
    renderer = Renderer(sandbox_catalogue.seed, HOST)
    result = []
    for index in SAMPLE:
        offer = sandbox_catalogue.offer(sandbox_catalogue.offer_id(index))
        result.append((
            offer,
            roundtrip(renderer.detail(offer)),
            roundtrip(renderer.product_list_item(offer)),
            roundtrip(renderer.search_item(offer)),
        ))
    return result


def test_normalised_detail_and_batch_answers_equal_the_truth(rendered):
    for offer, detail, item, _search in rendered:
        assert detail_view(detail) == truth_view(offer)
        assert list_view(item) == truth_view(offer)


def test_search_items_carry_the_listing_truth(rendered):
    for offer, _detail, _item, search in rendered:
        assert search["offerId"] == offer.offer_id
        assert clean(search["subject"]) == offer.title and search["subjectTrans"] == offer.title_en
        assert Decimal(search["priceInfo"]["price"]) == offer.price
        assert Decimal(search["priceInfo"]["consignPrice"]) == offer.consign_price
        assert money(search["priceInfo"]["promotionPrice"]) == offer.promotion_price
        assert Decimal(search["repurchaseRate"].rstrip("%")) / 100 == offer.repurchase_rate
        assert search["monthSold"] == offer.month_sold
        assert search["thirdCategoryId"] == offer.category.id
        assert search["imageUrl"] == f"{HOST}/{offer.image_paths[0]}"
        assert all(isinstance(search["priceInfo"][k], str) for k in ("price", "consignPrice"))


def test_noise_is_present(rendered):
    details = [detail for _offer, detail, _item, _search in rendered]
    assert any(d["categoryName"] is None for d in details)
    assert any(d["categoryName"] is not None for d in details)
    counts = [sku["amountOnSale"] for d in details for sku in d["productSkuInfos"]]
    assert any(isinstance(c, str) for c in counts) and any(isinstance(c, int) for c in counts)
    values = [a["value"] for d in details for sku in d["productSkuInfos"] for a in sku["skuAttributes"]]
    assert any(any("\uff01" <= ch <= "\uff5e" for ch in v) for v in values), "full-width values (ＸＬ)"
    assert any(v != v.strip() for v in values), "stray whitespace"
    assert any(len({s["skuId"] for s in d["productSkuInfos"]}) < len(d["productSkuInfos"]) for d in details)
    assert any("productShippingInfo" not in d for d in details)
    assert any(d["sellerDataInfo"] is None for d in details)
    assert any("tagInfoList" not in d for d in details)
    prices = [sku["price"] for d in details for sku in d["productSkuInfos"]]
    assert all(isinstance(p, str) for p in prices)
    assert any(p.endswith(".0") for p in prices)
    assert any(len(p.split(".")[-1]) >= 3 for p in prices), "3-4 decimal prices"
    promotions = [sku.get("promotionPrice", "absent") for d in details for sku in d["productSkuInfos"]]
    assert None in promotions and "absent" in promotions


def test_image_urls_absolute_in_detail_relative_in_batch(rendered):
    for offer, detail, item, _search in rendered:
        assert all(url.startswith(HOST + "/img/ibank/") for url in detail["productImage"]["images"])
        assert all(path.startswith("img/ibank/") for path in item["image"]["images"])


def keys(document):
    if isinstance(document, dict):
        for key, value in document.items():
            yield key
            yield from keys(value)
    elif isinstance(document, list):
        for value in document:
            yield from keys(value)


def test_batch_items_have_no_sales_or_seller_scores(rendered):
    for _offer, _detail, item, _search in rendered:
        assert not {"monthSold", "repurchaseRate", "sellerOpenId", "sellerDataInfo", "subjectTrans"} & set(keys(item))


def test_seller_scores_in_detail(rendered):
    offer, detail = next((o, d) for o, d, _i, _s in rendered if d["sellerDataInfo"] is not None)
    scores = detail["sellerDataInfo"]
    assert Decimal(scores["compositeServiceScore"]) == offer.seller.scores.composite_service
    assert Decimal(scores["repeatPurchasePercent"]) == offer.seller.scores.repeat_purchase_percent
    assert set(scores) == {"tradeMedalLevel", "compositeServiceScore", "logisticsExperienceScore",
                           "disputeComplaintScore", "offerExperienceScore", "consultingExperienceScore",
                           "afterSalesExperienceScore", "repeatPurchasePercent"}


@pytest.mark.parametrize(("price", "text"), [
    (Decimal("47"), "47.0"), (Decimal("12.30"), "12.3"), (Decimal("0.085"), "0.085"), (Decimal("100"), "100.0"),
    (Decimal("0.0120"), "0.012"),
])
def test_price_text_never_uses_exponents(price, text):
    assert price_text(price) == text
