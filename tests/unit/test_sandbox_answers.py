"""The renderers follow the official models, add the real gateway's noise, and a correct reader still recovers the
truth exactly."""

import json
import unicodedata
from decimal import Decimal

import pytest

from harvester.sandbox.answers import Renderer
from harvester.sandbox.detail import RATES
from harvester.sandbox.noise import price_text

from . import sandbox_calls

HOST = "https://cbu01.alicdn.com"
VIDEO_HOST = "https://cloud.video.taobao.com"
SAMPLE = range(11, 1_000_000, 2_503)


def clean(text):
    return unicodedata.normalize("NFKC", text).strip()


def money(value):
    return None if value is None else Decimal(str(value)) if not isinstance(value, Decimal) else value


def whole(value):
    """A Long/Integer as the wire sends it: a JSON number or a string of digits."""
    assert isinstance(value, (int, str)) and not isinstance(value, bool), value
    return int(value)


def rate(text):
    """``"99.12%"`` (or ``""``, which the pages say means 0) as a fraction."""
    return Decimal(0) if text == "" else Decimal(text.rstrip("%")) / 100


def roundtrip(document):
    """What a client sees: the JSON text parsed back, floats as exact decimals."""
    return json.loads(json.dumps(document, ensure_ascii=False), parse_float=Decimal)


def relative(url):
    return None if url is None else url.removeprefix(HOST + "/")


def truth_view(offer):
    return {
        "offer_id": offer.offer_id,
        "category_id": offer.category.id,
        "title": offer.title,
        "tiers": [(t.start_quantity, t.price) for t in offer.price_tiers],
        "skus": {
            sku.sku_id: (
                sku.spec_id,
                sku.price,
                sku.consign_price,
                offer.one_piece_price(sku.consign_price),
                offer.retail_price(sku.price),
                sku.stock,
                sku.cargo_number,
                [(a.attribute_id, a.name, a.value, a.image_path, a.image_trans_path) for a in sku.attributes],
            )
            for sku in offer.skus
        },
        "stock": offer.stock,
        "images": list(offer.image_paths),
        "attributes": [(a.attribute_id, a.name, a.value) for a in offer.attributes],
        "moq": offer.min_order_quantity,
        "quote_type": offer.quote_type,
        "status": offer.status,
        "sold_out": offer.total_sales,
        "consign": offer.consign_price,
        "one_piece": offer.one_piece_price(offer.consign_price),
        "free_postage": offer.dropship.free_postage,
        "retail": offer.retail_price(offer.price),
        "is_select": offer.cross_select,
        "identities": list(offer.offer_identities),
        "trade_score": offer.trade_score,
        "certificates": [(c.name, c.code, list(c.photo_paths)) for c in offer.certificates],
        "mix": (offer.mix.general, offer.mix.amount, offer.mix.number),
        "videos": (offer.main_video_path, offer.detail_video_path),
        "cargo": offer.cargo_number,
    }


def detail_view(detail):
    skus = {}
    for sku in detail["productSkuInfos"]:
        attributes = [
            (
                whole(a["attributeId"]),
                clean(a["attributeName"]),
                clean(a["value"]),
                relative(a.get("skuImageUrl")),
                relative(a.get("skuImageUrlTrans")),
            )
            for a in sku["skuAttributes"]
        ]
        fenxiao = sku["fenxiaoPriceInfo"]
        entry = (
            sku["specId"],
            money(sku["price"]),
            money(fenxiao["offerPrice"]),
            money(fenxiao["onePiecePrice"]),
            money(sku["retailPrice"]),
            whole(sku["amountOnSale"]),
            sku["cargoNumber"],
            attributes,
        )
        assert skus.setdefault(whole(sku["skuId"]), entry) == entry, "a repeated skuId repeats the same content"
    sale = detail["productSaleInfo"]
    videos = tuple(
        None if detail.get(key) is None else detail[key].removeprefix(VIDEO_HOST + "/")
        for key in ("mainVideo", "detailVideo")
    )
    return {
        "offer_id": whole(detail["offerId"]),
        "category_id": whole(detail["categoryId"]),
        "title": clean(detail["subject"]),
        "tiers": [(whole(t["startQuantity"]), money(t["price"])) for t in sale["priceRangeList"]],
        "skus": skus,
        "stock": whole(sale["amountOnSale"]),
        "images": [relative(url) for url in detail["productImage"]["images"]],
        "attributes": [
            (int(a["attributeId"]), a["attributeName"], clean(a["value"])) for a in detail["productAttribute"]
        ],
        "moq": whole(detail["minOrderQuantity"]),
        "quote_type": whole(sale["quoteType"]),
        "status": detail["status"],
        "sold_out": int(detail["soldOut"]),
        "consign": money(sale["fenxiaoSaleInfo"]["offerPrice"]),
        "one_piece": money(sale["fenxiaoSaleInfo"]["onePiecePrice"]),
        "free_postage": sale["fenxiaoSaleInfo"]["onePieceFreePostage"],
        "retail": money(sale["retailPrice"]),
        "is_select": detail["isSelect"] == "true",
        "identities": detail["offerIdentities"],
        "trade_score": Decimal(detail["tradeScore"]),
        "certificates": [
            (c["certificateName"], c["certificateCode"], [relative(u) for u in c["certificatePhotoList"]])
            for c in detail.get("certificateList") or []
        ],
        "mix": (
            detail["sellerMixSetting"]["generalHunpi"],
            whole(detail["sellerMixSetting"]["mixAmount"]),
            whole(detail["sellerMixSetting"]["mixNumber"]),
        ),
        "videos": videos,
        "cargo": detail.get("productCargoNumber"),
    }


@pytest.fixture(scope="module")
def rendered(sandbox_catalogue):
    renderer = Renderer(sandbox_catalogue.seed, HOST, VIDEO_HOST)
    result = []
    for index in SAMPLE:
        offer = sandbox_catalogue.offer(sandbox_catalogue.offer_id(index))
        result.append(
            (
                offer,
                roundtrip(renderer.detail(offer)),
                roundtrip(renderer.product_list_item(offer)),
                roundtrip(renderer.search_item(offer)),
            )
        )
    return result


def test_a_normalised_detail_equals_the_truth(rendered):
    for offer, detail, _item, _search in rendered:
        assert detail_view(detail) == truth_view(offer)


def test_sizes_in_grams_and_kilograms_agree_with_the_truth(rendered):
    for offer, detail, _item, _search in rendered:
        shipping = detail.get("productShippingInfo")
        if shipping is None:
            continue
        assert shipping["weight"] == offer.shipping.weight_kg
        assert (shipping["length"], shipping["width"], shipping["height"]) == (
            offer.shipping.length_cm,
            offer.shipping.width_cm,
            offer.shipping.height_cm,
        )
        assert shipping["pkgSizeSource"] == offer.shipping.size_source
        grams = {whole(entry["skuId"]): whole(entry["weight"]) for entry in shipping["skuShippingInfoList"]}
        kilograms = {entry["skuId"]: entry["weight"] for entry in shipping["skuShippingDetails"]}
        assert all(isinstance(sku_id, str) for sku_id in kilograms), "skuShippingDetails.skuId is a String"
        for sku in offer.skus:
            assert grams[sku.sku_id] == sku.package.weight_g
            assert kilograms[str(sku.sku_id)] * 1000 == sku.package.weight_g
        official = offer.shipping.official
        if official is not None:
            assert shipping["officialWeight"] == official.weight_kg
        else:
            assert shipping.get("officialWeight") is None


def test_product_list_items_carry_only_the_listing_relation_fields(rendered):
    allowed = {
        "productID",
        "productType",
        "attributes",
        "groupID",
        "status",
        "subject",
        "description",
        "language",
        "periodOfValidity",
        "bizType",
        "image",
        "extendInfos",
        "supplierLoginId",
        "categoryID",
        "categoryName",
        "productCargoNumber",
    }
    for offer, _detail, item, _search in rendered:
        assert set(item) <= allowed
        assert item["productID"] == offer.offer_id and item["categoryID"] == offer.category.id
        assert clean(item["subject"]) == offer.title and item["status"] == offer.status
        assert item["image"]["images"] == list(offer.image_paths), "relative to https://cbu01.alicdn.com/"
        assert [(a["attributeID"], a["attributeName"], clean(a["value"])) for a in item["attributes"]] == [
            (a.attribute_id, a.name, a.value) for a in offer.attributes
        ]
        assert item["supplierLoginId"] == offer.seller.login_id
        for extend in item.get("extendInfos", []):
            if extend["key"] == "consignPrice":
                pairs = dict(entry.split(":") for entry in extend["value"].rstrip(";").split(";"))
                assert {int(k): Decimal(v) for k, v in pairs.items()} == {
                    sku.sku_id: sku.consign_price for sku in offer.skus
                }


def test_search_items_show_the_truth(rendered):
    for offer, _detail, _item, search in rendered:
        assert whole(search["offerId"]) == offer.offer_id
        assert clean(search["subject"]) == offer.title and search["subjectTrans"] == offer.title_en
        assert Decimal(search["priceInfo"]["price"]) == offer.price
        assert Decimal(search["priceInfo"]["consignPrice"]) == offer.consign_price
        assert Decimal(search["repurchaseRate"].rstrip("%")) / 100 == offer.repurchase_rate
        assert whole(search["monthSold"]) == offer.month_sold
        assert search["imageUrl"] == f"{HOST}/{offer.image_paths[0]}"
        assert all(isinstance(search["priceInfo"][k], str) for k in ("price", "consignPrice"))
        if "sellerDataInfo" not in search:
            assert len(search) == 8, "a sparse item carries the relayed real item's eight fields"
            continue
        assert money(search["priceInfo"].get("promotionPrice")) == offer.promotion_price
        assert whole(search["thirdCategoryId"]) == offer.category.id
        assert whole(search["topCategoryId"]) == offer.category.top_id
        assert int(search["sales7d"]) == offer.sales_7d
        assert Decimal(search["tradeScore"]) == offer.trade_score
        assert search["isSelect"] is offer.cross_select and search["isPatentProduct"] is offer.patent
        assert search["offerIdentities"] == list(offer.offer_identities)
        trade = search["productTradeInfo"]
        assert [
            int(trade[key]) for key in ("addCartCount7d", "payBuyerCount7d", "addCartCount30d", "payBuyerCount30d")
        ] == [offer.trade.add_cart_7d, offer.trade.pay_buyers_7d, offer.trade.add_cart_30d, offer.trade.pay_buyers_30d]
        shipping = search["productSimpleShippingInfo"]
        assert rate(shipping["perfectFulfillmentRate30d"]) == offer.rates.perfect_fulfillment_30d
        assert rate(shipping["delayedShippingRate7d"]) == offer.rates.delayed_shipping_7d
        assert shipping["shippingTimeGuarantee"] == offer.shipping.guarantee
        seller = search["sellerDataInfo"]
        assert whole(seller["tpYear"]) == offer.seller.tp_year
        assert Decimal(seller["repeatPurchasePercent"]) / 100 == offer.seller.scores.repeat_purchase_percent
        assert search["promotionURL"].endswith(offer.token) and str(offer.offer_id) in search["promotionURL"]
        assert search["invoiceInfo"]["invoiceTypes"] == list(offer.seller.invoice.types)
        assert relative(search.get("aigcImageUrl")) == offer.aigc_image_path
        assert relative(search.get("whiteImage")) == offer.white_image_path


def test_image_and_seller_items(sandbox_catalogue):
    renderer = Renderer(sandbox_catalogue.seed, HOST, VIDEO_HOST)
    offers = [sandbox_catalogue.offer(sandbox_catalogue.offer_id(index)) for index in SAMPLE]
    full = [
        (o, roundtrip(renderer.image_search_item(o)), roundtrip(renderer.seller_item(o)))
        for o in offers
        if not renderer.noise(o).sparse_listing
    ]
    for offer, image, seller in full:
        assert not {"aigcImageUrl", "whiteImage"} & set(image)
        assert image["companyAddress"] == offer.seller.province + offer.seller.city
        data = image["offerDataInfo"]
        assert rate(data["repurchaseRate30d"]) == offer.repurchase_rate
        assert rate(data["offerApplauseRate"]) == offer.applause_rate
        assert data["kjFeaturedServices"] == ";".join(offer.featured_services)
        assert set(seller) <= {
            "imageUrl",
            "aigcImageUrl",
            "subject",
            "subjectTrans",
            "offerId",
            "isJxhy",
            "repurchaseRate",
            "monthSold",
            "traceInfo",
            "isOnePsale",
            "priceInfo",
            "createDate",
            "modifyDate",
            "isPatentProduct",
            "offerIdentities",
            "isSelect",
            "token",
            "promotionURL",
        }
        assert seller["isSelect"] in ("true", "false") and "promotionPrice" not in seller["priceInfo"]


def test_noise_is_present(rendered):
    details = [detail for _offer, detail, _item, _search in rendered]
    assert any(d["categoryName"] is None for d in details)
    assert any(d["categoryName"] is not None for d in details)
    ids = [d["offerId"] for d in details]
    assert sum(isinstance(i, str) for i in ids) > len(ids) / 2 > sum(isinstance(i, int) for i in ids) > 0, (
        "whole numbers are strings for most offers, numbers for some"
    )
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
    deprecated = [
        sku.get(key, "absent")
        for d in details
        for sku in d["productSkuInfos"]
        for key in ("consignPrice", "jxhyPrice", "pfJxhyPrice")
    ]
    assert set(deprecated) == {None, "absent"}, "deprecated SKU prices are null or absent, never a price"
    searches = [search for _o, _d, _i, search in rendered]
    assert any(len(s) == 8 for s in searches) and any(len(s) > 30 for s in searches)
    rates = [value for s in searches for value in s.get("productSimpleShippingInfo", {}).values()]
    assert "" in rates and "0.00%" in rates, "a zero rate is empty for some offers"


def test_seller_scores_in_detail(rendered):
    offer, detail = next((o, d) for o, d, _i, _s in rendered if d["sellerDataInfo"] is not None)
    scores = detail["sellerDataInfo"]
    assert Decimal(scores["compositeServiceScore"]) == offer.seller.scores.composite_service
    assert Decimal(scores["repeatPurchasePercent"]) == offer.seller.scores.repeat_purchase_percent
    assert Decimal(scores["collect30DayWithin48HPercent"]) == offer.seller.scores.pickup_48h_30d
    assert set(scores) == {
        "tradeMedalLevel",
        "compositeServiceScore",
        "logisticsExperienceScore",
        "disputeComplaintScore",
        "offerExperienceScore",
        "consultingExperienceScore",
        "afterSalesExperienceScore",
        "repeatPurchasePercent",
        "collect30DayWithin48HPercent",
        "qualityRefundWithin30Day",
    }


def test_foreign_currency_only_when_asked(sandbox_catalogue):
    renderer = Renderer(sandbox_catalogue.seed, HOST, VIDEO_HOST)
    offer = next(o for o in (sandbox_catalogue.offer(sandbox_catalogue.offer_id(i)) for i in SAMPLE) if o.skus)
    plain = renderer.detail(offer)
    assert not any(key.startswith("foreign") for key in plain["productSaleInfo"])
    hkd = roundtrip(renderer.detail(offer, "HKD"))
    expected = (offer.price * RATES["HKD"]).quantize(Decimal("0.01"))
    assert hkd["productSaleInfo"]["foreignCurrencyPrice"] == expected
    assert hkd["productSkuInfos"][0]["foreignCurrencyPrice"] == (offer.skus[0].price * RATES["HKD"]).quantize(
        Decimal("0.01")
    )
    unknown = renderer.detail(offer, "XXX")
    assert "foreignCurrencyPrice" not in unknown["productSaleInfo"]


def test_sold_out_counts_what_the_setting_says(sandbox_catalogue):
    offer = sandbox_catalogue.offer(sandbox_catalogue.offer_id(SAMPLE[3]))
    assert Renderer(sandbox_catalogue.seed, HOST, VIDEO_HOST).detail(offer)["soldOut"] == str(offer.total_sales)
    monthly = Renderer(sandbox_catalogue.seed, HOST, VIDEO_HOST, sold_out_sales="sales30").detail(offer)
    assert monthly["soldOut"] == str(offer.month_sold)


@pytest.mark.parametrize(
    ("price", "text"),
    [
        (Decimal("47"), "47.0"),
        (Decimal("12.30"), "12.3"),
        (Decimal("0.085"), "0.085"),
        (Decimal("100"), "100.0"),
        (Decimal("0.0120"), "0.012"),
    ],
)
def test_price_text_never_uses_exponents(price, text):
    assert price_text(price) == text


@pytest.mark.parametrize(("share", "sparse"), [(0.0, 0), (0.08, 6), (1.0, 50)])
def test_the_share_of_sparse_items_is_a_setting(sandbox_catalogue, share, sparse):
    gateway = sandbox_calls.make_gateway(sandbox_catalogue, sparse_listing_share=share)
    data = sandbox_calls.business(sandbox_calls.search(gateway, "茶具"))["result"]["data"]
    assert sum(len(item) == 8 and "modifyDate" not in item for item in data) == sparse
