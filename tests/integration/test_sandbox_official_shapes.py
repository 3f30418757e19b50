"""Real sandbox answers over loopback, held to the official pages: every key documented, the envelope the page's,
every wire type one the page (or a relayed real answer) allows, and the page's whole model sent."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

import pytest

from harvester.open1688 import endpoints
from harvester.sandbox.process import SandboxProcess
from tests import official_pages as pages

from .sandbox_client import Client

pytestmark = pytest.mark.e2e
KEYWORDS = ("保温杯", "手机壳", "连衣裙", "茶具", "数据线", "毛笔")


@pytest.fixture
def client(sandbox: SandboxProcess) -> Client:
    return Client(sandbox.base_url, sandbox.credentials)


def held_to_the_page(doc: str, answers: Iterable[dict[str, Any]], required: tuple[str, ...] = ()) -> set[str]:
    """Check every answer against the page; the paths the answers sent (not null), to check coverage."""
    sent: set[str] = set()
    for answer in answers:
        assert pages.problems(doc, answer, required) == []
        sent |= {path for path, value in pages.walk(answer) if value is not None}
    return sent


def never_sent(doc: str, sent: set[str]) -> set[str]:
    return set(pages.load(doc)["response_fields"]) - sent


def search_pages(client: Client) -> list[dict[str, Any]]:
    return [client.search(keyword, beginPage=page).json() for keyword in KEYWORDS for page in (1, 7)]


def test_keyword_search(client):
    answers = search_pages(client)
    sent = held_to_the_page(
        pages.KEYWORD_QUERY,
        answers,
        required=("result.success", "result.code", "result.result.totalRecords", "result.result.data[].offerId"),
    )
    assert never_sent(pages.KEYWORD_QUERY, sent) == set(), "the full item model"
    error = client.search(pageSize=500).json()
    assert (
        pages.problems(pages.KEYWORD_QUERY, error, required=("result.success", "result.code", "result.message")) == []
    )
    capped = answers[0]["result"]["result"]
    assert (int(capped["totalRecords"]), int(capped["totalPage"])) == (2000, 41)


def test_navigation(client):
    answers = [
        client.call(
            endpoints.KEYWORD_NAVIGATION,
            {"snParams": {"keyword": keyword, "language": "en_US", "region": "US", "currency": "USD"}},
        ).json()
        for keyword in KEYWORDS
    ]
    sent = held_to_the_page(
        pages.KEYWORD_NAVIGATION,
        answers,
        required=("result.success", "result.retCode", "result.result[].children[].id"),
    )
    assert never_sent(pages.KEYWORD_NAVIGATION, sent) == set()
    error = client.call(endpoints.KEYWORD_NAVIGATION, {"snParams": {"keyword": "茶具"}}).json()
    assert pages.problems(pages.KEYWORD_NAVIGATION, error, required=("result.retCode", "result.retMsg")) == []


def test_image_upload_and_search(client):
    client.admin.config(image_host="sandbox")
    answers, uploads = [], []
    for keyword in KEYWORDS[:3]:
        url = client.search(keyword, pageSize=1).json()["result"]["result"]["data"][0]["imageUrl"]
        picture = client.session.get(url).content
        uploaded = client.call(
            endpoints.IMAGE_UPLOAD, {"uploadImageParam": {"imageBase64": base64.b64encode(picture).decode()}}
        ).json()
        uploads.append(uploaded)
        for page in (1, 2):
            answers.append(
                client.call(
                    endpoints.IMAGE_SEARCH,
                    {
                        "offerQueryParam": {
                            "imageId": uploaded["result"]["result"],
                            "beginPage": page,
                            "pageSize": 50,
                            "country": "en",
                        }
                    },
                ).json()
            )
    held_to_the_page(pages.IMAGE_UPLOAD, uploads, required=("result.success", "result.result"))
    sent = held_to_the_page(
        pages.IMAGE_QUERY,
        answers,
        required=("result.success", "result.result.picRegionInfo.currentRegion", "result.result.data[].offerId"),
    )
    assert never_sent(pages.IMAGE_QUERY, sent) == set()
    refused = client.call(endpoints.IMAGE_SEARCH, {"offerQueryParam": {"imageId": "1", "country": "en"}}).json()
    assert refused["result"]["success"] == "false", "imageQuery types success as a String"
    assert pages.problems(pages.IMAGE_QUERY, refused) == []


def test_seller_offers(client):
    answers = []
    for keyword in KEYWORDS:
        offer_id = client.search(keyword, pageSize=1).json()["result"]["result"]["data"][0]["offerId"]
        detail = client.call(endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": offer_id, "country": "en"}})
        seller = detail.json()["result"]["result"]["sellerOpenId"]
        answers.append(
            client.call(
                endpoints.SELLER_OFFERS,
                {"offerQueryParam": {"sellerOpenId": seller, "beginPage": 1, "pageSize": 50, "country": "en"}},
            ).json()
        )
    sent = held_to_the_page(pages.SELLER_OFFERS, answers, required=("result.success", "result.result.data[].offerId"))
    assert never_sent(pages.SELLER_OFFERS, sent) == set()


def test_product_detail(client):
    ids = [item["offerId"] for answer in search_pages(client)[:6] for item in answer["result"]["result"]["data"]]
    answers = []
    for number, offer_id in enumerate(ids[:240]):
        param: dict[str, Any] = {"offerId": offer_id, "country": "en"}
        if number % 3 == 0:
            param["currency"] = "USD"
        answers.append(client.call(endpoints.PRODUCT_DETAIL, {"offerDetailParam": param}).json())
    sent = held_to_the_page(
        pages.PRODUCT_DETAIL,
        answers,
        required=(
            "result.success",
            "result.code",
            "result.result.offerId",
            "result.result.soldOut",
            "result.result.productSaleInfo.quoteType",
        ),
    )
    assert never_sent(pages.PRODUCT_DETAIL, sent) == {
        # Deprecated on the page: the sandbox sends them null or leaves them out.
        "result.result.productSkuInfos[].jxhyPrice",
        "result.result.productSkuInfos[].pfJxhyPrice",
        "result.result.productSkuInfos[].consignPrice",
        "result.result.productSaleInfo.consignPrice",
        "result.result.productSaleInfo.jxhyPrice",
    }
    missing = client.call(
        endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": 600000000001, "country": "en"}}
    ).json()
    assert pages.problems(pages.PRODUCT_DETAIL, missing, required=("result.success", "result.code")) == []


def test_product_list(client):
    ids = [int(item["offerId"]) for item in client.search("茶具").json()["result"]["result"]["data"]]
    client.admin.config(listed_offers=ids[:40])
    answers = [
        client.call(endpoints.PRODUCT_LIST, {"productIdList": ids[start : start + 20]}).json() for start in (0, 20, 30)
    ]
    sent = held_to_the_page(pages.PRODUCT_LIST, answers, required=("success", "productList[].productID"))
    assert never_sent(pages.PRODUCT_LIST, sent) == {
        # The page says 1688 need not care about watermarks; its sample sends none, nor does the sandbox.
        "productList[].image.isWatermark",
        "productList[].image.isWatermarkFrame",
        "productList[].image.watermarkPosition",
    }
    assert "message" in answers[2] and answers[2]["message"].count("商品不存在") == 10
    refused = client.call(endpoints.PRODUCT_LIST, {"productIdList": []}).json()
    assert pages.problems(pages.PRODUCT_LIST, refused, required=("success", "message")) == []


# --- the enrichment APIs ---------------------------------------------------------------------------------------

ADDRESSES = (
    ("330000", "330100", "330108"),
    ("440000", "440300", "440306"),
    ("110000", "110100", "110105"),
    ("650000", "650100", "650102"),
)


def some_offers(client: Client, count: int = 60) -> list[int]:
    ids = [
        int(item["offerId"])
        for keyword in KEYWORDS
        for item in client.search(keyword, pageSize=20).json()["result"]["result"]["data"]
    ]
    return ids[:count]


def test_freight_estimate(client):
    answers = []
    for number, offer_id in enumerate(some_offers(client)):
        detail = client.call(
            endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": offer_id, "country": "en"}}
        ).json()
        skus = detail["result"]["result"]["productSkuInfos"]
        models = [{"skuId": str(skus[0]["skuId"]), "number": 2}] if skus and number % 2 else []
        province, city, district = ADDRESSES[number % len(ADDRESSES)]
        answers.append(
            client.call(
                endpoints.FREIGHT_ESTIMATE,
                {
                    "productFreightQueryParamsNew": {
                        "offerId": offer_id,
                        "toProvinceCode": province,
                        "toCityCode": city,
                        "toCountryCode": district,
                        "totalNum": 2,
                        "logisticsSkuNumModels": models,
                    }
                },
            ).json()
        )
    sent = held_to_the_page(
        pages.FREIGHT,
        answers,
        required=(
            "result.success",
            "result.code",
            "result.result.offerId",
            "result.result.freight",
            "result.result.freePostage",
            "result.result.sizeValueType",
        ),
    )
    assert never_sent(pages.FREIGHT, sent) == set()
    refused = client.call(
        endpoints.FREIGHT_ESTIMATE,
        {
            "productFreightQueryParamsNew": {
                "offerId": answers[0]["result"]["result"]["offerId"],
                "toProvinceCode": "999999",
                "toCityCode": "330100",
                "toCountryCode": "330108",
                "totalNum": 1,
                "logisticsSkuNumModels": [],
            }
        },
    ).json()
    assert pages.problems(pages.FREIGHT, refused, required=("result.success", "result.code", "result.message")) == []


@pytest.mark.parametrize(
    ("doc", "endpoint", "name"),
    [
        (pages.SELL_TREND, endpoints.SELL_TREND, "tendQueryParam"),
        (pages.PRICE_TREND, endpoints.PRICE_TREND, "trendQueryParam"),
        (pages.REPURCHASE_TREND, endpoints.REPURCHASE_TREND, "trendQueryParam"),
    ],
)
def test_trends(client, doc, endpoint, name):
    ids = some_offers(client, 12)
    answers = [
        client.call(endpoint, {name: {"offerId": offer_id, "startDate": "20250615", "endDate": "20250705"}}).json()
        for offer_id in ids
    ]
    sent = held_to_the_page(doc, answers, required=("result.success", "result.retCode", "result.result[].date"))
    assert never_sent(doc, sent) == set()
    assert {entry["value"] for answer in answers for entry in answer["result"]["result"][-5:]} == {""}, (
        "no data after the sandbox's today"
    )
    refused = client.call(endpoint, {name: {"offerId": ids[0], "startDate": "20250101", "endDate": "20250102"}}).json()
    assert pages.problems(doc, refused, required=("result.success", "result.retCode", "result.retMsg")) == []


def test_category_get(client):
    answers = [
        client.call(endpoints.CATEGORY, {"categoryID": category_id}).json()
        for category_id in (0, 7, 701, 200701001, 10166, 1016601, 300601001)
    ]
    sent = held_to_the_page(
        pages.CATEGORY, answers, required=("succes", "categoryInfo[].categoryID", "categoryInfo[].isLeaf")
    )
    assert never_sent(pages.CATEGORY, sent) == {
        # Only errors carry these.
        "errorCode",
        "errorMsg",
        # "Not applicable on 1688", the page says.
        "categoryInfo[].level",
        "categoryInfo[].childIDs",
    }
    refused = client.call(endpoints.CATEGORY, {"categoryID": 99}).json()
    assert pages.problems(pages.CATEGORY, refused, required=("succes", "errorCode", "errorMsg")) == []


def test_category_translation(client):
    answers = [
        client.call(endpoints.CATEGORY_TRANSLATION, {"language": language, "categoryId": category_id}).json()
        for category_id in (0, 7, 701, 200701001)
        for language in ("en", "ja")
    ]
    sent = held_to_the_page(
        pages.CATEGORY_TRANSLATION,
        answers,
        required=("result.success", "result.code", "result.result.categoryId", "result.result.translatedName"),
    )
    assert never_sent(pages.CATEGORY_TRANSLATION, sent) == set()
    refused = client.call(endpoints.CATEGORY_TRANSLATION, {"language": "en", "categoryId": 99}).json()
    assert pages.problems(pages.CATEGORY_TRANSLATION, refused, required=("result.code", "result.message")) == []


def _shape(document: Any) -> dict[str, type]:
    return {path: type(value) for path, value in pages.walk(document) if value is not None}


def test_category_translation_shaped_as_the_pages_sample(client):
    client.admin.config(category_translation_shape="sample")
    sample = pages.load(pages.CATEGORY_TRANSLATION)["output_sample"]
    answer = client.call(endpoints.CATEGORY_TRANSLATION, {"language": "ja", "categoryId": 1016601}).json()
    assert set(answer) == set(sample) and set(answer["result"]) == set(sample["result"])
    expected = _shape(sample)
    assert {path: kind for path, kind in _shape(answer).items() if path in expected} == expected
    leaf = client.call(endpoints.CATEGORY_TRANSLATION, {"language": "ja", "categoryId": 300601001}).json()
    assert leaf["result"]["children"] is None
    assert set(pages.problems(pages.CATEGORY_TRANSLATION, leaf)) == set(
        pages.load(pages.CATEGORY_TRANSLATION)["sample_contradicts_table"]
    ), "it contradicts the table exactly as the page's sample does"


def test_category_translation_by_keyword(client):
    answers = [
        client.call(endpoints.CATEGORY_SEARCH, {"language": language, "cateName": text}).json()
        for text, language in (("杯", "en"), ("cup", "ja"), ("玩具", "en"), ("帽子", "en"))
    ]
    sent = held_to_the_page(pages.CATEGORY_SEARCH, answers, required=("result.success", "result.code"))
    assert never_sent(pages.CATEGORY_SEARCH, sent) == set()
    refused = client.call(endpoints.CATEGORY_SEARCH, {"language": "en", "cateName": ""}).json()
    assert pages.problems(pages.CATEGORY_SEARCH, refused, required=("result.code", "result.message")) == []


def test_top_keywords(client):
    answers = [
        client.call(
            endpoints.TOP_KEYWORDS,
            {"topSeKeywordParam": {"country": "en", "sourceId": str(category_id), "hotKeywordType": "cate"}},
        ).json()
        for category_id in (1501, 500301004, 127)
    ]
    sent = held_to_the_page(pages.TOP_KEYWORDS, answers, required=("result.success", "result.result[].seKeyword"))
    assert never_sent(pages.TOP_KEYWORDS, sent) == set()
    assert all(answer["result"]["success"] == "true" for answer in answers), "typed String on the page"
    refused = client.call(
        endpoints.TOP_KEYWORDS, {"topSeKeywordParam": {"country": "en", "sourceId": "127", "hotKeywordType": "offer"}}
    ).json()
    assert refused["result"]["success"] == "false"
    assert pages.problems(pages.TOP_KEYWORDS, refused, required=("result.code", "result.message")) == []
