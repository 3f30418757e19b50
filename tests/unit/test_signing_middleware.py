"""The signing middleware signs each attempt and leaves nothing of it on the request."""

import asyncio
from urllib.parse import parse_qs

import pytest

from harvester.gateway.access import GatewayAccess
from harvester.gateway.calls import api_request
from harvester.middlewares.signing import SigningMiddleware
from harvester.open1688 import endpoints, signing
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
