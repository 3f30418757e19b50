"""The signing middleware signs each attempt and leaves nothing of it on the request."""

import asyncio
from urllib.parse import parse_qs

import pytest

from harvester.gateway.access import GatewayAccess
from harvester.gateway.calls import api_request
from harvester.middlewares.signing import SigningMiddleware
from harvester.open1688 import endpoints, signing
from harvester.open1688.oauth import Tokens
from tests.crawlers import project_crawler

SETTINGS: dict = {}


def build(method="POST"):
    crawler = project_crawler(**SETTINGS)
    mw = SigningMiddleware.from_crawler(crawler)
    access = GatewayAccess.from_crawler(crawler)
    request = api_request(
        access, endpoints.KEYWORD_SEARCH, {"offerQueryParam": {"keyword": "保温杯", "beginPage": 1}}, method=method
    )
    return crawler, mw, request


def fingerprint(crawler, request):
    return crawler.request_fingerprinter.fingerprint(request)


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_signed_on_the_way_out_and_restored_on_the_way_back(method):
    crawler, mw, request = build(method)
    unsigned_url, unsigned_body = request.url, request.body
    before = fingerprint(project_crawler(**SETTINGS), request.copy())

    asyncio.run(mw.process_request(request))
    sent = parse_qs(request.body.decode() if method == "POST" else request.url.split("?", 1)[1])
    form = {k: v[0] for k, v in sent.items()}
    assert form["access_token"] == "token-placeholder-1"
    assert signing.verify(endpoints.KEYWORD_SEARCH.url_path("8668866"), form, "sandbox-secret-1")

    from scrapy.http import Response

    response = mw.process_response(request, Response(request.url, status=200, request=request))
    assert (request.url, request.body) == (unsigned_url, unsigned_body)
    assert "token-placeholder-1" not in response.url
    assert fingerprint(project_crawler(**SETTINGS), request.copy()) == before


def test_fresh_timestamp_each_attempt(monkeypatch):
    crawler, mw, request = build()
    times = iter([1000.0, 2000.0])
    monkeypatch.setattr("harvester.middlewares.signing.time.time", lambda: next(times))
    asyncio.run(mw.process_request(request))
    first = parse_qs(request.body.decode())
    mw.process_exception(request, TimeoutError())
    asyncio.run(mw.process_request(request))
    second = parse_qs(request.body.decode())
    assert first["_aop_timestamp"] == ["1000000"] and second["_aop_timestamp"] == ["2000000"]
    assert first["_aop_signature"] != second["_aop_signature"]


def test_non_api_requests_untouched():
    from scrapy import Request

    crawler, mw, _ = build()
    request = Request("http://127.0.0.1:9/img/1.jpg")
    asyncio.run(mw.process_request(request))
    assert request.url == "http://127.0.0.1:9/img/1.jpg"


def embedded(port: int, app_key: str) -> GatewayAccess:
    """Access as an embedded sandbox gives it: a port and an app key of this run only."""
    return GatewayAccess(
        gateway=f"http://127.0.0.1:{port}",
        app_key=app_key,
        app_secret="sandbox-secret-1",
        tokens=Tokens("token-placeholder-1"),
        token_file=None,
        refresh_margin=600,
        sandbox=object(),
    )


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_request_queued_by_an_earlier_run_goes_to_this_runs_embedded_sandbox(method):
    """The JOBDIR keeps requests across runs; each run's embedded sandbox has its own port and app key. Stored
    requests name neither (so a resume reaches the live sandbox, and fingerprints match across runs)."""
    earlier, now = embedded(40001, "key-of-run-1"), embedded(40002, "key-of-run-2")
    params = {"offerDetailParam": {"offerId": 1, "country": "en"}}
    queued = api_request(earlier, endpoints.PRODUCT_DETAIL, params, method=method)
    assert queued.url.startswith("http://sandbox.invalid/openapi/") and "40001" not in queued.url
    assert queued.url.split("?")[0].endswith("/sandbox")
    assert fingerprint(project_crawler(), queued) == fingerprint(
        project_crawler(), api_request(now, endpoints.PRODUCT_DETAIL, params, method=method)
    )

    crawler = project_crawler()
    mw = SigningMiddleware(crawler, now)
    stored_url, stored_body = queued.url, queued.body
    asyncio.run(mw.process_request(queued))
    assert queued.url.startswith("http://127.0.0.1:40002/openapi/")
    sent = parse_qs(queued.body.decode() if method == "POST" else queued.url.split("?", 1)[1])
    form = {k: v[0] for k, v in sent.items()}
    assert signing.verify(endpoints.PRODUCT_DETAIL.url_path("key-of-run-2"), form, "sandbox-secret-1")

    from scrapy.http import Response

    response = mw.process_response(queued, Response(queued.url, status=200, request=queued))
    assert (queued.url, queued.body) == (stored_url, stored_body)
    assert response.url == stored_url


def test_a_fixed_gateway_is_named_as_it_is():
    crawler, mw, request = build()
    assert request.url.startswith("http://127.0.0.1:9/openapi/") and request.url.endswith("/8668866")
