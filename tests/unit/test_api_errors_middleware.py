import asyncio
import json
import time

import pytest
from scrapy.http import Response

from harvester.gateway.access import GatewayAccess
from harvester.gateway.calls import NOT_BEFORE, OUTCOME, ApiCallFailed, api_request
from harvester.middlewares.api_errors import ApiErrorsMiddleware
from harvester.open1688 import endpoints
from tests.crawlers import project_crawler

SETTINGS = {
    "OPEN1688_RETRY_TIMES": 2,
}


def setup(**settings):
    crawler = project_crawler(**SETTINGS, **settings)
    crawler.stats.open_spider()
    mw = ApiErrorsMiddleware.from_crawler(crawler)
    crawler.spider = type("S", (), {"crawler": crawler, "name": "t"})()
    request = api_request(GatewayAccess.from_crawler(crawler), endpoints.PRODUCT_LIST, {"productIdList": [1]})
    return crawler, mw, request


def answer(request, status, body, headers=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response(request.url, status=status, body=raw, headers=headers or {}, request=request)


def assert_put_back(crawler, request, returned):
    """A call refused because the crawl must stop is not failed (its errback would count it lost, and the
    dupefilter would keep a resume from asking again): it goes back to the queue, unsent."""
    assert returned.url == request.url and returned.body == request.body and returned.dont_filter
    assert crawler.stats.get_value("harvester/stop/put_back") == 1


def test_ok_passes_the_outcome_to_the_callback():
    crawler, mw, request = setup()
    response = asyncio.run(mw.process_response(request, answer(request, 200, {"success": True, "productList": []})))
    assert response.status == 200
    assert request.meta[OUTCOME].ok


def test_5xx_retried_with_backoff_then_given_up():
    crawler, mw, request = setup()
    before = time.time()
    retry = asyncio.run(mw.process_response(request, answer(request, 503, b"<html>busy</html>")))
    after = time.time()
    assert retry.meta["retry_times"] == 1 and retry.dont_filter
    assert before <= retry.meta[NOT_BEFORE] <= after + 30
    retry2 = asyncio.run(mw.process_response(retry, answer(retry, 500, b"")))
    with pytest.raises(ApiCallFailed) as info:
        asyncio.run(mw.process_response(retry2, answer(retry2, 500, b"")))
    assert info.value.gave_up
    assert crawler.stats.get_value("harvester/api/gave_up/http.500") == 1
    assert crawler.stats.get_value("harvester/api/retry/count") == 2


def test_malformed_json_retried():
    crawler, mw, request = setup()
    retry = asyncio.run(mw.process_response(request, answer(request, 200, b'{"success": tr')))
    assert retry.meta["retry_times"] == 1


def test_throttle_signals_and_retries_without_using_retry_budget():
    crawler, mw, request = setup()
    seen = []
    from harvester.gateway import signals

    def on_throttled(request, retry_after):
        seen.append(retry_after)

    crawler.signals.connect(on_throttled, signal=signals.gateway_throttled)
    body = {"error_code": "gw.QosAppFrequencyLimit", "error_message": "App call exceeds limited frequency"}
    before = time.time()
    retry = asyncio.run(mw.process_response(request, answer(request, 400, body, {"Retry-After": "3"})))
    assert seen == [3.0]
    assert "retry_times" not in retry.meta
    assert retry.meta[NOT_BEFORE] >= before + 3


def test_fatal_codes_stop_the_crawl_with_the_fix():
    crawler, mw, request = setup()
    body = {"error_code": "gw.SignatureInvalid", "error_message": "bad"}
    put_back = asyncio.run(mw.process_response(request, answer(request, 400, body)))
    assert_put_back(crawler, request, put_back)
    assert crawler.stats.get_value("harvester/stop/reason") == "fatal_configuration"
    assert "OPEN1688_APP_SECRET" in crawler.stats.get_value("harvester/stop/message")


def test_acl_on_batch_is_left_to_the_spider():
    crawler, mw, request = setup()
    request.meta["open1688_acl_fallback"] = True
    with pytest.raises(ApiCallFailed) as info:
        asyncio.run(mw.process_response(request, answer(request, 400, {"error_code": "gw.APIACLDecline"})))
    assert info.value.outcome.code == "gw.APIACLDecline"
    assert crawler.stats.get_value("harvester/stop/reason") is None


def test_no_usage_left_stops_cleanly():
    crawler, mw, request = setup()
    put_back = asyncio.run(mw.process_response(request, answer(request, 400, {"error_code": "gw.NoUsageLeftError"})))
    assert_put_back(crawler, request, put_back)
    assert crawler.stats.get_value("harvester/stop/reason") == "quota_used_up"


def test_401_without_refresh_token_is_fatal():
    crawler, mw, request = setup()
    put_back = asyncio.run(mw.process_response(request, answer(request, 401, {"error_code": "401"})))
    assert_put_back(crawler, request, put_back)
    assert "scrapy auth" in crawler.stats.get_value("harvester/stop/message")


def test_timeouts_retried():
    crawler, mw, request = setup()
    retry = mw.process_exception(request, TimeoutError("took too long"))
    assert retry.meta["retry_times"] == 1
    assert crawler.stats.get_value("harvester/api/exceptions/builtins.TimeoutError") == 1


@pytest.mark.parametrize(
    ("code", "gave_up", "business"),
    [
        ("商品不存在", False, True),
        ("OFFER_NOT_FOUND", False, True),
        ("OFFER_NOT_FOUND", True, False),
        ("gw.APIACLDecline", False, False),
        ("http.500", False, False),
    ],
)
def test_a_business_answer_is_the_apis_own_and_final(code, gave_up, business):
    from harvester.open1688.outcomes import Action, Outcome

    error = ApiCallFailed(Outcome(Action.FAILED, code, code), gave_up=gave_up)
    assert error.outcome.is_business is not code.startswith(("gw.", "http."))
    assert error.business_answer is business
