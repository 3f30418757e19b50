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
    sent = held_to_the_page(pages.KEYWORD_QUERY, answers, required=(
        "result.success", "result.code", "result.result.totalRecords", "result.result.data[].offerId"))
    assert never_sent(pages.KEYWORD_QUERY, sent) == set(), "the full item model"
    error = client.search(pageSize=500).json()
    assert pages.problems(pages.KEYWORD_QUERY, error, required=("result.success", "result.code",
                                                                 "result.message")) == []
    capped = answers[0]["result"]["result"]
    assert (int(capped["totalRecords"]), int(capped["totalPage"])) == (2000, 41)


def test_navigation(client):
    answers = [client.call(endpoints.KEYWORD_NAVIGATION, {"snParams": {
        "keyword": keyword, "language": "en_US", "region": "US", "currency": "USD"}}).json() for keyword in KEYWORDS]
    sent = held_to_the_page(pages.KEYWORD_NAVIGATION, answers, required=(
        "result.success", "result.retCode", "result.result[].children[].id"))
    assert never_sent(pages.KEYWORD_NAVIGATION, sent) == set()
    error = client.call(endpoints.KEYWORD_NAVIGATION, {"snParams": {"keyword": "茶具"}}).json()
    assert pages.problems(pages.KEYWORD_NAVIGATION, error, required=("result.retCode", "result.retMsg")) == []


def test_image_upload_and_search(client):
    client.admin.config(image_host="sandbox")
    answers, uploads = [], []
    for keyword in KEYWORDS[:3]:
        url = client.search(keyword, pageSize=1).json()["result"]["result"]["data"][0]["imageUrl"]
        picture = client.session.get(url).content
        uploaded = client.call(endpoints.IMAGE_UPLOAD, {"uploadImageParam": {
            "imageBase64": base64.b64encode(picture).decode()}}).json()
        uploads.append(uploaded)
        for page in (1, 2):
            answers.append(client.call(endpoints.IMAGE_SEARCH, {"offerQueryParam": {
                "imageId": uploaded["result"]["result"], "beginPage": page, "pageSize": 50, "country": "en"}}).json())
    held_to_the_page(pages.IMAGE_UPLOAD, uploads, required=("result.success", "result.result"))
    sent = held_to_the_page(pages.IMAGE_QUERY, answers, required=(
        "result.success", "result.result.picRegionInfo.currentRegion", "result.result.data[].offerId"))
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
        answers.append(client.call(endpoints.SELLER_OFFERS, {"offerQueryParam": {
            "sellerOpenId": seller, "beginPage": 1, "pageSize": 50, "country": "en"}}).json())
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
    sent = held_to_the_page(pages.PRODUCT_DETAIL, answers, required=(
        "result.success", "result.code", "result.result.offerId", "result.result.soldOut",
        "result.result.productSaleInfo.quoteType"))
    assert never_sent(pages.PRODUCT_DETAIL, sent) == {
        # Deprecated on the page: the sandbox sends them null or leaves them out.
        "result.result.productSkuInfos[].jxhyPrice", "result.result.productSkuInfos[].pfJxhyPrice",
        "result.result.productSkuInfos[].consignPrice", "result.result.productSaleInfo.consignPrice",
        "result.result.productSaleInfo.jxhyPrice",
    }
    missing = client.call(endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": 600000000001,
                                                                          "country": "en"}}).json()
    assert pages.problems(pages.PRODUCT_DETAIL, missing, required=("result.success", "result.code")) == []


def test_product_list(client):
    ids = [int(item["offerId"]) for item in client.search("茶具").json()["result"]["result"]["data"]]
    client.admin.config(listed_offers=ids[:40])
    answers = [client.call(endpoints.PRODUCT_LIST, {"productIdList": ids[start:start + 20]}).json()
               for start in (0, 20, 30)]
    sent = held_to_the_page(pages.PRODUCT_LIST, answers, required=("success", "productList[].productID"))
    assert never_sent(pages.PRODUCT_LIST, sent) == {
        # The page says 1688 need not care about watermarks; its sample sends none, nor does the sandbox.
        "productList[].image.isWatermark", "productList[].image.isWatermarkFrame",
        "productList[].image.watermarkPosition",
    }
    assert "message" in answers[2] and answers[2]["message"].count("商品不存在") == 10
    refused = client.call(endpoints.PRODUCT_LIST, {"productIdList": []}).json()
    assert pages.problems(pages.PRODUCT_LIST, refused, required=("success", "message")) == []
