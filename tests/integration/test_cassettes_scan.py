"""No credential in any cassette, and every placeholder exactly where the recorded flow puts it.

Runs on the committed cassettes (and right after a re-recording, as
``test_cassettes_*`` sorts it last). See ``tests/integration/cassettes.py``.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from .cassettes import CASSETTES, FIXED, ISSUED

#: The shape of every code and token the sandbox issues.
ISSUED_SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PARTS = ("request.uri", "request.headers", "request.body", "response.url", "response.headers", "response.body")

_GATEWAY = {("<GATEWAY>", "request.uri"), ("<GATEWAY>", "response.url")}
_SIGNED = {("<ACCESS_TOKEN>", "request.body")} | _GATEWAY
_AUTHORISED = _GATEWAY | {
    ("<AUTH_CODE>", "response.headers"),
    ("<AUTH_CODE>", "request.body"),
    ("<APP_SECRET>", "request.body"),
    ("<ISSUED_ACCESS_TOKEN>", "response.body"),
    ("<ISSUED_REFRESH_TOKEN>", "response.body"),
}
#: Cassette -> (placeholder, part) pairs it must hold, and no others.
EXPECTED = {
    "test_oauth_authorise_exchange_refresh": _AUTHORISED
    | {("<ISSUED_REFRESH_TOKEN>", "request.body"), ("<REFRESHED_ACCESS_TOKEN>", "response.body")},
    "test_oauth_code_works_once": _AUTHORISED,
    "test_oauth_postpone_refused_before_the_last_30_days": _GATEWAY
    | {("<APP_SECRET>", "request.body"), ("<ACCESS_TOKEN>", "request.body"), ("<REFRESH_TOKEN>", "request.body")},
    "test_client_keyword_search": _SIGNED,
    "test_client_search_all_pages_through": _SIGNED,
    "test_client_product_details_with_a_missing_id": _SIGNED,
    "test_client_image_upload_and_search": _SIGNED,
    "test_client_gateway_error_names_the_api": _SIGNED,
    "test_client_refreshes_a_rejected_token_and_replays": _SIGNED
    | {
        ("<APP_SECRET>", "request.body"),
        ("<REFRESH_TOKEN>", "request.body"),
        ("<REFRESHED_ACCESS_TOKEN>", "response.body"),
        ("<REFRESHED_ACCESS_TOKEN>", "request.body"),
    },
}
PLACEHOLDERS = ["<GATEWAY>", *FIXED, *ISSUED]


def cassette_files() -> list[Path]:
    return sorted(CASSETTES.glob("*.json"))


def parts(interaction: dict) -> dict[str, str]:
    """Each part of an interaction as text, base64 bodies decoded so that nothing hides in them."""
    texts = {}
    for side, location in (("request", "uri"), ("response", "url")):
        record = interaction[side]
        texts[f"{side}.{location}"] = record[location]
        texts[f"{side}.headers"] = json.dumps(record["headers"], ensure_ascii=False)
        body = record["body"]
        text = body.get("string", "")
        if body.get("base64_string"):
            text += base64.b64decode(body["base64_string"]).decode("utf-8", "replace")
        texts[f"{side}.body"] = text
    return texts


def test_every_cassette_is_expected_and_every_expected_one_exists():
    assert {path.stem for path in cassette_files()} == set(EXPECTED)


@pytest.mark.parametrize("path", cassette_files(), ids=lambda path: path.stem)
def test_no_credential_in_a_cassette(path):
    text = path.read_text(encoding="utf-8")
    interactions = json.loads(text)["http_interactions"]
    assert interactions
    for interaction in interactions:
        for side in ("request", "response"):
            assert "base64_string" not in interaction[side]["body"], "placeholders only apply to text bodies"
    everything = text + "".join("".join(parts(i).values()) for i in interactions)
    for placeholder, value in FIXED.items():
        assert value not in everything, f"{placeholder}'s value is in {path.name}"
    for placeholder, stand_in in ISSUED.items():
        assert stand_in not in everything, f"{placeholder}'s replay stand-in leaked into {path.name}"
    assert not ISSUED_SHAPE.search(everything), f"a sandbox-issued code or token is in {path.name}"


@pytest.mark.parametrize("path", cassette_files(), ids=lambda path: path.stem)
def test_placeholders_are_where_the_flow_puts_them(path):
    interactions = json.loads(path.read_text(encoding="utf-8"))["http_interactions"]
    found = {
        (placeholder, part)
        for interaction in interactions
        for part, text in parts(interaction).items()
        for placeholder in PLACEHOLDERS
        if placeholder in text
    }
    assert found == EXPECTED[path.stem]
