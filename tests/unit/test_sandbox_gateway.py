"""Gateway error paths, quotas, caps and counters, with the clock in the test's hands."""

import base64

import pytest

from harvester.open1688 import endpoints, signing
from harvester.open1688 import outcomes as errors
from harvester.open1688.outcomes import Action

from .sandbox_calls import APP_KEY, SECRET, TOKEN, Clock, business, call, make_gateway, search, succeeded


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def gateway(sandbox_catalogue, clock):
    return make_gateway(sandbox_catalogue, clock)


def gateway_code(answer):
    return answer.json()["error_code"]


def test_a_good_call(gateway):
    answer = search(gateway)
    assert answer.status == 200 and succeeded(answer)
    assert errors.classify(answer.status, answer.body, endpoint=endpoints.KEYWORD_SEARCH).ok


def test_app_key_missing(gateway):
    path = "/openapi/param2/1/com.alibaba.fenxiao.crossborder/product.search.keywordQuery"
    for missing in (path, path + "/"):
        answer = gateway.handle("POST", missing, {"_aop_signature": "X"})
        assert (answer.status, gateway_code(answer)) == (400, "gw.AppKeyMissing")
        assert set(answer.json()) == {"error_code", "error_message", "exception", "request_id"}


def test_unknown_app_key(gateway):
    path = f"/openapi/param2/1/com.alibaba.fenxiao.crossborder/product.search.keywordQuery/999{APP_KEY}"
    answer = gateway.handle("POST", path, {})
    assert (answer.status, gateway_code(answer)) == (400, "gw.AppKeyNotExist")


@pytest.mark.parametrize(
    "path",
    [
        f"/openapi/param2/1/com.alibaba.product/alibaba.product.search/{APP_KEY}",
        f"/openapi/param2/2/com.alibaba.product/alibaba.cross.productList/{APP_KEY}",
        f"/openapi/param2/x/system/currentTime/{APP_KEY}",
        f"/openapi/param2/1/a/b/c/{APP_KEY}",
    ],
)
def test_unknown_api(gateway, path):
    answer = gateway.handle("POST", path, {})
    assert (answer.status, gateway_code(answer)) == (400, "gw.APIUnsupported")


def test_signature_missing_and_invalid(gateway):
    built = endpoints.build_call(
        endpoints.KEYWORD_SEARCH, {"offerQueryParam": {"keyword": "保温杯"}}, gateway="http://x", app_key=APP_KEY
    )
    form = built.signed_params(secret=SECRET, access_token=TOKEN, timestamp_ms=1)
    path = "/openapi/" + built.url_path
    unsigned = {k: v for k, v in form.items() if k != signing.SIGNATURE_PARAM}
    assert gateway_code(gateway.handle("POST", path, unsigned)) == "gw.SignatureMissing"
    wrong_secret = {**unsigned, "_aop_signature": signing.sign(built.url_path, unsigned, "not-the-secret")}
    assert gateway_code(gateway.handle("POST", path, wrong_secret)) == "gw.SignatureInvalid"
    with_openapi = {
        **unsigned,
        "_aop_signature": signing.signature(SECRET, "openapi/" + signing.string_to_sign(built.url_path, unsigned)),
    }
    assert gateway_code(gateway.handle("POST", path, with_openapi)) == "gw.SignatureInvalid"
    tampered = {**form, "offerQueryParam": '{"keyword":"数据线"}'}
    answer = gateway.handle("POST", path, tampered)
    assert (answer.status, gateway_code(answer)) == (400, "gw.SignatureInvalid")
    outcome = errors.classify(answer.status, answer.body, endpoint=endpoints.KEYWORD_SEARCH)
    assert outcome.action is Action.FATAL


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "Request need user authenticated"),
        ("", "Request need user authenticated"),
        ("not-a-token", "Request need user authorized"),
    ],
)
def test_missing_or_unknown_token_is_401(gateway, token, message):
    built = endpoints.build_call(
        endpoints.PRODUCT_DETAIL,
        {"offerDetailParam": {"offerId": 1, "country": "en"}},
        gateway="http://x",
        app_key=APP_KEY,
    )
    form = {"offerDetailParam": built.params["offerDetailParam"], "_aop_timestamp": "1"}
    if token is not None:
        form["access_token"] = token
    form["_aop_signature"] = signing.sign(built.url_path, form, SECRET)
    answer = gateway.handle("POST", "/openapi/" + built.url_path, form)
    assert answer.status == 401
    body = answer.json()
    assert (body["error_code"], body["error_message"]) == ("401", message)
    assert set(body) == {"error_code", "error_message", "request_id"}
    # No token at all: authorise (nothing to refresh); a token the gateway does not take: refresh it.
    expected = Action.FATAL if message.endswith("authenticated") else Action.REFRESH_TOKEN
    assert errors.classify(401, answer.body).action is expected


def test_token_expires_after_its_lifetime(gateway, clock):
    assert succeeded(search(gateway))
    clock.advance(36_000 - 1)
    assert search(gateway).status == 200
    clock.advance(2)
    expired = search(gateway)
    assert (expired.status, expired.json()["error_message"]) == (401, "Request need user authorized")


def test_acl(gateway):
    gateway.configure({"acl_deny": ["alibaba.cross.productList", "image_search"]})
    answer = call(gateway, endpoints.PRODUCT_LIST, {"productIdList": [1]})
    assert (answer.status, gateway_code(answer)) == (400, "gw.APIACLDecline")
    assert answer.json()["error_message"] == "AppKey is not allowed(acl)"
    assert gateway_code(call(gateway, endpoints.IMAGE_SEARCH, {"offerQueryParam": {}})) == "gw.APIACLDecline"
    assert search(gateway).status == 200
    assert errors.classify(400, answer.body, endpoint=endpoints.PRODUCT_LIST).action is Action.FATAL


def test_qps_sliding_window(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, qps=3, budget=10)
    assert all(search(gateway).status == 200 for _ in range(3))
    refused = search(gateway)
    assert (refused.status, gateway_code(refused)) == (400, "gw.QosAppFrequencyLimit")
    assert refused.json()["error_message"] == "App call exceeds limited frequency"
    assert not dict(refused.headers).get("Retry-After")
    assert errors.classify(400, refused.body).action is Action.SLOW_DOWN
    clock.advance(0.5)
    assert search(gateway).status == 400, "still the same one-second window"
    clock.advance(0.5001)
    assert search(gateway).status == 200
    assert gateway.budget.used == 4, "refused calls cost nothing"


def test_qps_retry_after_when_configured(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, qps=1, retry_after=True)
    search(gateway)
    clock.advance(0.25)
    refused = search(gateway)
    assert dict(refused.headers)["Retry-After"] == "1"
    assert errors.classify(400, refused.body, headers=dict(refused.headers)).retry_after == 1.0


def test_fractional_qps(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, qps=0.5)
    assert search(gateway).status == 200
    clock.advance(1.9)
    assert search(gateway).status == 400
    clock.advance(0.2)
    assert search(gateway).status == 200


def test_hold_names_apis_and_starts_after_a_number_of_calls(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, hold=["product_list", "product.search.keywordQuery"], hold_after=2)
    search_path = "/openapi/" + endpoints.KEYWORD_SEARCH.url_path(APP_KEY)
    batch_path = "/openapi/" + endpoints.PRODUCT_LIST.url_path(APP_KEY)
    detail_path = "/openapi/" + endpoints.PRODUCT_DETAIL.url_path(APP_KEY)
    assert not gateway.holds(search_path) and not gateway.holds(batch_path), "not before 2 calls"
    assert search(gateway).status == search(gateway).status == 200
    assert gateway.holds(search_path) and gateway.holds(batch_path)
    assert not gateway.holds(detail_path) and not gateway.holds("/_sandbox/config"), "only the APIs named"
    gateway.configure({"hold": []})
    assert not gateway.holds(search_path)


def test_budget(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, budget=2)
    assert search(gateway).status == search(gateway).status == 200
    spent = search(gateway)
    assert (spent.status, gateway_code(spent)) == (400, "gw.NoUsageLeftError")
    assert spent.json()["error_message"] == "SLA bill has no usage left"
    assert errors.classify(400, spent.body).action is Action.STOP
    assert search(gateway, keyword="x").status == 400
    assert call(gateway, endpoints.CURRENT_TIME, {}, token=None).status == 200, "system APIs are not billed"
    gateway.configure({"budget": 5})
    assert search(gateway).status == 200


def test_current_time_is_a_bare_string(gateway, clock):
    answer = call(gateway, endpoints.CURRENT_TIME, {}, token=None)
    assert answer.status == 200 and answer.body == b'"20250615230640000+0800"'
    unsigned = gateway.handle("GET", f"/openapi/param2/1/system/currentTime/{APP_KEY}", {})
    assert gateway_code(unsigned) == "gw.SignatureMissing"


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"keyword": ""}, "keyword"),
        ({"beginPage": 0}, "beginPage"),
        ({"beginPage": -3}, "beginPage"),
        ({"pageSize": 51}, "pageSize"),
        ({"pageSize": "ten"}, "pageSize"),
        ({"country": "zh"}, "zh"),
        ({"country": None}, "country"),
        ({"filter": "cheapest"}, "filter"),
        ({"sort": "price:asc"}, "sort"),
        ({"sort": '{"price":"sideways"}'}, "sort"),
        ({"priceStart": "abc"}, "priceStart"),
        ({"priceStart": "20", "priceEnd": "10"}, "priceStart"),
    ],
)
def test_bad_search_parameters_are_business_errors(gateway, query, fragment):
    answer = search(gateway, **query)
    assert answer.status == 200
    envelope = business(answer)
    assert str(envelope["success"]).lower() == "false"
    assert envelope["code"] == "INVALID_PARAMETER" and fragment in envelope["message"]
    assert errors.classify(200, answer.body, endpoint=endpoints.KEYWORD_SEARCH).action is Action.FAILED


def test_malformed_json_parameter(gateway):
    built = endpoints.build_call(
        endpoints.KEYWORD_SEARCH, {"offerQueryParam": "{'keyword': '保温杯'}"}, gateway="http://x", app_key=APP_KEY
    )
    form = built.signed_params(secret=SECRET, access_token=TOKEN, timestamp_ms=1)
    answer = gateway.handle("POST", "/openapi/" + built.url_path, form)
    assert business(answer)["code"] == "INVALID_PARAMETER" and "JSON" in business(answer)["message"]


def test_success_is_sometimes_a_string(gateway):
    kinds = {type(business(search(gateway, beginPage=page))["success"]) for page in range(1, 30)}
    assert kinds == {bool, str}


def paging(result):
    """The paging numbers, Integers by the page and strings in relayed answers (both are sent)."""
    return tuple(int(result[key]) for key in ("totalRecords", "totalPage", "pageSize", "currentPage"))


def test_search_cap_reports_the_cap(gateway):
    gateway.configure({"search_cap": 120})
    pages = [business(search(gateway, pageSize=50, beginPage=page))["result"] for page in (1, 2, 3, 4)]
    assert [paging(page) for page in pages] == [(120, 3, 50, page) for page in (1, 2, 3, 4)]
    assert [len(page["data"]) for page in pages] == [50, 50, 20, 0]
    ids = [int(item["offerId"]) for page in pages for item in page["data"]]
    assert len(set(ids)) == 120


def test_search_cap_pages_like_the_relayed_answer(gateway):
    first = business(search(gateway))["result"]
    assert paging(first)[:3] == (2000, 41, 50), "total 2000, pages 41 at size 50, as relayed"
    assert business(search(gateway, beginPage=40))["result"]["data"]
    assert business(search(gateway, beginPage=41))["result"]["data"] == []
    odd = [business(search(gateway, pageSize=30, beginPage=page))["result"] for page in (66, 67, 68)]
    assert [len(page["data"]) for page in odd] == [30, 20, 0], "the page crossing the cap is short"
    assert {paging(page)[1] for page in odd} == {67}


def test_search_cap_can_report_the_true_total(gateway):
    gateway.configure({"search_cap": 120, "report_capped_total": False})
    result = business(search(gateway, pageSize=50, beginPage=3))["result"]
    assert paging(result) == (25_000, 3, 50, 3) and len(result["data"]) == 20


def test_paging_numbers_are_sometimes_strings(gateway):
    kinds = {type(business(search(gateway, beginPage=page))["result"]["totalRecords"]) for page in range(1, 40)}
    assert kinds == {int, str}


def test_small_result_pages_end_before_the_cap(gateway):
    first = business(search(gateway, keyword="算盘", pageSize=50))["result"]
    assert (paging(first)[:2], len(first["data"])) == ((60, 2), 50)
    second = business(search(gateway, keyword="算盘", pageSize=50, beginPage=2))["result"]
    assert len(second["data"]) == 10
    assert paging(business(search(gateway, keyword="没有这个词"))["result"])[:2] == (0, 0)


def test_detail_unknown_and_gone(gateway, sandbox_catalogue):
    answer = call(gateway, endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": 600000000001, "country": "en"}})
    assert business(answer)["message"] == "商品不存在" and str(business(answer)["success"]).lower() == "false"
    offer_id = sandbox_catalogue.offer_id(5)
    answer = call(gateway, endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": offer_id, "country": "en"}})
    assert int(business(answer)["result"]["offerId"]) == offer_id
    assert (business(answer)["code"], business(answer)["message"]) == ("200", "成功")


def test_product_list_answers_only_listed_offers(gateway, sandbox_catalogue):
    ids = [sandbox_catalogue.offer_id(i) for i in range(4)]
    gateway.configure({"listed_offers": ids[:3]})
    answer = call(
        gateway, endpoints.PRODUCT_LIST, {"productIdList": [ids[0], 600000000001, ids[1], ids[1], ids[3], ids[2]]}
    )
    document = answer.json()
    assert set(document) == {"productList", "success", "message"}
    assert [item["productID"] for item in document["productList"]] == ids[:3]
    assert document["message"] == f"600000000001:商品不存在,{ids[3]}:商品不存在"
    assert not {"skuInfos", "saleInfo", "productSkuInfos"} & set(document["productList"][0])
    outcome = errors.classify(200, answer.body, endpoint=endpoints.PRODUCT_LIST)
    assert outcome.ok and outcome.item_failures == {600000000001: "商品不存在", ids[3]: "商品不存在"}
    assert gateway.counters.detail_served_total == 0, "productList serves no details"
    unlisted = call(gateway, endpoints.PRODUCT_LIST, {"productIdList": [ids[3]]}).json()
    assert unlisted["productList"] == [] and unlisted["message"] == f"{ids[3]}:商品不存在"


def test_product_list_limits(gateway, sandbox_catalogue):
    ids = [sandbox_catalogue.offer_id(i) for i in range(21)]
    gateway.configure({"listed_offers": ids})
    over = call(gateway, endpoints.PRODUCT_LIST, {"productIdList": ids})
    assert set(over.json()) == {"success", "message"}
    assert over.json()["success"] in (False, "false") and "20" in over.json()["message"]
    assert call(gateway, endpoints.PRODUCT_LIST, {"productIdList": ids[:20]}).json()["productList"]
    gateway.configure({"detail_batch_max": 25})
    assert len(call(gateway, endpoints.PRODUCT_LIST, {"productIdList": ids}).json()["productList"]) == 21
    assert "productIdList" in call(gateway, endpoints.PRODUCT_LIST, {"productIdList": []}).json()["message"]


def test_detail_counters_prove_duplicates(gateway, sandbox_catalogue):
    ids = [sandbox_catalogue.offer_id(i) for i in range(100, 110)]
    for offer_id in ids + ids[:1]:
        call(gateway, endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": offer_id, "country": "en"}})
    stats = gateway.state()
    assert (stats["detail_served_total"], stats["detail_served_distinct"], stats["detail_served_duplicates"]) == (
        11,
        10,
        1,
    )
    assert gateway.counters.times_served(100) == 2


def test_image_upload_and_search(gateway, sandbox_catalogue):
    offer_id = sandbox_catalogue.offer_id(777_777)
    image = base64.b64encode(sandbox_catalogue.image_jpeg(offer_id, 2)).decode()
    uploaded = call(gateway, endpoints.IMAGE_UPLOAD, {"uploadImageParam": {"imageBase64": image}})
    image_id = business(uploaded)["result"]
    assert isinstance(image_id, str) and image_id.isdigit()
    found = business(
        call(
            gateway,
            endpoints.IMAGE_SEARCH,
            {"offerQueryParam": {"imageId": image_id, "beginPage": 1, "pageSize": 10, "country": "en"}},
        )
    )["result"]
    category = sandbox_catalogue.offer(offer_id).category
    assert int(found["data"][0]["offerId"]) == offer_id
    assert {int(item["thirdCategoryId"]) for item in found["data"] if "thirdCategoryId" in item} == {category.id}
    first = found["data"][0]
    assert first.get("companyName", sandbox_catalogue.offer(offer_id).seller.company_name) == (
        sandbox_catalogue.offer(offer_id).seller.company_name
    )
    assert int(found["totalRecords"]) == min(2000, len(sandbox_catalogue.search(keyword=category.name)))
    assert found["picRegionInfo"] == {"currentRegion": "0,400,0,400", "yoloCropRegion": "0,400,0,400"}
    assert business(uploaded)["success"] == "true", "image.upload types success as a String"
    narrowed = business(
        call(
            gateway,
            endpoints.IMAGE_SEARCH,
            {
                "offerQueryParam": {
                    "imageId": image_id,
                    "keyword": "没有这个词",
                    "beginPage": 1,
                    "pageSize": 10,
                    "country": "en",
                }
            },
        )
    )["result"]
    assert int(narrowed["totalRecords"]) == 0


def test_image_upload_errors(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, upload_max_bytes=1000)
    bad = call(gateway, endpoints.IMAGE_UPLOAD, {"uploadImageParam": {"imageBase64": base64.b64encode(b"hi").decode()}})
    assert business(bad)["code"] == "IMAGE_INVALID"
    big = base64.b64encode(sandbox_catalogue.image_jpeg(sandbox_catalogue.offer_id(1))).decode()
    assert business(call(gateway, endpoints.IMAGE_UPLOAD, {"uploadImageParam": {"imageBase64": big}}))["code"] == (
        "IMAGE_TOO_LARGE"
    )
    assert business(call(gateway, endpoints.IMAGE_UPLOAD, {"uploadImageParam": {"imageBase64": "!!"}}))["code"] == (
        "IMAGE_INVALID"
    )
    unknown = call(gateway, endpoints.IMAGE_SEARCH, {"offerQueryParam": {"imageId": "123", "country": "en"}})
    assert business(unknown)["code"] == "IMAGE_NOT_FOUND"


def test_seller_offer_list(gateway, sandbox_catalogue):
    seller = sandbox_catalogue.offer(sandbox_catalogue.offer_id(4242)).seller
    answer = call(
        gateway,
        endpoints.SELLER_OFFERS,
        {"offerQueryParam": {"sellerOpenId": seller.open_id, "beginPage": 1, "pageSize": 50, "country": "en"}},
    )
    result = business(answer)["result"]
    assert int(result["totalRecords"]) == len(sandbox_catalogue.search(seller_open_id=seller.open_id))
    assert sandbox_catalogue.offer_id(4242) in [int(item["offerId"]) for item in result["data"]]
    assert not any("thirdCategoryId" in item for item in result["data"]), "the reduced model has no categories"


def test_counters(gateway, clock):
    moments = [clock()]
    search(gateway)
    clock.advance(0.3)
    moments.append(clock())
    search(gateway, pageSize=99)
    clock.advance(0.3)
    moments.append(clock())
    gateway.handle("POST", "/openapi/param2/1/x/y", {})
    clock.advance(2)
    moments.append(clock())
    search(gateway)
    stats = gateway.state()
    assert stats["calls_total"] == 4
    assert stats["calls_by_api"] == {"product.search.keywordQuery": 3, "unknown": 1}
    assert stats["calls_by_code"] == {"ok": 2, "INVALID_PARAMETER": 1, "gw.AppKeyMissing": 1}
    assert stats["max_calls_per_second"] == 3
    expected: dict[int, int] = {}
    for moment in moments:
        expected[int(moment)] = expected.get(int(moment), 0) + 1
    assert stats["calls_per_second"] == [[second, count] for second, count in expected.items()]
    gateway.reset()
    assert gateway.state()["calls_total"] == 0


def test_epoch_changes_answers(gateway, sandbox_catalogue):
    changed = next(i for i in range(1000) if sandbox_catalogue.drift.change(i, 1) == "price")
    offer_id = sandbox_catalogue.offer_id(changed)
    query = {"offerDetailParam": {"offerId": offer_id, "country": "en"}}
    before = business(call(gateway, endpoints.PRODUCT_DETAIL, query))["result"]
    assert gateway.advance_epoch() == 1
    after = business(call(gateway, endpoints.PRODUCT_DETAIL, query))["result"]
    assert [sku["price"] for sku in before["productSkuInfos"]] != [sku["price"] for sku in after["productSkuInfos"]]
    assert gateway.config.epoch == 1


def test_category_list_translation_and_keyword_types(gateway, sandbox_catalogue):
    ids = {block.category.id: block.category for block in sandbox_catalogue.layout.blocks}
    cup = next(c for c in ids.values() if c.name == "保温杯")
    wok = next(c for c in ids.values() if c.name == "炒锅")
    gateway.configure({"search_cap": 10_000})
    both = business(search(gateway, keyword="不锈钢", categoryIdList=f"{cup.id},{wok.id}"))["result"]
    only_cup = business(search(gateway, keyword="不锈钢", categoryId=cup.id))["result"]
    assert int(only_cup["totalRecords"]) == 4_948 and int(both["totalRecords"]) > int(only_cup["totalRecords"])
    assert {int(item["thirdCategoryId"]) for item in both["data"] if "thirdCategoryId" in item} <= {cup.id, wok.id}
    english = business(search(gateway, keyword="stainless steel insulated cup"))["result"]
    assert int(english["totalRecords"]) == 4_948, "the gateway translates keywords unless told not to"
    untranslated = search(gateway, keyword="stainless steel insulated cup", keywordTranslate=True)
    assert int(business(untranslated)["result"]["totalRecords"]) == 0
    seller = sandbox_catalogue.offer(sandbox_catalogue.offer_id(1)).seller.open_id
    bad = call(
        gateway, endpoints.SELLER_OFFERS, {"offerQueryParam": {"sellerOpenId": seller, "keyword": 5, "country": "en"}}
    )
    assert business(bad)["code"] == "INVALID_PARAMETER"


def test_qos_bursts_carry_retry_after_when_configured(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, retry_after=True, faults={"qos_burst": 1.0})
    refused = search(gateway)
    assert gateway_code(refused) == "gw.QosAppFrequencyLimit" and dict(refused.headers)["Retry-After"] == "1"


def test_per_api_frequency_limit(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, api_qps={"product.search.queryProductDetail": 2})
    detail = {"offerDetailParam": {"offerId": sandbox_catalogue.offer_id(1), "country": "en"}}
    assert [call(gateway, endpoints.PRODUCT_DETAIL, detail).status for _ in range(2)] == [200, 200]
    refused = call(gateway, endpoints.PRODUCT_DETAIL, detail)
    assert (refused.status, gateway_code(refused)) == (400, "gw.QosApiFrequencyLimit")
    assert set(refused.json()) == {"error_code", "error_message", "exception", "request_id"}
    assert search(gateway).status == 200, "other APIs are not held back by this API's limit"
    clock.advance(1.0001)
    assert call(gateway, endpoints.PRODUCT_DETAIL, detail).status == 200
    assert gateway.budget.used == 4, "a refused call costs nothing"
    gateway.configure({"api_qos_status": 429})
    call(gateway, endpoints.PRODUCT_DETAIL, detail)
    assert call(gateway, endpoints.PRODUCT_DETAIL, detail).status == 429, "the status is a setting"


def test_app_limit_refusals_occupy_no_api_window(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, qps=1, api_qps={"product.search.keywordQuery": 1})
    assert search(gateway).status == 200
    clock.advance(0.5)
    assert gateway_code(search(gateway)) == "gw.QosAppFrequencyLimit", "the app's limit is checked first"
    clock.advance(0.5001)
    assert search(gateway).status == 200


@pytest.mark.parametrize(
    ("share", "code"), [("isp_error", "gw.ISPInvokeError"), ("isp_timeout", "gw.ISPInvokeTimeout")]
)
def test_isp_faults(sandbox_catalogue, clock, share, code):
    gateway = make_gateway(sandbox_catalogue, clock, faults={share: 1.0})
    answer = search(gateway)
    assert (answer.status, gateway_code(answer)) == (500, code)
    assert errors.classify(answer.status, answer.body, endpoint=endpoints.KEYWORD_SEARCH).action is Action.RETRY
    assert gateway.state()["faults"] == {share: 1} and gateway.budget.used == 0
    gateway.configure({"faults": {"isp_status": 502}})
    assert search(gateway).status == 502


def test_navigation_is_served(gateway):
    answer = call(
        gateway,
        endpoints.KEYWORD_NAVIGATION,
        {"snParams": {"keyword": "风筝", "language": "en_US", "region": "US", "currency": "USD"}},
    )
    assert answer.status == 200 and answer.json()["result"]["retCode"] == "S0000"
    assert errors.classify(200, answer.body, endpoint=endpoints.KEYWORD_NAVIGATION).ok


def test_image_search_by_a_1688_image_link(gateway, sandbox_catalogue):
    offer = sandbox_catalogue.offer(sandbox_catalogue.offer_id(31_337))
    found = business(
        call(
            gateway,
            endpoints.IMAGE_SEARCH,
            {
                "offerQueryParam": {
                    "imageAddress": f"https://cbu01.alicdn.com/{offer.image_paths[1]}",
                    "beginPage": 1,
                    "pageSize": 5,
                    "country": "en",
                    "region": "10,200,10,200",
                }
            },
        )
    )
    assert found["success"] == "true", "imageQuery types success as a String"
    assert int(found["result"]["data"][0]["offerId"]) == offer.offer_id
    assert found["result"]["picRegionInfo"]["currentRegion"] == "10,200,10,200"
    stranger = business(
        call(
            gateway,
            endpoints.IMAGE_SEARCH,
            {
                "offerQueryParam": {
                    "imageAddress": "https://example.com/cat.jpg",
                    "beginPage": 1,
                    "pageSize": 5,
                    "country": "en",
                }
            },
        )
    )
    assert int(stranger["result"]["totalRecords"]) == 0
    neither = business(call(gateway, endpoints.IMAGE_SEARCH, {"offerQueryParam": {"country": "en"}}))
    assert neither["code"] == "INVALID_PARAMETER" and neither["success"] == "false"


def test_videos_are_served_under_the_referer_rule(gateway, sandbox_catalogue):
    offer = next(
        o for o in (sandbox_catalogue.offer(sandbox_catalogue.offer_id(i)) for i in range(200)) if o.main_video_path
    )
    path = "/" + offer.main_video_path
    video = gateway.handle("GET", path, {})
    assert video.status == 200 and video.content_type == "video/mp4" and video.body[4:8] == b"ftyp"
    assert gateway.handle("GET", path, {}, headers={"Referer": "https://example.com/"}).status == 403
    assert gateway.handle("GET", path, {}, headers={"Referer": "https://detail.1688.com/offer/1.html"}).status == 200
    other = next(
        o
        for o in (sandbox_catalogue.offer(sandbox_catalogue.offer_id(i)) for i in range(200))
        if not o.detail_video_path
    )
    made_up = offer.main_video_path.rsplit("/", 1)[0] + "/12345.mp4"
    assert gateway.handle("GET", "/" + made_up, {}).status == 404
    never = sandbox_catalogue.video_paths.path(sandbox_catalogue.index_of(other.offer_id), 1, other.seller.member_id)
    assert gateway.handle("GET", "/" + never, {}).status == 404, "an offer without a detail video has none to serve"
    assert gateway.state()["videos_served"] == 2
