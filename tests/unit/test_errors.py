import json

import pytest

from harvester.open1688 import endpoints
from harvester.open1688.outcomes import ISP_CODES, Action, classify, decode_body, parse_item_failures


def gw_error(code, message="x"):
    return json.dumps({"error_code": code, "error_message": message, "request_id": "r1"}).encode()


@pytest.mark.parametrize(
    "code,action,hint",
    [
        ("gw.QosAppFrequencyLimit", Action.SLOW_DOWN, "OPEN1688_QPS"),
        ("gw.NoUsageLeftError", Action.STOP, "console"),
        ("gw.APIACLDecline", Action.FATAL, "com.alibaba.fenxiao.crossborder:product.search.queryProductDetail-1"),
        ("gw.SignatureInvalid", Action.FATAL, "OPEN1688_APP_SECRET"),
        ("gw.SignatureMissing", Action.FATAL, "OPEN1688_APP_SECRET"),
        ("gw.AppKeyMissing", Action.FATAL, "OPEN1688_APP_KEY"),
        ("gw.APIUnsupported", Action.FATAL, "OPEN1688_GATEWAY"),
    ],
)
def test_gateway_codes(code, action, hint):
    outcome = classify(400, gw_error(code), endpoint=endpoints.PRODUCT_DETAIL)
    assert outcome.action is action
    assert outcome.code == code
    assert hint in outcome.message


def test_unknown_app_key_is_fatal_and_names_the_setting():
    outcome = classify(400, gw_error("gw.AppKeyNotExist"))
    assert outcome.action is Action.FATAL
    assert "OPEN1688_APP_KEY" in outcome.message


def test_an_expired_token_means_refresh():
    outcome = classify(401, gw_error("401", "Request need user authorized"))
    assert outcome.action is Action.REFRESH_TOKEN
    assert classify(401, b"").action is Action.REFRESH_TOKEN


def test_no_user_token_at_all_means_authorise():
    outcome = classify(401, gw_error("401", "Request need user authenticated"))
    assert outcome.action is Action.FATAL and "scrapy auth" in outcome.message


@pytest.mark.parametrize("code", ["gw.QosApiFrequencyLimit", "gw.QosAPIFrequencyLimit", "QOSAPIFREQUENCYLIMIT"])
def test_per_api_throttling_slows_down_however_it_is_spelt(code):
    outcome = classify(400, gw_error(code, "Api call exceeds limited frequency"))
    assert (outcome.action, outcome.code) == (Action.SLOW_DOWN, "gw.QosApiFrequencyLimit")


@pytest.mark.parametrize("code", ["gw.ISPInvokeError", "gw.ISPInvokeTimeout", "gw.ISPConnectError", "ispinvokeerror"])
def test_errors_of_the_service_behind_the_gateway_are_retried(code):
    outcome = classify(500, gw_error(code))
    assert outcome.action is Action.RETRY and outcome.code in ISP_CODES
    assert classify(400, gw_error(code)).action is Action.RETRY


def test_current_time_is_a_bare_string():
    outcome = classify(200, b'"20261010164552223+0800"', endpoint=endpoints.CURRENT_TIME)
    assert outcome.ok and outcome.data == "20261010164552223+0800"
    assert classify(200, b'"x"', endpoint=endpoints.PRODUCT_DETAIL).action is Action.RETRY


@pytest.mark.parametrize(
    "document",
    [
        {"result": {"success": False, "retCode": "E001", "retMsg": "no"}},
        {"succes": "false", "errorCode": "500_1", "errorMsg": "no"},
        {"success": False, "message": "no"},
    ],
)
def test_each_apis_envelope_reports_its_own_failure(document):
    outcome = classify(200, json.dumps(document).encode())
    assert outcome.action is Action.FAILED and "no" in outcome.message


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_retry(status):
    assert classify(status, b"<html>bad gateway</html>").action is Action.RETRY
    assert classify(status, gw_error("isp.x")).action is Action.RETRY


def test_malformed_and_html_retry():
    truncated = classify(200, b'{"result": {"success": true, "result": {"data": [', endpoint=endpoints.KEYWORD_SEARCH)
    assert (truncated.action, truncated.code) == (Action.RETRY, "malformed_json")
    html = classify(200, b"<!DOCTYPE html><html><body>gateway error</body></html>")
    assert (html.action, html.code) == (Action.RETRY, "html")
    assert classify(200, b"").action is Action.RETRY
    assert classify(200, b"[1,2]").action is Action.RETRY


def test_deeply_nested_json_is_not_a_crash():
    body = b"[" * 100000 + b"]" * 100000
    assert classify(200, body).action is Action.RETRY


def test_retry_after_is_read():
    outcome = classify(400, gw_error("gw.QosAppFrequencyLimit"), headers={"Retry-After": "2.5"})
    assert outcome.retry_after == 2.5
    assert classify(400, gw_error("gw.QosAppFrequencyLimit"), headers={"Retry-After": "soon"}).retry_after is None


@pytest.mark.parametrize("success", [True, "true", "TRUE"])
def test_success_as_bool_or_string(success):
    body = json.dumps({"result": {"success": success, "code": "200", "result": {"totalRecords": 3}}}).encode()
    outcome = classify(200, body, endpoint=endpoints.KEYWORD_SEARCH)
    assert outcome.ok
    assert outcome.data == {"totalRecords": 3}


@pytest.mark.parametrize("success", [False, "false"])
def test_business_error_in_envelope(success):
    body = json.dumps({"result": {"success": success, "code": "PARAM_ERROR", "message": "keyword empty"}}).encode()
    outcome = classify(200, body, endpoint=endpoints.KEYWORD_SEARCH)
    assert outcome.action is Action.FAILED
    assert outcome.code == "PARAM_ERROR"
    assert "keyword empty" in outcome.message


def test_transient_business_error_retries():
    body = json.dumps({"result": {"success": "false", "code": "SYSTEM_BUSY", "message": "系统繁忙"}}).encode()
    assert classify(200, body).action is Action.RETRY


def test_batch_item_failures():
    body = json.dumps(
        {
            "success": True,
            "message": "570027659001:商品不存在;570027659002:商品不存在",
            "productList": [{"productID": 1}],
        }
    ).encode()
    outcome = classify(200, body, endpoint=endpoints.PRODUCT_LIST)
    assert outcome.ok
    assert outcome.data == [{"productID": 1}]
    assert outcome.item_failures == {570027659001: "商品不存在", 570027659002: "商品不存在"}


def test_batch_where_every_item_failed_is_still_an_answer():
    body = json.dumps({"success": "false", "message": "570027659001:商品不存在", "productList": []}).encode()
    outcome = classify(200, body, endpoint=endpoints.PRODUCT_LIST)
    assert outcome.ok
    assert outcome.item_failures == {570027659001: "商品不存在"}


def test_parse_item_failures_tolerates_noise():
    assert parse_item_failures(None) == {}
    assert parse_item_failures("57002765XXX:商品不存在") == {}
    assert parse_item_failures("600000000001：offline, 600000000002:not found") == {
        600000000001: "offline",
        600000000002: "not found",
    }


def test_gbk_body_decodes():
    body = json.dumps({"result": {"success": True, "result": {"subject": "保温杯"}}}, ensure_ascii=False).encode("gbk")
    assert decode_body(body, "application/json;charset=GBK").endswith("}}}")
    outcome = classify(
        200, body, headers={"Content-Type": "application/json;charset=GBK"}, endpoint=endpoints.PRODUCT_DETAIL
    )
    assert outcome.data == {"subject": "保温杯"}
    # without a charset the GB18030 fallback still reads it
    assert classify(200, body, endpoint=endpoints.PRODUCT_DETAIL).data == {"subject": "保温杯"}


def test_oauth_style_error():
    body = json.dumps({"error": "invalid_grant", "error_description": "code used"}).encode()
    outcome = classify(400, body, endpoint=endpoints.GET_TOKEN)
    assert outcome.action is Action.FAILED
    assert outcome.code == "invalid_grant"
    assert "code used" in outcome.message
