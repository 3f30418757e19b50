"""Betamax for the parts built on ``requests`` (OAuth, the synchronous client): record once, replay in CI.

Recording (``HARVEST_RECORD_CASSETTES=1 python -m pytest tests/integration/test_cassettes_*.py``)
starts a sandbox with the fixed, obviously fake credentials below and seed
1688, deletes each test's cassette and records it anew. Otherwise the
cassettes replay with record mode ``none``: no sandbox, no network, and a
request the cassette does not hold fails the test.

How replay stays deterministic:

- The clients get a frozen clock (``FROZEN_NOW``), so ``_aop_timestamp`` and
  every expiry computed from ``expires_in`` are the same on every run.
- The ``aop-form`` matcher compares method and URI (betamax's own matchers)
  and then every form field but ``_aop_timestamp`` and ``_aop_signature``.
  The signature must be left out: a call signed with a token issued while
  recording carries, on replay, that token's stand-in, so its signature
  differs. Everything else, ``access_token`` included, must match exactly,
  which proves for instance that a replayed call uses the refreshed token.
- Identical requests (a code tried twice) get their answers in recorded
  order: betamax marks an interaction used once it has been played.

How secrets stay out of the cassettes:

- The fixed credentials are betamax placeholders from the start. A value
  the sandbox issues while recording (authorisation code, tokens) is hidden
  by adding a placeholder as soon as the test knows it (``Tape.issued``),
  not by a ``before_record`` hook, which would also rewrite the live answer
  the test is reading. On replay each placeholder reads back as a fixed
  stand-in (``ISSUED``), and the test checks it got exactly that.
- The gateway's URL is a placeholder too (``<GATEWAY>``), so the sandbox's
  ephemeral port recorded today replays as ``REPLAY_GATEWAY``.
- Bodies are stored as text, not base64: betamax 0.9.0 applies placeholders
  to a body's ``string`` only, so ``preserve_exact_body_bytes=True`` would
  keep every secret in the cassette, merely base64-encoded. Text is exact
  here because the gateway answers uncompressed UTF-8 JSON: the recording
  session sends ``Accept-Encoding: identity`` (requests would otherwise
  advertise ``br, zstd``, which betamax could not store as text).
- Placeholders change body lengths, so a ``before_playback`` hook drops the
  stored ``Content-Length`` (urllib3 would otherwise refuse the body). Betamax
  keeps hooks as class state: ``tape`` installs ours and restores the
  previous set afterwards.

``test_cassettes_scan.py`` fails if a credential used while recording, or
anything shaped like a sandbox-issued token, is found in any cassette.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
from betamax import BaseMatcher, BaseSerializer, Betamax
from betamax.cassette.cassette import Cassette, Placeholder
from betamax.configure import Configuration

from harvester.open1688 import signing
from harvester.sandbox.process import SandboxProcess

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"
RECORDING = os.environ.get("HARVEST_RECORD_CASSETTES") == "1"
#: 2026-01-01T00:00:00Z: the clients' clock, recording and replaying.
FROZEN_NOW = 1_767_225_600.0
SEED = 1688
APP_KEY = "1000001"
APP_SECRET = "sandbox-cassette-app-secret"
ACCESS_TOKEN = "sandbox-cassette-access-token"
REFRESH_TOKEN = "sandbox-cassette-refresh-token"
REDIRECT_URI = "http://127.0.0.1:8765/callback"
#: Where replayed calls pretend to go (never contacted: betamax answers them).
REPLAY_GATEWAY = "http://sandbox.invalid"

#: Placeholder -> the fixed value it hides (the same recording and replaying).
FIXED = {"<APP_SECRET>": APP_SECRET, "<ACCESS_TOKEN>": ACCESS_TOKEN, "<REFRESH_TOKEN>": REFRESH_TOKEN}
#: Placeholder -> what a value the sandbox issued while recording reads as on replay.
ISSUED = {
    "<AUTH_CODE>": "replayed-authorisation-code",
    "<ISSUED_ACCESS_TOKEN>": "replayed-issued-access-token",
    "<ISSUED_REFRESH_TOKEN>": "replayed-issued-refresh-token",
    "<REFRESHED_ACCESS_TOKEN>": "replayed-refreshed-access-token",
}
_VOLATILE = {signing.TIMESTAMP_PARAM, signing.SIGNATURE_PARAM}


def frozen_clock() -> float:
    return FROZEN_NOW


def no_sleep(seconds: float) -> None:
    raise AssertionError(f"a recorded flow retried (it would have slept {seconds:.2f} s)")


def _form(body: Any) -> list[tuple[str, str]]:
    if isinstance(body, dict):
        body = body.get("string", "")
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    return sorted((k, v) for k, v in parse_qsl(body or "", keep_blank_values=True) if k not in _VOLATILE)


class AopFormMatcher(BaseMatcher):
    name = "aop-form"

    def match(self, request: requests.PreparedRequest, recorded_request: dict[str, Any]) -> bool:
        return _form(request.body) == _form(recorded_request["body"])


class PrettyJsonSerializer(BaseSerializer):
    """Indented, key-sorted JSON with Chinese as is: cassettes that can be read and reviewed in a diff."""

    name = "prettyjson"

    @staticmethod
    def generate_cassette_name(cassette_library_dir: str, cassette_name: str) -> str:
        return os.path.join(cassette_library_dir, f"{cassette_name}.json")

    def serialize(self, cassette_data: dict[str, Any]) -> str:
        return json.dumps(cassette_data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    def deserialize(self, cassette_data: str) -> dict[str, Any]:
        try:
            return json.loads(cassette_data)
        except ValueError:
            return {}


Betamax.register_request_matcher(AopFormMatcher)
Betamax.register_serializer(PrettyJsonSerializer)


def _drop_content_length(interaction: Any, cassette: Cassette) -> None:
    headers = interaction.data["response"]["headers"]
    for name in [name for name in headers if name.lower() == "content-length"]:
        del headers[name]


@contextmanager
def _own_hooks() -> Iterator[None]:
    """Betamax's hooks are class state: install ours for one test, then put back whatever was there."""
    saved = (
        {k: list(v) for k, v in Cassette.hooks.items()},
        {k: list(v) for k, v in Configuration.recording_hooks.items()},
    )
    Cassette.hooks.clear()
    Configuration.recording_hooks.clear()
    Cassette.hooks["before_playback"].append(_drop_content_length)
    try:
        yield
    finally:
        Cassette.hooks.clear()
        Cassette.hooks.update(saved[0])
        Configuration.recording_hooks.clear()
        Configuration.recording_hooks.update(saved[1])


@dataclass
class Tape:
    """A requests session on a cassette, and the sandbox behind it while recording."""

    session: requests.Session
    gateway: str
    recorder: Betamax
    sandbox: SandboxProcess | None

    def issued(self, placeholder: str, value: str | None) -> None:
        """A value the gateway just issued: hide it when recording; check its stand-in when replaying."""
        assert value, f"the gateway issued no value for {placeholder}"
        if self.sandbox is not None:
            cassette = self.recorder.current_cassette
            assert cassette is not None
            cassette.placeholders.append(Placeholder(placeholder=placeholder, replace=value))
        else:
            assert value == ISSUED[placeholder]


@pytest.fixture(scope="module")
def recording_sandbox() -> Iterator[SandboxProcess | None]:
    if not RECORDING:
        yield None
        return
    arguments = (
        "--seed",
        str(SEED),
        "--app-key",
        APP_KEY,
        "--app-secret",
        APP_SECRET,
        "--access-token",
        ACCESS_TOKEN,
        "--refresh-token",
        REFRESH_TOKEN,
    )
    with SandboxProcess(arguments=arguments) as sandbox:
        yield sandbox


@pytest.fixture
def tape(request: pytest.FixtureRequest, recording_sandbox: SandboxProcess | None) -> Iterator[Tape]:
    """The test's own cassette, ``tests/cassettes/{test name}.json``."""
    name = request.node.name
    if recording_sandbox is not None:
        recording_sandbox.restore()
        (CASSETTES / f"{name}.json").unlink(missing_ok=True)
        gateway = recording_sandbox.base_url
    else:
        gateway = REPLAY_GATEWAY
        if not (CASSETTES / f"{name}.json").exists():
            pytest.fail(f"no cassette {name}.json: record it with HARVEST_RECORD_CASSETTES=1 (see {__name__})")
    placeholders = [{"placeholder": "<GATEWAY>", "replace": gateway}]
    placeholders += [{"placeholder": p, "replace": v} for p, v in FIXED.items()]
    if recording_sandbox is None:
        placeholders += [{"placeholder": p, "replace": v} for p, v in ISSUED.items()]
    session = requests.Session()
    session.headers["Accept-Encoding"] = "identity"
    with _own_hooks(), Betamax(session, cassette_library_dir=str(CASSETTES)) as recorder:
        recorder.use_cassette(
            name,
            serialize_with=PrettyJsonSerializer.name,
            record="once" if recording_sandbox is not None else "none",
            match_requests_on=["method", "uri", AopFormMatcher.name],
            placeholders=placeholders,
            preserve_exact_body_bytes=False,
        )
        yield Tape(session, gateway, recorder, recording_sandbox)
