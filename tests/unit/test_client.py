"""The synchronous client against a scripted transport: what it sends, and what it does with each answer."""

from __future__ import annotations

import json
import logging
import os
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

from harvester.open1688 import endpoints, signing
from harvester.open1688.client import Client
from harvester.open1688.oauth import TokenFile, Tokens
from harvester.open1688.outcomes import Action, GatewayError
from harvester.open1688.queries import QueryError

GATEWAY = "http://127.0.0.1:9"
APP_KEY = "1000001"
SECRET = "unit-test-app-secret"
ACCESS = "unit-test-access-token"
REFRESH = "unit-test-refresh-token"
NOW = 1_780_000_000.0
BASE = 600_000_000_000


def answer(status: int, document: Any, headers: dict[str, str] | None = None) -> Callable[..., requests.Response]:
    def build(request: requests.PreparedRequest) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(document, ensure_ascii=False).encode("utf-8")
        response.headers.update({"Content-Type": "application/json;charset=UTF-8", **(headers or {})})
        response.request, response.url = request, request.url
        return response

    return build


def refused(request: requests.PreparedRequest) -> requests.Response:
    raise requests.ConnectionError("connection refused")


def ok(result: Any) -> Callable[..., requests.Response]:
    return answer(200, {"result": {"success": True, "code": "200", "message": None, "result": result}})


def gateway_error(code: str, status: int = 400) -> Callable[..., requests.Response]:
    return answer(status, {"error_code": code, "error_message": code, "request_id": "r"})


class Script(BaseAdapter):
    """Answers requests in order from a list, and keeps what was sent."""

    def __init__(self, *answers: Callable[..., requests.Response]):
        super().__init__()
        self.answers = list(answers)
        self.sent: list[tuple[str, dict[str, str]]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        self.sent.append((urlsplit(request.url).path, dict(parse_qsl(body))))
        return self.answers.pop(0)(request)

    def close(self) -> None:
        pass

    def apis(self) -> list[str]:
        return [path.split("/")[-2] for path, _ in self.sent]


def make_client(script: Script, **options: Any) -> tuple[Client, list[float]]:
    session = requests.Session()
    session.mount("http://", script)
    sleeps: list[float] = []
    options = {"clock": lambda: NOW, "sleep": sleeps.append, "rng": random.Random(7), **options}
    tokens = () if "tokens" in options else (ACCESS, REFRESH)
    return Client(GATEWAY, APP_KEY, SECRET, *tokens, session=session, **options), sleeps


def test_a_keyword_search_is_one_signed_post_built_from_the_catalogue():
    page = {"totalRecords": 1, "totalPage": 1, "pageSize": 20, "currentPage": 2, "data": [{"offerId": 1}]}
    script = Script(ok(page))
    client, _ = make_client(script)
    assert client.keyword_search("保温杯", page=2, page_size=20, price_start="5", sort="price:asc") == page
    ((path, form),) = script.sent
    url_path = endpoints.KEYWORD_SEARCH.url_path(APP_KEY)
    assert path == f"/openapi/{url_path}"
    assert json.loads(form["offerQueryParam"]) == {
        "keyword": "保温杯",
        "beginPage": 2,
        "pageSize": 20,
        "country": "en",
        "priceStart": "5",
        "sort": '{"price":"asc"}',
    }
    assert '"保温杯"' in form["offerQueryParam"]
    assert form["_aop_timestamp"] == str(int(NOW * 1000)) and form["access_token"] == ACCESS
    assert signing.verify(url_path, form, SECRET)


@pytest.mark.parametrize(
    "arguments,message",
    [
        ({"colour": "red"}, "unknown search filter"),
        ({"price_start": "cheap"}, "price_start='cheap' is not a price"),
        ({"sort": "name"}, "unknown field"),
        ({"page": 0}, "page=0 must be a positive whole number"),
        ({"page_size": 51}, "outside 1..50"),
    ],
)
def test_bad_search_arguments_are_refused_before_any_call(arguments, message):
    script = Script()
    client, _ = make_client(script)
    with pytest.raises(QueryError, match=message):
        client.keyword_search("保温杯", **arguments)
    assert script.sent == []


def test_transient_trouble_is_retried_with_full_jitter_and_retry_after_is_honoured():
    script = Script(
        answer(502, {}),
        refused,
        gateway_error("gw.QosAppFrequencyLimit", 400),
        answer(400, {"error_code": "gw.QosAppFrequencyLimit"}, {"Retry-After": "7"}),
        ok("42"),
    )
    client, sleeps = make_client(script, backoff=1.0)
    assert client.upload_image(b"\xff\xd8jpeg") == "42"
    assert len(sleeps) == 4
    assert all(0 <= delay <= 2**attempt for attempt, delay in enumerate(sleeps[:3]))
    assert sleeps[3] >= 7


def test_it_gives_up_after_the_retries_and_says_so():
    script = Script(*[answer(503, {"error_code": "isp.busy", "error_message": "busy"})] * 3)
    client, sleeps = make_client(script, retries=2)
    with pytest.raises(GatewayError, match="gave up after 3 tries") as caught:
        client.product_detail(1)
    assert caught.value.outcome.action is Action.RETRY and len(sleeps) == 2


def test_an_unreachable_gateway_names_the_setting_to_check():
    client, _ = make_client(Script(refused), retries=0)
    with pytest.raises(GatewayError, match="cannot reach http://127.0.0.1:9 .*check OPEN1688_GATEWAY"):
        client.current_time()


@pytest.mark.parametrize(
    "code,hint",
    [
        ("gw.SignatureInvalid", "OPEN1688_APP_SECRET"),
        ("gw.APIACLDecline", "com.alibaba.fenxiao.crossborder:product.search.queryProductDetail-1"),
        ("gw.NoUsageLeftError", "console"),
    ],
)
def test_final_answers_raise_at_once_with_what_to_fix(code, hint):
    script = Script(gateway_error(code))
    client, sleeps = make_client(script)
    with pytest.raises(GatewayError, match=hint) as caught:
        client.product_details([1])
    assert caught.value.outcome.code == code and sleeps == [] and len(script.sent) == 1
    assert SECRET not in str(caught.value) and ACCESS not in str(caught.value)


def test_a_rejected_token_is_refreshed_once_saved_and_the_call_replayed(tmp_path):
    token_file = TokenFile(tmp_path / "token.json")
    refreshed = {"access_token": "unit-test-new-access", "expires_in": "36000"}
    script = Script(
        answer(401, {"error_code": "401", "error_message": "Request need user authorized"}),
        answer(200, refreshed),
        ok({"offerId": 5}),
    )
    client, _ = make_client(script, token_file=token_file)
    assert client.product_detail("5") == {"offerId": 5}
    assert script.apis() == ["product.search.queryProductDetail", "getToken", "product.search.queryProductDetail"]
    assert script.sent[1][1]["grant_type"] == "refresh_token" and script.sent[1][1]["refresh_token"] == REFRESH
    assert script.sent[2][1]["access_token"] == "unit-test-new-access"
    saved = token_file.load()
    assert saved is not None and saved.access_token == "unit-test-new-access" and saved.refresh_token == REFRESH
    assert saved.access_expires_at == datetime.fromtimestamp(NOW + 36000, UTC)
    assert os.stat(token_file.path).st_mode & 0o777 == 0o600


def test_a_token_rejected_again_after_the_refresh_is_final():
    unauthenticated = answer(401, {"error_code": "401", "error_message": "Request need user authorized"})
    script = Script(unauthenticated, answer(200, {"access_token": "unit-test-new-access"}), unauthenticated)
    client, _ = make_client(script)
    with pytest.raises(GatewayError, match="scrapy auth") as caught:
        client.product_detail(5)
    assert caught.value.outcome.action is Action.REFRESH_TOKEN and len(script.sent) == 3


def test_a_refused_refresh_says_to_authorise_again():
    script = Script(answer(401, {}), answer(400, {"error": "invalid_grant", "error_description": "expired"}))
    client, _ = make_client(script)
    with pytest.raises(GatewayError, match=r"refused to refresh it \(invalid_grant\): run `scrapy auth`") as caught:
        client.product_detail(5)
    assert caught.value.outcome.action is Action.FATAL
    assert REFRESH not in str(caught.value) and SECRET not in str(caught.value)


def test_a_known_expired_token_is_refreshed_before_the_call():
    expired = Tokens(ACCESS, REFRESH, access_expires_at=datetime.fromtimestamp(NOW - 1, UTC))
    script = Script(answer(200, {"access_token": "unit-test-new-access", "expires_in": "36000"}), ok("id"))
    client, _ = make_client(script, tokens=expired)
    client.upload_image(b"jpeg")
    assert script.apis() == ["getToken", "product.image.upload"]


def test_product_details_costs_one_call_per_offer_and_reports_the_missing_ids():
    def detail(offer_id: int) -> Callable[..., requests.Response]:
        return ok({"offerId": offer_id})

    gone = answer(200, {"result": {"success": False, "code": "OFFER_NOT_FOUND", "message": "商品不存在"}})
    script = Script(detail(BASE + 1), gone, detail(BASE + 3))
    client, _ = make_client(script)
    found, missing = client.product_details([BASE + 1, BASE + 2, str(BASE + 3), BASE + 1])
    assert [json.loads(form["offerDetailParam"])["offerId"] for _, form in script.sent] == [
        BASE + 1,
        BASE + 2,
        BASE + 3,
    ]
    assert [p["offerId"] for p in found] == [BASE + 1, BASE + 3]
    assert list(missing) == [BASE + 2] and "商品不存在" in missing[BASE + 2]
    with pytest.raises(QueryError, match="'abc' is not an offer id"):
        client.product_details(["abc"])


def test_search_all_pages_to_the_cap_and_warns_that_a_capped_total_may_hide_more(caplog):
    def page(number: int, count: int) -> Callable[..., requests.Response]:
        # A capped total, and a totalPage that is not to be trusted.
        return ok(
            {
                "totalRecords": 4,
                "totalPage": 41,
                "pageSize": 2,
                "currentPage": number,
                "data": [{"offerId": number * 10 + i} for i in range(count)],
            }
        )

    script = Script(page(1, 2), page(2, 2))
    client, _ = make_client(script)
    with caplog.at_level(logging.WARNING, logger="harvester.open1688.client"):
        items = list(client.search_all("风筝", page_size=2, cap=4, category_id=7))
    assert [item["offerId"] for item in items] == [10, 11, 20, 21]
    assert [json.loads(form["offerQueryParam"])["beginPage"] for _, form in script.sent] == [1, 2]
    assert "4 matches reach the search cap of 4" in caplog.text


def test_search_all_stops_at_a_short_page():
    script = Script(
        ok({"totalRecords": 3, "totalPage": 9, "data": [{"offerId": 1}, {"offerId": 2}]}),
        ok({"totalRecords": 3, "totalPage": 9, "data": [{"offerId": 3}]}),
    )
    client, _ = make_client(script)
    assert [item["offerId"] for item in client.search_all("风筝", page_size=2)] == [1, 2, 3]
    assert len(script.sent) == 2


def test_pacing_spaces_calls_by_one_over_qps():
    now = [NOW]
    script = Script(*[ok("x")] * 3)
    client, sleeps = make_client(
        script, qps=4, clock=lambda: now[0], sleep=lambda s: (sleeps.append(s), now.__setitem__(0, now[0] + s))
    )
    for _ in range(3):
        client.upload_image(b"jpeg")
    assert sleeps == [0.25, 0.25]


def test_current_time_is_a_signed_call_without_a_token():
    script = Script(answer(200, "20260102030405123+0800"))  # a bare JSON string, as the gateway answers
    client, _ = make_client(script)
    assert client.current_time() == datetime(2026, 1, 1, 19, 4, 5, tzinfo=UTC)
    ((_, form),) = script.sent
    assert "access_token" not in form and signing.verify(endpoints.CURRENT_TIME.url_path(APP_KEY), form, SECRET)


def test_current_time_refuses_an_answer_that_is_no_time():
    client, _ = make_client(Script(answer(200, "soon")))
    with pytest.raises(GatewayError, match="currentTime"):
        client.current_time()
    client, _ = make_client(Script(answer(400, {"error_code": "gw.SignatureInvalid", "error_message": "x"})))
    with pytest.raises(GatewayError, match="OPEN1688_APP_SECRET"):
        client.current_time()


def test_secrets_stay_out_of_the_repr():
    client, _ = make_client(Script())
    assert SECRET not in repr(client) and ACCESS not in repr(client) and REFRESH not in repr(client)
    assert "has_token=True" in repr(client)


def test_from_env_reads_the_variables_and_the_token_file(tmp_path, monkeypatch):
    store = TokenFile(tmp_path / "token.json")
    store.save(Tokens("file-access-token", "file-refresh-token"))
    for name, value in {
        "OPEN1688_GATEWAY": GATEWAY,
        "OPEN1688_APP_KEY": APP_KEY,
        "OPEN1688_APP_SECRET": SECRET,
        "OPEN1688_TOKEN_FILE": str(store.path),
        "OPEN1688_QPS": "0",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("OPEN1688_ACCESS_TOKEN", "OPEN1688_REFRESH_TOKEN", "OPEN1688_COUNTRY"):
        monkeypatch.delenv(name, raising=False)
    client = Client.from_env()
    assert (client.gateway, client.app_key, client.country) == (GATEWAY, APP_KEY, "en")
    assert client.tokens is not None and client.tokens.access_token == "file-access-token"
    assert client.token_file is not None
    monkeypatch.setenv("OPEN1688_ACCESS_TOKEN", "env-access-token")
    client = Client.from_settings({"OPEN1688_COUNTRY": "ja"})
    assert client.tokens is not None and client.tokens.access_token == "env-access-token"
    assert client.token_file is None and client.country == "ja"


@pytest.mark.parametrize(
    "environment,message",
    [
        ({"OPEN1688_GATEWAY": "sandbox"}, "scrapy sandbox --port 8688"),
        ({"OPEN1688_GATEWAY": "gw.open.1688.com"}, "is not a URL"),
        ({"OPEN1688_APP_KEY": ""}, "OPEN1688_APP_KEY is not set"),
        ({"OPEN1688_APP_SECRET": ""}, "OPEN1688_APP_SECRET is not set"),
        ({"OPEN1688_QPS": "fast"}, "OPEN1688_QPS='fast' is not a number"),
    ],
)
def test_from_env_names_what_is_missing(environment, message, monkeypatch, tmp_path):
    base = {
        "OPEN1688_GATEWAY": GATEWAY,
        "OPEN1688_APP_KEY": APP_KEY,
        "OPEN1688_APP_SECRET": SECRET,
        "OPEN1688_ACCESS_TOKEN": ACCESS,
        "OPEN1688_TOKEN_FILE": str(tmp_path / "none.json"),
    }
    for name, value in {**base, **environment}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        Client.from_env()
