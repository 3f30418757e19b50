"""The checks behind ``scrapy doctor``: each says OK, WARN, FAIL or SKIP in one line, with what to do.

A first crawl with real credentials can fail in many places (secret,
token, ACL, clock, Redis, disk) and each is cheaper to find here, with one
call or none, than as the stop reason of a crawl. Checks that depend on an
earlier one (no signature check without a reachable gateway) skip with the
reason rather than piling up failures that all mean the same thing.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import redis

from ..dataset import storage
from ..distributed.connection import RedisUnavailable, masked
from ..open1688 import oauth, probes
from ..open1688.client import Client
from ..open1688.outcomes import Action, GatewayError, Outcome
from . import guards

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

_SIGNATURE_CODES = ("gw.SignatureInvalid", "gw.SignatureMissing")
#: Seconds a doctor's Redis connection may take: a reachable Redis answers in milliseconds.
REDIS_TIMEOUT = 2.0


class Status(enum.Enum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True)
class Result:
    status: Status
    check: str
    message: str

    def line(self) -> str:
        return f"{self.status.value:<4}  {self.check}: {self.message}"


def _ok(check: str, message: str) -> Result:
    return Result(Status.OK, check, message)


def _fail(check: str, message: str) -> Result:
    return Result(Status.FAIL, check, message)


def _skip(check: str, message: str) -> Result:
    return Result(Status.SKIP, check, message)


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{max(minutes, 0)} min"


def settings(values: BaseSettings) -> list[Result]:
    """The settings that guard spending or data (``harvester.checks.guards``): one line per wrong one."""
    found = guards.problems(values)
    if found:
        return [_fail("settings", problem) for problem in found]
    return [_ok("settings", f"the {len(guards.GUARDS)} settings that guard spending and data are valid")]


def credentials(missing: list[str], has_tokens: bool, token_source: str) -> Result:
    problems = []
    if missing:
        problems.append(
            f"{' and '.join(missing)} not set: export {'them' if len(missing) > 1 else 'it'} "
            "from the 1688 open platform console"
        )
    if not has_tokens:
        problems.append(f"no access token (none in OPEN1688_ACCESS_TOKEN or {token_source}): run `scrapy auth`")
    if problems:
        return _fail("credentials", "; ".join(problems))
    return _ok("credentials", f"app key, secret and tokens present (tokens from {token_source})")


def token_file_mode(token_file: oauth.TokenFile) -> Result | None:
    """A token file others can read is a leaked account: warn, only when there is one."""
    if not token_file.path.is_file():
        return None
    mode = token_file.loose_mode()
    if mode is not None:
        return Result(Status.WARN, "token file", oauth.loose_mode_advice(token_file.path, mode))
    return _ok("token file", f"{token_file.path} is readable only by you")


@dataclass(frozen=True)
class GatewayCheck:
    """What one ``currentTime`` call told: reachability, signature and the gateway's clock."""

    results: list[Result]
    accepted: bool


def gateway(client: Client, *, max_skew: float, clock: Callable[[], float] = time.time) -> GatewayCheck:
    started = clock()
    try:
        remote = client.current_time()
    except GatewayError as error:
        return GatewayCheck(_refused(client, error.outcome), accepted=False)
    local = datetime.fromtimestamp((started + clock()) / 2, UTC)
    reached = _ok("gateway", f"{client.gateway} answers")
    signed = _ok("signature", "accepted (system.currentTime)")
    return GatewayCheck([reached, signed, clock_skew(local, remote, max_skew)], accepted=True)


def _refused(client: Client, outcome: Outcome) -> list[Result]:
    after = [
        _skip("signature", "not checked: no answer from the gateway"),
        _skip("clock", "not checked: no answer from the gateway"),
    ]
    if outcome.code in ("gw.APIUnsupported", "html", "malformed_json"):
        return [
            _fail(
                "gateway",
                f"{client.gateway} answers, but not as the 1688 gateway ({outcome.code}): check OPEN1688_GATEWAY",
            ),
            *after,
        ]
    if outcome.action is Action.RETRY:
        return [_fail("gateway", outcome.message), *after]
    reached = _ok("gateway", f"{client.gateway} answers")
    skipped = _skip("clock", "not checked: the gateway refused the call")
    if outcome.code in _SIGNATURE_CODES:
        return [
            reached,
            _fail(
                "signature",
                f"signature rejected: check OPEN1688_APP_SECRET (it must be the secret of app key {client.app_key})",
            ),
            skipped,
        ]
    if "appkey" in outcome.code.lower():
        return [
            reached,
            _fail(
                "signature",
                f"the gateway does not know app key {client.app_key} ({outcome.code}): check OPEN1688_APP_KEY",
            ),
            skipped,
        ]
    return [reached, _fail("signature", outcome.message), skipped]


def clock_skew(local: datetime, remote: datetime, max_skew: float) -> Result:
    """The gateway writes whole seconds: its true time lies up to a second after what it says."""
    skew = (local - remote).total_seconds() - 0.5
    if abs(skew) <= max(max_skew, 0.5):
        return _ok("clock", f"within {max(abs(skew), 0.5):.1f} s of the gateway's")
    direction = "ahead of" if skew > 0 else "behind"
    return Result(
        Status.WARN,
        "clock",
        f"the local clock is {abs(skew):.0f} s {direction} the gateway's "
        f"(more than OPEN1688_MAX_CLOCK_SKEW={max_skew:g}): sync it with NTP",
    )


def token(client: Client, tokens: oauth.Tokens, source: str, now: datetime) -> list[Result]:
    """One cheap business call with the token as it is: no refresh, so a stale token shows up here."""
    denied = []
    for result in probes.probe(client):
        if result.denied:
            denied.append(result.endpoint.qualified_name)
            continue
        outcome = result.outcome
        if result.allowed:
            return [_token_ok(tokens, source, now, result.endpoint.qualified_name), *_denied(denied)]
        if outcome.action is Action.REFRESH_TOKEN:
            return [
                _fail(
                    "token",
                    "the access token was rejected (expired or revoked): run `scrapy auth --refresh`, "
                    "or `scrapy auth` if that fails",
                )
            ]
        return [_fail("token", outcome.message), *_denied(denied)]
    return [
        _fail(
            "token",
            "not checked: the app may call none of the product APIs; request them in the 1688 "
            "console (`scrapy auth` lists them)",
        ),
        *_denied(denied),
    ]


def _token_ok(tokens: oauth.Tokens, source: str, now: datetime, api: str) -> Result:
    if tokens.access_expires_at is None:
        expiry = f"expiry unknown (tokens from {source})"
    else:
        expiry = (
            f"expires {tokens.access_expires_at:%Y-%m-%d %H:%M} UTC (in {_duration(tokens.access_expires_at - now)})"
        )
    if tokens.refresh_expires_at is not None and tokens.refresh_expires_at - now <= oauth.POSTPONE_WINDOW:
        return Result(
            Status.WARN,
            "token",
            f"accepted by {api}; {expiry}; the refresh token expires "
            f"{tokens.refresh_expires_at:%Y-%m-%d}: run `scrapy auth --postpone`",
        )
    return _ok("token", f"accepted by {api}; {expiry}")


def _denied(names: list[str]) -> list[Result]:
    if not names:
        return []
    return [
        Result(
            Status.WARN,
            "APIs",
            f"not granted to this app: {', '.join(names)}; request them in the 1688 "
            "console (`scrapy auth` lists every API)",
        )
    ]


def without_refresh(tokens: oauth.Tokens) -> oauth.Tokens:
    return dataclasses.replace(tokens, refresh_token=None)


def redis_server(url: str | None) -> Result:
    if not url:
        return _skip("redis", "not configured: only distributed crawls (--distributed, HARVEST_DISTRIBUTED) need Redis")
    try:
        connection = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
    except ValueError as error:
        return _fail(
            "redis", f"REDIS_URL={masked(url)} is not a Redis URL ({error}): give e.g. redis://127.0.0.1:6379/0"
        )
    try:
        with connection:
            connection.ping()
    except redis.ResponseError as error:  # it answered: say so, as a crawl would
        return _fail("redis", str(RedisUnavailable.of(url, error)))
    except redis.RedisError as error:
        return _fail(
            "redis", f"cannot reach {masked(url)} ({type(error).__name__}: {error}): start Redis or fix REDIS_URL"
        )
    return _ok("redis", f"{masked(url)} answers PING")


#: What to fix for the AWS error codes pyarrow reports (``AWS Error CODE during ...``).
_S3_FIXES = {
    "NO_SUCH_BUCKET": "create the bucket, or fix its name in HARVEST_DATA_DIR",
    "ACCESS_DENIED": "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket's policy (PutObject, "
    "DeleteObject, ListBucket, GetObject)",
    "INVALID_ACCESS_KEY_ID": "check AWS_ACCESS_KEY_ID",
    "SIGNATURE_DOES_NOT_MATCH": "check AWS_SECRET_ACCESS_KEY",
    "NETWORK_CONNECTION": "check AWS_ENDPOINT_URL (is the server up and reachable?)",
}
_AWS_ERROR = re.compile(r"AWS Error ([A-Z_]+)")


def data_dir(path: str, settings: BaseSettings | None = None) -> Result:
    """``HARVEST_DATA_DIR`` resolves (a folder or a URI) and takes a small file (written, then deleted)."""
    try:
        target = storage.resolve(path or "", settings)
    except storage.StorageError as error:
        return _fail("data dir", str(error))
    try:
        target.check_writable()
    except OSError as error:
        if target.local:
            reason = error.strerror or type(error).__name__
            return _fail(
                "data dir",
                f"HARVEST_DATA_DIR={path} is not writable ({reason}): choose a folder you can "
                "write to (-s HARVEST_DATA_DIR=PATH)",
            )
        detail = (str(error).splitlines() or [type(error).__name__])[0]
        code = _AWS_ERROR.search(detail)
        if target.uri.lower().startswith(("s3://", "s3a://")):
            fix = _S3_FIXES.get(code.group(1) if code else "", "check the bucket, AWS_ENDPOINT_URL and the credentials")
        else:
            fix = f"check the bucket and this machine's credentials for {target.uri.split(':', 1)[0]}://"
        if (
            isinstance(error, (FileNotFoundError, PermissionError))
            and target.spool is not None
            and str(target.spool) in detail
        ):
            fix = "choose a local folder you can write to for HARVEST_SPOOL_DIR"
        return _fail("data dir", f"HARVEST_DATA_DIR={path} is not writable ({detail[:300]}): {fix}")
    if target.local:
        return _ok("data dir", f"{target.root} is writable")
    return _ok(
        "data dir",
        f"{target.show()} is writable (a test object written and deleted); part files are built in {target.spool}",
    )
