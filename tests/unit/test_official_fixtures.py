"""The official pages' fixtures hold together, and the sandbox takes the pages' own input samples."""

import base64
import copy

import pytest

from harvester.open1688 import endpoints
from tests import official_pages as pages

from .sandbox_calls import business, call, make_gateway

COMMIT = "69a4fe38a018161d5875bda1facbe65cb051bee0"


@pytest.mark.parametrize("doc", pages.DOCS)
def test_fixture_names_its_source(doc):
    source = pages.load(doc)["_source"]
    assert source["doc"] == doc and source["commit"] == COMMIT
    assert source["repository"] == "Natawat-d/1688_Platform" and source["path"] == f"1688-api-docs/en/{doc}.md"


@pytest.mark.parametrize("doc", [doc for doc in pages.DOCS if pages.load(doc)["output_sample"] is not None])
def test_the_pages_samples_fit_their_tables(doc):
    """Each page's sample fits its table, except where the fixture records that the page contradicts itself."""
    fixture = pages.load(doc)
    assert pages.problems(doc, fixture["output_sample"]) == fixture.get("sample_contradicts_table", [])
    requested = {path for path, _value in pages.walk(fixture["input_sample"])}
    assert requested <= set(fixture["request_fields"])


def test_the_checker_finds_what_the_page_does_not_allow():
    sample = copy.deepcopy(pages.load(pages.PRODUCT_DETAIL)["output_sample"])
    detail = sample["result"]["result"]
    detail["monthSold"] = 5
    detail["productSkuInfos"][0]["skuShippingX"] = 1
    detail["isSelect"] = True
    detail["productShippingInfo"]["skuShippingDetails"][0]["skuId"] = 12123313
    detail["productSaleInfo"]["quoteType"] = "1"
    found = pages.problems(pages.PRODUCT_DETAIL, sample, required=("result.result.soldOut",))
    assert found == [
        "result.result.productSkuInfos[].skuShippingX: not on the page",
        "result.result.productShippingInfo.skuShippingDetails[].skuId: int 12123313 where the page says String",
        "result.result.isSelect: bool True where the page says String",
        "result.result.monthSold: not on the page",
    ]
    del detail["soldOut"]
    assert pages.problems(pages.PRODUCT_DETAIL, sample, required=("result.result.soldOut",))[-1] == (
        "result.result.soldOut: missing or null"
    )


@pytest.fixture
def gateway(sandbox_catalogue):
    return make_gateway(sandbox_catalogue)


def sample(doc):
    return copy.deepcopy(pages.load(doc)["input_sample"])


def test_the_keyword_sample_is_answered(gateway):
    query = sample(pages.KEYWORD_QUERY)["offerQueryParam"]
    query["country"] = "en"  # the page's value is a description ("如en-英语...")
    query["saleFilterList"][0]["saleType"] = "sales7"  # likewise: the list of sale types
    answer = call(gateway, endpoints.KEYWORD_SEARCH, {"offerQueryParam": query})
    assert str(business(answer)["success"]).lower() == "true", business(answer)
    assert pages.problems(pages.KEYWORD_QUERY, answer.json()) == []


def test_the_image_sample_is_answered(gateway, sandbox_catalogue):
    offer_id = sandbox_catalogue.offer_id(4_242)
    upload = {"uploadImageParam": {"imageBase64": base64.b64encode(sandbox_catalogue.image_jpeg(offer_id)).decode()}}
    uploaded = call(gateway, endpoints.IMAGE_UPLOAD, upload)
    assert pages.problems(pages.IMAGE_UPLOAD, uploaded.json(), required=("result.result",)) == []
    query = sample(pages.IMAGE_QUERY)["offerQueryParam"]
    query.update(
        imageId=business(uploaded)["result"],
        country="en",
        pageSize=20,
        beginPage=1,
        keyword=None,
        categoryId=None,
        priceStart=None,
        priceEnd=None,
    )
    answer = call(gateway, endpoints.IMAGE_SEARCH, {"offerQueryParam": query})
    assert business(answer)["success"] == "true"
    assert pages.problems(pages.IMAGE_QUERY, answer.json()) == []


def test_the_seller_detail_and_list_samples_are_answered(gateway, sandbox_catalogue):
    query = sample(pages.SELLER_OFFERS)["offerQueryParam"]
    answer = call(gateway, endpoints.SELLER_OFFERS, {"offerQueryParam": query})
    assert int(business(answer)["result"]["totalRecords"]) == 0, "seller 123 is nobody the catalogue knows"
    assert pages.problems(pages.SELLER_OFFERS, answer.json()) == []
    detail = sample(pages.PRODUCT_DETAIL)
    detail["offerDetailParam"].update(offerId=sandbox_catalogue.offer_id(7), country="ja")
    answer = call(gateway, endpoints.PRODUCT_DETAIL, detail)
    assert pages.problems(pages.PRODUCT_DETAIL, answer.json(), required=("result.result.offerId",)) == []
    listing = call(gateway, endpoints.PRODUCT_LIST, sample(pages.PRODUCT_LIST)).json()
    assert listing["productList"] == [] and listing["message"] == "574325651942:商品不存在,570027659932:商品不存在"
    assert pages.problems(pages.PRODUCT_LIST, listing) == []


@pytest.mark.parametrize(
    ("doc", "endpoint"),
    [
        (pages.SELL_TREND, endpoints.SELL_TREND),
        (pages.PRICE_TREND, endpoints.PRICE_TREND),
        (pages.REPURCHASE_TREND, endpoints.REPURCHASE_TREND),
    ],
)
def test_the_trend_samples_are_answered(gateway, sandbox_catalogue, doc, endpoint):
    """Under the page's own parameter name; its dates (a year before the sandbox's today, the first carrying the
    page's note) and its offer 123 (nobody) replaced."""
    request = sample(doc)
    ((_name, query),) = request.items()
    query.update(offerId=sandbox_catalogue.offer_id(7), startDate="20250601", endDate="20250630")
    answer = call(gateway, endpoint, request)
    assert str(business(answer)["success"]).lower() == "true", business(answer)
    assert len(business(answer)["result"]) == 30
    assert pages.problems(doc, answer.json(), required=("result.retCode", "result.result[].value")) == []
