"""OAuth over recorded sandbox answers: authorise, exchange the code, refresh; a reused code; an early postpone.

Recorded against the sandbox and replayed offline: see ``tests/integration/cassettes.py``
for how to re-record and why replay does not depend on time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from harvester.open1688.oauth import OAuthClient, Tokens, authorize_base_for, authorize_url, code_from_input
from harvester.open1688.outcomes import GatewayError

from .cassettes import (
    ACCESS_TOKEN,
    APP_KEY,
    APP_SECRET,
    FROZEN_NOW,
    REDIRECT_URI,
    REFRESH_TOKEN,
    Tape,
    frozen_clock,
)

STATE = "cassette-state"
NOW = datetime.fromtimestamp(FROZEN_NOW, UTC)


def oauth_client(tape: Tape) -> OAuthClient:
    return OAuthClient(tape.gateway, APP_KEY, APP_SECRET, session=tape.session, clock=frozen_clock)


def authorise(tape: Tape) -> str:
    """What the user does in the browser: the sandbox approves at once and redirects with a code."""
    url = authorize_url(APP_KEY, REDIRECT_URI, STATE, base=authorize_base_for(tape.gateway))
    redirect = tape.session.get(url, allow_redirects=False)
    assert redirect.status_code == 302
    assert redirect.headers["Location"].startswith(REDIRECT_URI + "?")
    code = code_from_input(redirect.headers["Location"], expected_state=STATE)
    tape.issued("<AUTH_CODE>", code)
    return code


def test_oauth_authorise_exchange_refresh(tape):
    client = oauth_client(tape)
    tokens = client.exchange_code(authorise(tape), REDIRECT_URI)
    tape.issued("<ISSUED_ACCESS_TOKEN>", tokens.access_token)
    tape.issued("<ISSUED_REFRESH_TOKEN>", tokens.refresh_token)
    assert tokens.access_expires_at == NOW + timedelta(hours=10)
    assert tokens.refresh_expires_at is not None
    assert tokens.member_id and tokens.resource_owner

    refreshed = client.refresh(tokens)
    tape.issued("<REFRESHED_ACCESS_TOKEN>", refreshed.access_token)
    assert refreshed.access_token != tokens.access_token
    assert refreshed.refresh_token == tokens.refresh_token, "no new refresh token: the old one is kept"
    assert refreshed.refresh_expires_at == tokens.refresh_expires_at
    assert refreshed.access_expires_at == NOW + timedelta(hours=10)


def test_oauth_code_works_once(tape):
    client = oauth_client(tape)
    code = authorise(tape)
    tokens = client.exchange_code(code, REDIRECT_URI)
    tape.issued("<ISSUED_ACCESS_TOKEN>", tokens.access_token)
    tape.issued("<ISSUED_REFRESH_TOKEN>", tokens.refresh_token)
    with pytest.raises(GatewayError) as refused:
        client.exchange_code(code, REDIRECT_URI)
    outcome = refused.value.outcome
    assert (outcome.status, outcome.code) == (400, "invalid_grant")
    assert "already used" in outcome.document["error_description"]


def test_oauth_postpone_refused_before_the_last_30_days(tape):
    with pytest.raises(GatewayError) as refused:
        oauth_client(tape).postpone(Tokens(ACCESS_TOKEN, REFRESH_TOKEN))
    outcome = refused.value.outcome
    assert (outcome.status, outcome.code) == (400, "invalid_request")
    assert "last 30 days" in outcome.document["error_description"]
