"""The synchronous client's enrichment calls: what each sends, and the official pages' own samples read back."""

from __future__ import annotations

import json
from datetime import date

import pytest

from harvester.open1688 import endpoints
from harvester.open1688.queries import QueryError
from tests import official_pages as pages

from .test_client import Script, answer, make_client, ok


def _sent(script: Script) -> tuple[str, dict[str, str]]:
    ((path, form),) = script.sent
    return path.split("/")[-2], form


@pytest.mark.parametrize(
    ("metric", "doc", "parameter"),
    [
        ("sell", pages.SELL_TREND, "tendQueryParam"),
        ("price", pages.PRICE_TREND, "trendQueryParam"),
        ("repurchase", pages.REPURCHASE_TREND, "trendQueryParam"),
    ],
)
def test_a_trend_sends_the_parameter_its_page_names_and_reads_the_pages_sample(metric, doc, parameter):
    sample = pages.load(doc)["output_sample"]
    script = Script(answer(200, sample))
    client, _ = make_client(script)
    assert client.trend(123, metric, date(2024, 7, 1), date(2024, 7, 4)) == sample["result"]["result"]
    api, form = _sent(script)
    assert api == endpoints.TRENDS[metric][0].name
    assert json.loads(form[parameter]) == {"offerId": 123, "startDate": "20240701", "endDate": "20240704"}


def test_a_trend_of_an_unknown_metric_is_refused_before_any_call():
    script = Script()
    client, _ = make_client(script)
    with pytest.raises(QueryError, match="metric='sales': use one of sell, price, repurchase"):
        client.trend(1, "sales", date(2024, 7, 1), date(2024, 7, 2))
    assert script.sent == []


def test_a_freight_estimate_names_the_whole_address():
    model = {"offerId": 42, "freight": "12.5", "freePostage": False}
    script = Script(ok(model))
    client, _ = make_client(script)
    assert client.freight_estimate(42, "浙江", quantity=3) == model
    api, form = _sent(script)
    assert api == "product.freight.estimate"
    assert json.loads(form["productFreightQueryParamsNew"]) == {
        "offerId": 42,
        "toProvinceCode": "330000",
        "toCityCode": "330100",
        "toCountryCode": "330106",
        "totalNum": 3,
        "logisticsSkuNumModels": [],
    }
    with pytest.raises(QueryError, match="to='火星' is not a mainland province"):
        client.freight_estimate(42, "火星")


def test_the_category_tree_and_its_names_in_the_pages_shapes():
    info = {"categoryID": 0, "name": "根类目", "childCategorys": [{"id": 10166, "name": "服装服饰", "isLeaf": False}]}
    translation = pages.load(pages.CATEGORY_TRANSLATION)["output_sample"]
    script = Script(
        answer(200, {"succes": "true", "categoryInfo": [info]}),
        answer(200, pages.load(pages.CATEGORY)["output_sample"]),
        answer(200, translation),
    )
    client, _ = make_client(script)
    assert client.category() == info
    assert client.category(7) == {}  # the page's own sample: an empty object
    assert client.category_translation(1031910, "ja")["translatedName"] == "ワンピース"
    assert [json.loads(form.get("categoryID", "null")) for _, form in script.sent[:2]] == [0, 7]
    assert script.sent[2][1]["language"] == "ja" and script.sent[2][1]["categoryId"] == "1031910"


def test_hot_keywords_of_a_category():
    keywords = [{"seKeyword": "睡衣", "seKeywordTranslation": "Pajamas"}]
    script = Script(ok(keywords))
    client, _ = make_client(script)
    assert client.hot_keywords(300603001) == keywords
    _, form = _sent(script)
    assert json.loads(form["topSeKeywordParam"]) == {"country": "en", "sourceId": "300603001", "hotKeywordType": "cate"}
    assert "access_token" not in form  # the page: no user authorisation
