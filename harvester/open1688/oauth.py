"""OAuth for the 1688 gateway: the authorisation URL, code exchange, refresh, postpone, the token file.

The access token lives about 10 hours and a crawl can run longer, so tokens
carry their expiry and callers refresh ahead of it. Everything here is
synchronous (``requests``); Scrapy components call it from a thread.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import requests

from . import endpoints
from .outcomes import Action, GatewayError, Outcome, classify

REAL_AUTHORIZE_URL = "https://auth.1688.com/oauth/authorize"
#: A postpone is only accepted in the refresh token's last 30 days.
POSTPONE_WINDOW = timedelta(days=30)


def parse_gateway_time(value: Any) -> datetime | None:
    """``20121222222222+0800`` (and the ``...000+0800`` millisecond form) as an aware datetime."""
    if not isinstance(value, str) or len(value) < 19:
        return None
    digits, offset = value[:-5], value[-5:]
    try:
        moment = datetime.strptime(digits[:14], "%Y%m%d%H%M%S")
        sign = 1 if offset[0] == "+" else -1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
    except ValueError:
        return None
    return moment.replace(tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None = None
    access_expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    member_id: str | None = None
    resource_owner: str | None = None

    def expires_within(self, seconds: float, now: datetime | None = None) -> bool:
        if self.access_expires_at is None:
            return False
        now = now or datetime.now(UTC)
        return self.access_expires_at - now <= timedelta(seconds=seconds)

    def can_postpone(self, now: datetime | None = None) -> bool:
        if self.refresh_token is None or self.refresh_expires_at is None:
            return False
        now = now or datetime.now(UTC)
        return now < self.refresh_expires_at <= now + POSTPONE_WINDOW

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("access_expires_at", "refresh_expires_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data

    @classmethod
    def from_json(cls, data: Any) -> Tokens:
        """Tokens from what :meth:`to_json` wrote; ValueError naming what is wrong with anything else."""
        if not isinstance(data, Mapping):
            raise ValueError(f"it holds a JSON {type(data).__name__}, not the object `scrapy auth` writes")
        if not isinstance(data.get("access_token"), str) or not data["access_token"]:
            raise ValueError("it holds no access_token")
        fields = {key: data.get(key) for key in cls.__dataclass_fields__}
        for key, value in fields.items():
            if value is not None and not isinstance(value, str):
                raise ValueError(f"its {key} is a JSON {type(value).__name__}, not text")
        for key in ("access_expires_at", "refresh_expires_at"):
            if fields[key]:
                moment = datetime.fromisoformat(fields[key])
                # Written in UTC; a hand-edited one without an offset is read as UTC too (never compared naive).
                fields[key] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return cls(**fields)

    def __repr__(self) -> str:
        # Tokens end up in tracebacks and debug logs: never show the values.
        return f"Tokens(access_expires_at={self.access_expires_at}, refresh_expires_at={self.refresh_expires_at})"


def tokens_from_answer(document: Mapping[str, Any], *, now: datetime, previous: Tokens | None = None) -> Tokens:
    """Read a getToken/postponeToken answer; every value arrives as a string.

    Whether a refresh returns a new refresh token is unconfirmed, so the old
    one is kept when none comes back.
    """
    access = document.get("access_token") or (previous.access_token if previous else None)
    if not access:
        raise ValueError("the gateway's token answer holds no access_token")
    try:
        expires_in = float(document.get("expires_in") or 0)
    except (TypeError, ValueError):
        expires_in = 0
    refresh = document.get("refresh_token")
    refresh_expires = parse_gateway_time(document.get("refresh_token_timeout"))
    if not refresh and previous is not None:
        refresh, refresh_expires = previous.refresh_token, previous.refresh_expires_at
    return Tokens(
        access_token=str(access),
        refresh_token=str(refresh) if refresh else None,
        access_expires_at=now + timedelta(seconds=expires_in) if expires_in > 0 else None,
        refresh_expires_at=refresh_expires,
        member_id=document.get("memberId") or (previous.member_id if previous else None),
        resource_owner=document.get("resource_owner") or (previous.resource_owner if previous else None),
    )


def authorize_url(app_key: str, redirect_uri: str, state: str, *, base: str = REAL_AUTHORIZE_URL) -> str:
    query = urlencode({"client_id": app_key, "site": "1688", "redirect_uri": redirect_uri, "state": state})
    return f"{base}?{query}"


def authorize_base_for(gateway: str) -> str:
    """The real gateway authorises on auth.1688.com; a sandbox serves ``/oauth/authorize`` itself."""
    if urlparse(gateway).hostname == urlparse(endpoints.DEFAULT_GATEWAY).hostname:
        return REAL_AUTHORIZE_URL
    return f"{gateway.rstrip('/')}/oauth/authorize"


def code_from_input(text: str, *, expected_state: str | None = None) -> str:
    """Accept either the bare ``code`` or the whole URL the browser was redirected to."""
    text = text.strip()
    if "://" not in text and "code=" not in text:
        if not text:
            raise ValueError("no code given: paste the code, or the whole URL the browser was sent to")
        return text
    params = parse_qs(urlparse(text).query if "://" in text else text)
    if "code" not in params:
        raise ValueError("that URL holds no code= parameter: paste the URL of the page 1688 redirected to")
    if expected_state is not None and params.get("state", [None])[0] != expected_state:
        raise ValueError("the state in that URL does not match this session; start `scrapy auth` again")
    return params["code"][0]


class OAuthClient:
    """Token exchange, refresh and postpone against one gateway for one app."""

    def __init__(
        self,
        gateway: str,
        app_key: str,
        app_secret: str,
        *,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ):
        if not app_key:
            raise ValueError("OPEN1688_APP_KEY is not set: give the app key from the 1688 console")
        if not app_secret:
            raise ValueError("OPEN1688_APP_SECRET is not set: give the app secret from the 1688 console")
        self.gateway = gateway
        self.app_key = app_key
        self._secret = app_secret
        self.session = session or requests.Session()
        self.timeout = timeout
        self._clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def _post(self, endpoint: endpoints.Endpoint, params: Mapping[str, Any]) -> Outcome:
        call = endpoints.build_call(endpoint, params, gateway=self.gateway, app_key=self.app_key)
        form = call.signed_params(secret=self._secret, access_token=None, timestamp_ms=int(self._clock() * 1000))
        response = self.session.post(call.url, data=form, timeout=self.timeout)
        outcome = classify(response.status_code, response.content, headers=response.headers, endpoint=endpoint)
        if outcome.action is not Action.OK:
            raise GatewayError(outcome)
        return outcome

    def exchange_code(self, code: str, redirect_uri: str) -> Tokens:
        outcome = self._post(
            endpoints.GET_TOKEN,
            {
                "grant_type": "authorization_code",
                "need_refresh_token": "true",
                "client_id": self.app_key,
                "client_secret": self._secret,
                "redirect_uri": redirect_uri,
                "code": code,
            },
        )
        return tokens_from_answer(outcome.document, now=self._now())

    def refresh(self, tokens: Tokens) -> Tokens:
        if not tokens.refresh_token:
            raise ValueError("the access token was rejected and there is no refresh token: run `scrapy auth`")
        outcome = self._post(
            endpoints.GET_TOKEN,
            {
                "grant_type": "refresh_token",
                "client_id": self.app_key,
                "client_secret": self._secret,
                "refresh_token": tokens.refresh_token,
            },
        )
        return tokens_from_answer(outcome.document, now=self._now(), previous=tokens)

    def postpone(self, tokens: Tokens) -> Tokens:
        """Extend a refresh token in its last 30 days; the gateway refuses earlier."""
        outcome = self._post(
            endpoints.POSTPONE_TOKEN,
            {
                "client_id": self.app_key,
                "client_secret": self._secret,
                "refresh_token": tokens.refresh_token,
                "access_token": tokens.access_token,
            },
        )
        return tokens_from_answer(outcome.document, now=self._now(), previous=tokens)


def loose_mode_advice(path: Path, mode: int) -> str:
    """What to say about a token file others may read (``scrapy doctor`` and every crawl say the same)."""
    return f"{path} has mode {mode:o}: run `chmod 600 {path}`"


class TokenFile:
    """Tokens on disk, readable only by their owner, replaced atomically."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path).expanduser()

    def load(self) -> Tokens | None:
        """The tokens; None when there is no file. Anything else that is not a token file (a folder, an
        unreadable, empty, binary or hand-broken file) is a ValueError naming the file and what to do."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise ValueError(
                f"the token file {self.path} is a folder: point OPEN1688_TOKEN_FILE at the file `scrapy auth` writes"
            ) from None
        except OSError as error:
            raise ValueError(
                f"cannot read the token file {self.path} ({error.strerror or error}): fix its "
                "permissions or OPEN1688_TOKEN_FILE"
            ) from None
        try:
            if not raw.strip():
                raise ValueError("it is empty")
            try:
                document = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise ValueError("it is not JSON text") from None
            return Tokens.from_json(document)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{self.path} is not a token file ({error}): run `scrapy auth` again") from None

    def loose_mode(self) -> int | None:
        """The file's mode when others may read or write it (a leaked account), else None."""
        try:
            mode = self.path.stat().st_mode & 0o777
        except OSError:
            return None
        return mode if mode & 0o077 else None

    def save(self, tokens: Tokens) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".token-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(tokens.to_json(), handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
