"""OAuth (PROTOCOL.md section 3) against the in-process gateway, time moved by hand."""

from urllib.parse import parse_qs, urlsplit

import pytest

from harvester.open1688 import endpoints
from harvester.open1688 import outcomes as errors
from harvester.open1688.outcomes import Action

from .sandbox_calls import APP_KEY, REFRESH, SECRET, TOKEN, Clock, call, make_gateway, search

DAY = 86_400
REDIRECT = "https://harvester.example/callback"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def gateway(sandbox_catalogue, clock):
    return make_gateway(sandbox_catalogue, clock)


def authorize(gateway, state="xyz", redirect=REDIRECT):
    answer = gateway.handle(
        "GET", "/oauth/authorize", {"client_id": APP_KEY, "site": "1688", "redirect_uri": redirect, "state": state}
    )
    assert answer.status == 302
    location = dict(answer.headers)["Location"]
    assert location.startswith(redirect)
    return parse_qs(urlsplit(location).query)


def get_token(gateway, **form):
    values = {"client_id": APP_KEY, "client_secret": SECRET, **form}
    return call(gateway, endpoints.GET_TOKEN, values, token=None)


def exchange(gateway, code, **extra):
    return get_token(
        gateway, grant_type="authorization_code", need_refresh_token="true", redirect_uri=REDIRECT, code=code, **extra
    )


def test_authorize_redirects_with_a_code_and_the_state(gateway):
    query = authorize(gateway)
    assert query["state"] == ["xyz"] and len(query["code"][0]) >= 16
    assert (
        "&code="
        in dict(
            gateway.handle(
                "GET", "/oauth/authorize", {"client_id": APP_KEY, "site": "1688", "redirect_uri": REDIRECT + "?a=1"}
            ).headers
        )["Location"]
    )


def test_authorize_refuses_unknown_clients(gateway):
    assert gateway.handle("GET", "/oauth/authorize", {"client_id": "42", "redirect_uri": REDIRECT}).status == 400
    assert gateway.handle("GET", "/oauth/authorize", {"client_id": APP_KEY}).status == 400


def test_code_exchange_answers_strings_and_the_token_works(gateway):
    code = authorize(gateway)["code"][0]
    answer = exchange(gateway, code)
    assert answer.status == 200
    tokens = answer.json()
    assert list(tokens) == [
        "aliId",
        "resource_owner",
        "memberId",
        "expires_in",
        "refresh_token",
        "refresh_token_timeout",
        "access_token",
    ]
    assert all(isinstance(value, str) for value in tokens.values())
    assert tokens["expires_in"] == "36000"
    assert len(tokens["refresh_token_timeout"]) == len("20121222222222+0800")
    assert tokens["refresh_token_timeout"].endswith("+0800")
    assert (
        call(
            gateway,
            endpoints.KEYWORD_SEARCH,
            {"offerQueryParam": {"keyword": "茶具", "country": "en"}},
            token=tokens["access_token"],
        ).status
        == 200
    )


def test_codes_are_single_use(gateway):
    code = authorize(gateway)["code"][0]
    assert exchange(gateway, code).status == 200
    again = exchange(gateway, code)
    assert again.status == 400 and again.json()["error"] == "invalid_grant"
    assert errors.classify(400, again.body, endpoint=endpoints.GET_TOKEN).action is not Action.OK


def test_codes_expire_after_two_minutes(gateway, clock):
    code = authorize(gateway)["code"][0]
    clock.advance(121)
    answer = exchange(gateway, code)
    assert (answer.status, answer.json()["error"]) == (400, "invalid_grant")
    assert "expired" in answer.json()["error_description"]


def test_code_bound_to_its_redirect_uri(gateway):
    code = authorize(gateway)["code"][0]
    answer = get_token(gateway, grant_type="authorization_code", code=code, redirect_uri="https://elsewhere/")
    assert answer.json()["error"] == "invalid_grant"


def test_without_need_refresh_token_no_refresh_token(gateway):
    code = authorize(gateway)["code"][0]
    answer = get_token(gateway, grant_type="authorization_code", redirect_uri=REDIRECT, code=code)
    assert "refresh_token" not in answer.json() and "access_token" in answer.json()


def test_bad_client_credentials(gateway):
    answer = get_token(gateway, grant_type="refresh_token", refresh_token=REFRESH, client_secret="wrong")
    assert (answer.status, answer.json()["error"]) == (401, "invalid_client")
    assert set(answer.json()) == {"error", "error_description"}


def test_unsupported_grant_and_missing_fields(gateway):
    assert get_token(gateway, grant_type="password").json()["error"] == "unsupported_grant_type"
    assert get_token(gateway, grant_type="authorization_code").json()["error"] == "invalid_request"
    assert get_token(gateway, grant_type="refresh_token").json()["error"] == "invalid_request"


def test_get_token_is_unsigned_and_not_rate_limited(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, qps=1)
    for _ in range(3):
        assert get_token(gateway, grant_type="refresh_token", refresh_token=REFRESH).status == 200


def test_refresh_keeps_the_refresh_token_unless_rotating(gateway, clock):
    clock.advance(40_000)
    assert search(gateway).status == 401, "the pre-issued access token expired"
    refreshed = get_token(gateway, grant_type="refresh_token", refresh_token=REFRESH).json()
    assert "refresh_token" not in refreshed and refreshed["expires_in"] == "36000"
    assert search(gateway).status == 401
    assert (
        call(
            gateway,
            endpoints.KEYWORD_SEARCH,
            {"offerQueryParam": {"keyword": "茶具", "country": "en"}},
            token=refreshed["access_token"],
        ).status
        == 200
    )
    assert get_token(gateway, grant_type="refresh_token", refresh_token=REFRESH).status == 200

    gateway.configure({"rotate_refresh_token": True, "access_token_lifetime": 600})
    rotated = get_token(gateway, grant_type="refresh_token", refresh_token=REFRESH).json()
    assert rotated["refresh_token"] != REFRESH and rotated["expires_in"] == "600"
    assert get_token(gateway, grant_type="refresh_token", refresh_token=REFRESH).json()["error"] == "invalid_grant"
    assert get_token(gateway, grant_type="refresh_token", refresh_token=rotated["refresh_token"]).status == 200


def test_refresh_token_expires(gateway, clock):
    clock.advance(181 * DAY)
    answer = get_token(gateway, grant_type="refresh_token", refresh_token=REFRESH)
    assert (answer.status, answer.json()["error"]) == (400, "invalid_grant")


def postpone(gateway, refresh_token=REFRESH, access_token=TOKEN):
    return call(
        gateway,
        endpoints.POSTPONE_TOKEN,
        {
            "client_id": APP_KEY,
            "client_secret": SECRET,
            "refresh_token": refresh_token,
            "access_token": access_token,
        },
        token=None,
    )


def test_postpone_only_in_the_last_thirty_days(gateway, clock):
    early = postpone(gateway)
    assert early.status == 400 and "30 days" in early.json()["error_description"]
    clock.advance(149 * DAY)
    assert postpone(gateway).status == 400
    clock.advance(2 * DAY)
    answer = postpone(gateway)
    assert answer.status == 200
    renewed = answer.json()["refresh_token"]
    assert renewed != REFRESH and answer.json()["refresh_token_timeout"].endswith("+0800")
    assert get_token(gateway, grant_type="refresh_token", refresh_token=REFRESH).json()["error"] == "invalid_grant"
    clock.advance(100 * DAY)
    assert get_token(gateway, grant_type="refresh_token", refresh_token=renewed).status == 200


def test_postpone_is_signed(gateway):
    answer = call(
        gateway,
        endpoints.POSTPONE_TOKEN,
        {"client_id": APP_KEY, "client_secret": SECRET, "refresh_token": REFRESH, "access_token": TOKEN},
        token=None,
        secret="wrong",
    )
    assert answer.json()["error_code"] == "gw.SignatureInvalid"


def test_expire_tokens(gateway):
    assert search(gateway).status == 200
    gateway.tokens.expire_access_tokens()
    assert search(gateway).status == 401
    assert get_token(gateway, grant_type="refresh_token", refresh_token=REFRESH).status == 200
