import os
from datetime import UTC, datetime, timedelta

import pytest

from harvester.open1688.oauth import (
    TokenFile,
    Tokens,
    authorize_base_for,
    authorize_url,
    code_from_input,
    parse_gateway_time,
    tokens_from_answer,
)

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
ANSWER = {
    "aliId": "8888",
    "resource_owner": "buyer1",
    "memberId": "b2b-1",
    "expires_in": "36000",
    "refresh_token": "REFRESH-PLACEHOLDER",
    "refresh_token_timeout": "20270528120000+0800",
    "access_token": "ACCESS-PLACEHOLDER",
}


def test_gateway_time():
    assert parse_gateway_time("20121222222222+0800") == datetime(2012, 12, 22, 14, 22, 22, tzinfo=UTC)
    assert parse_gateway_time("20181213201638000+0800") == datetime(2018, 12, 13, 12, 16, 38, tzinfo=UTC)
    assert parse_gateway_time("soon") is None
    assert parse_gateway_time(None) is None


def test_token_answer_all_strings():
    tokens = tokens_from_answer(ANSWER, now=NOW)
    assert tokens.access_expires_at == NOW + timedelta(hours=10)
    assert tokens.refresh_expires_at == datetime(2027, 5, 28, 4, tzinfo=UTC)
    assert tokens.expires_within(600, NOW + timedelta(hours=9, minutes=51))
    assert not tokens.expires_within(600, NOW + timedelta(hours=9))


def test_refresh_without_new_refresh_token_keeps_the_old_one():
    first = tokens_from_answer(ANSWER, now=NOW)
    second = tokens_from_answer(
        {"access_token": "NEW-ACCESS-PLACEHOLDER", "expires_in": "36000"}, now=NOW, previous=first
    )
    assert second.refresh_token == "REFRESH-PLACEHOLDER"
    assert second.refresh_expires_at == first.refresh_expires_at
    assert second.access_token == "NEW-ACCESS-PLACEHOLDER"


def test_postpone_window():
    tokens = tokens_from_answer(ANSWER, now=NOW)
    assert not tokens.can_postpone(NOW)
    assert tokens.can_postpone(datetime(2027, 5, 1, tzinfo=UTC))
    assert not tokens.can_postpone(datetime(2027, 6, 1, tzinfo=UTC))


def test_repr_hides_values():
    tokens = tokens_from_answer(ANSWER, now=NOW)
    assert "PLACEHOLDER" not in repr(tokens)


def test_token_file_mode_and_round_trip(tmp_path):
    tokens = tokens_from_answer(ANSWER, now=NOW)
    store = TokenFile(tmp_path / "sub" / "token.json")
    store.save(tokens)
    assert os.stat(store.path).st_mode & 0o777 == 0o600
    assert store.load() == tokens
    assert TokenFile(tmp_path / "none.json").load() is None
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="scrapy auth"):
        TokenFile(tmp_path / "bad.json").load()


def test_authorize_url():
    url = authorize_url("123", "http://127.0.0.1:9/cb", "st")
    assert (
        url
        == "https://auth.1688.com/oauth/authorize?client_id=123&site=1688&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&state=st"
    )
    assert authorize_base_for("https://gw.open.1688.com") == "https://auth.1688.com/oauth/authorize"
    assert authorize_base_for("http://127.0.0.1:8688/") == "http://127.0.0.1:8688/oauth/authorize"


def test_code_from_input():
    assert code_from_input("  abc123 ") == "abc123"
    assert code_from_input("http://127.0.0.1:9/cb?code=xyz&state=st", expected_state="st") == "xyz"
    with pytest.raises(ValueError, match="state"):
        code_from_input("http://127.0.0.1:9/cb?code=xyz&state=other", expected_state="st")
    with pytest.raises(ValueError, match="no code"):
        code_from_input("http://127.0.0.1:9/cb?error=denied")
    with pytest.raises(ValueError):
        code_from_input("   ")


def test_tokens_from_json_requires_access_token():
    with pytest.raises(ValueError):
        Tokens.from_json({"refresh_token": "x"})
