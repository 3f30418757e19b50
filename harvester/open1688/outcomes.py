"""Turn any gateway answer into one typed outcome.

Spiders, middlewares and the synchronous client all ask this module what an
answer means, so a gateway code is interpreted in exactly one place and the
message a user reads about it (what went wrong, what to do) is written once.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from .endpoints import Endpoint


class Action(enum.Enum):
    OK = "ok"
    #: Transient trouble (5xx, timeouts, malformed or HTML answers): try again later.
    RETRY = "retry"
    #: The app is over its calls-per-second limit: back off, then try again.
    SLOW_DOWN = "slow_down"
    #: The access token is missing, invalid or expired: refresh it once, replay.
    REFRESH_TOKEN = "refresh_token"
    #: The paid call package is used up: stop cleanly, keep what was harvested.
    STOP = "stop"
    #: Configuration is wrong (secret, ACL, API name): nothing will succeed until fixed.
    FATAL = "fatal"
    #: This one call failed for a reason of its own (bad parameter, business error):
    #: count it and move on.
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    action: Action
    code: str = ""
    message: str = ""
    status: int = 200
    #: Seconds the gateway asked us to wait (``Retry-After``), if it said.
    retry_after: float | None = None
    #: The decoded answer document (``None`` when it could not be decoded).
    document: Any = None
    #: The data at the endpoint's result path.
    data: Any = None
    #: Per-item failures of a batch call: offer id -> reason.
    item_failures: Mapping[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.action is Action.OK

    @property
    def reason(self) -> str:
        """A short, stats-friendly label: the code, or the action when there is none."""
        return self.code or self.action.value

    @property
    def is_business(self) -> bool:
        """Whether the API behind the gateway gave this answer (such as 商品不存在), not the gateway (``gw.*``
        codes) or HTTP (``http.*``, named here when the answer had no code): only such an answer says something
        about the call's subject."""
        return not self.code.startswith(("gw.", "http."))


class GatewayError(Exception):
    """Raised by the synchronous client (and oauth) for any outcome that is not OK."""

    def __init__(self, outcome: Outcome):
        super().__init__(outcome.message)
        self.outcome = outcome


# Gateway error codes whose meaning is settled by PROTOCOL.md section 4.
_GATEWAY_CODES: dict[str, tuple[Action, str]] = {
    "gw.QosAppFrequencyLimit": (
        Action.SLOW_DOWN,
        "the app exceeded its calls-per-second limit; lower OPEN1688_QPS if this persists",
    ),
    # Per-API throttling (spelt QosAPIFrequencyLimit by the Java SDK): slowed down like the app-wide limit.
    "gw.QosApiFrequencyLimit": (
        Action.SLOW_DOWN,
        "{api} exceeded its own calls-per-second limit; lower OPEN1688_QPS if this persists",
    ),
    "gw.ISPInvokeError": (Action.RETRY, "the service behind {api} failed"),
    "gw.ISPInvokeTimeout": (Action.RETRY, "the service behind {api} timed out"),
    "gw.ISPConnectError": (Action.RETRY, "the gateway could not reach the service behind {api}"),
    "gw.NoUsageLeftError": (
        Action.STOP,
        "the app's paid call package is used up; buy more calls in the 1688 console, then resume the crawl",
    ),
    "gw.APIACLDecline": (
        Action.FATAL,
        "the app may not call {api}; request it for this app key in the 1688 open platform console",
    ),
    "gw.SignatureInvalid": (
        Action.FATAL,
        "the gateway rejected the signature; check OPEN1688_APP_SECRET (it must be this app key's secret)",
    ),
    "gw.SignatureMissing": (
        Action.FATAL,
        "the gateway found no valid signature; check OPEN1688_APP_SECRET and that the gateway URL is right",
    ),
    "gw.AppKeyMissing": (
        Action.FATAL,
        "no app key in the call; set OPEN1688_APP_KEY (or leave it unset to use the built-in sandbox)",
    ),
    "gw.APIUnsupported": (
        Action.FATAL,
        "the gateway does not know {api}; check OPEN1688_GATEWAY points at the 1688 open platform",
    ),
}

#: Errors of the service behind the gateway: retried, but at most ``OPEN1688_ISP_RETRY_TIMES`` times.
ISP_CODES = frozenset({"gw.ISPInvokeError", "gw.ISPInvokeTimeout", "gw.ISPConnectError"})
#: Gateway codes as they are matched: case and the ``gw.`` prefix do not matter (clients spell them differently).
_CANONICAL = {code.lower().removeprefix("gw."): code for code in _GATEWAY_CODES}


def canonical_code(code: str) -> str:
    """``QOSAPIFREQUENCYLIMIT`` or ``gw.QosAPIFrequencyLimit`` -> ``gw.QosApiFrequencyLimit``; others as sent."""
    return _CANONICAL.get(code.lower().removeprefix("gw."), code)


# Business codes (HTTP 200, success false) that are worth a retry.
_TRANSIENT_BUSINESS = re.compile(r"busy|timeout|time_out|繁忙|超时|try again|isp\.", re.IGNORECASE)
# "57002765XXX:商品不存在" entries in a batch call's message.
_ITEM_FAILURE = re.compile(r"(\d{1,20})\s*[:：]\s*([^;,；，\n]+)")


def _truthy(value: Any) -> bool | None:
    """``success`` arrives as a bool or as the strings "true"/"false"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def decode_body(body: bytes, content_type: str = "") -> str:
    """Decode an answer, tolerating the odd GBK page a proxy or error path returns."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = re.search(r"charset=([\w-]+)", content_type, re.IGNORECASE)
    for encoding in ([match.group(1)] if match else []) + ["gb18030"]:
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("utf-8", errors="replace")


def parse_document(body: bytes, content_type: str = "") -> Any:
    """The decoded JSON document, or None when the body is not JSON.

    orjson reads a 150 KB batch answer about three times faster than the
    standard library; whatever it refuses (another encoding, integers past 64
    bits, NaN) gets a second chance with the standard library, so what counts
    as an answer does not depend on the parser.
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    text = decode_body(body, content_type)
    try:
        return json.loads(text) if text.strip() else None
    except (ValueError, RecursionError):
        return None


def parse_retry_after(value: str | bytes | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds only; the gateway sends no dates)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def parse_item_failures(message: Any) -> dict[int, str]:
    """Offer ids a batch call reports as failed, with the reason it gave."""
    if not isinstance(message, str):
        return {}
    return {int(offer_id): reason.strip() for offer_id, reason in _ITEM_FAILURE.findall(message)}


def _dig(document: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(document, Mapping):
            return None
        document = document.get(key)
    return document


#: Each API's envelope spells its flag, code and message its own way (PROTOCOL.md section 4): most say
#: success/code/message; keywordSNQuery and the analyze APIs retCode/retMsg; category.get succes (sic),
#: errorCode and errorMsg.
_SUCCESS_KEYS = ("success", "succes")
_CODE_KEYS = ("code", "retCode", "errorCode")
_MESSAGE_KEYS = ("message", "retMsg", "errorMsg", "msg")


def _first(envelope: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    return next((envelope[key] for key in keys if envelope.get(key) is not None), None)


def _envelope(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """Where the success flag, code and message live: inside ``result`` or at the top."""
    inner = document.get("result")
    if isinstance(inner, Mapping) and any(key in inner for key in _SUCCESS_KEYS):
        return inner
    return document


def _api_label(endpoint: Endpoint | None) -> str:
    return endpoint.qualified_name if endpoint else "this API"


def classify(
    status: int,
    body: bytes,
    *,
    headers: Mapping[str, str] | None = None,
    endpoint: Endpoint | None = None,
) -> Outcome:
    """What an answer means for the harvest, with a message that says what to do."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    retry_after = parse_retry_after(headers.get("retry-after"))
    api = _api_label(endpoint)
    document = parse_document(body, headers.get("content-type", ""))

    if endpoint is not None and endpoint.bare and status < 400 and isinstance(document, str):
        # system.currentTime answers a bare JSON string ("20261010164552223+0800").
        return Outcome(Action.OK, "", "", status, retry_after, document, document)
    if not isinstance(document, Mapping):
        text = decode_body(body, headers.get("content-type", ""))
        if status >= 500 or status == 429:
            return Outcome(Action.RETRY, f"http.{status}", f"{api} answered HTTP {status}", status, retry_after)
        if status == 401:
            return _auth_outcome(status, "", "", api)
        kind = "html" if text.lstrip()[:1] == "<" else "malformed_json"
        return Outcome(
            Action.RETRY,
            kind,
            f"{api} answered HTTP {status} with a body that is not a JSON object ({kind})",
            status,
            retry_after,
        )

    # A business envelope of its own (category.get's {succes, errorCode, errorMsg}) is not a gateway error.
    enveloped = status < 400 and any(key in document for key in _SUCCESS_KEYS)
    top_code = document.get("error_code") or (None if enveloped else document.get("errorCode"))
    code = canonical_code(str(top_code or _oauth_error(document) or ""))
    gateway_message = str(
        document.get("error_message") or document.get("errorMessage") or document.get("error_description") or ""
    )

    oauth_error = _oauth_error(document)
    if oauth_error:
        # OAuth endpoints refuse with {"error": ...}, 400 or 401: about the app or the grant, not a token to refresh.
        if oauth_error == "invalid_client":
            return Outcome(
                Action.FATAL,
                oauth_error,
                "the gateway refused the app's credentials (invalid_client): check OPEN1688_APP_KEY and "
                "OPEN1688_APP_SECRET",
                status,
                retry_after,
                document,
            )
        return Outcome(
            Action.FAILED,
            oauth_error,
            f"{api} refused the grant ({oauth_error}: {gateway_message}); run `scrapy auth` again if it persists",
            status,
            retry_after,
            document,
        )
    if status == 401:
        return _auth_outcome(status, code, gateway_message, api, document)
    if status == 429:
        return Outcome(Action.SLOW_DOWN, code or "http.429", f"{api}: too many requests", status, retry_after, document)
    if status >= 500:
        return Outcome(
            Action.RETRY,
            code or f"http.{status}",
            f"{api} answered HTTP {status}: {gateway_message}",
            status,
            retry_after,
            document,
        )
    if status >= 400 or code:
        if code in _GATEWAY_CODES:
            action, advice = _GATEWAY_CODES[code]
            return Outcome(action, code, f"{code}: {advice.format(api=api)}", status, retry_after, document)
        if "appkey" in code.lower():
            return Outcome(
                Action.FATAL,
                code,
                f"{code}: the gateway does not accept this app key; check OPEN1688_APP_KEY",
                status,
                retry_after,
                document,
            )
        if "token" in code.lower() and "grant" not in code.lower():
            return _auth_outcome(status, code, gateway_message, api, document)
        return Outcome(
            Action.FAILED,
            code or f"http.{status}",
            f"{api} refused the call (HTTP {status} {code}: {gateway_message}); check the call's parameters",
            status,
            retry_after,
            document,
        )

    envelope = _envelope(document)
    flag = _first(envelope, _SUCCESS_KEYS)
    success = _truthy(flag) if flag is not None else True
    data = _dig(document, endpoint.result_path) if endpoint else document
    business_message = _first(envelope, _MESSAGE_KEYS)
    failures = parse_item_failures(business_message)
    if success is False and not failures:
        business_code = str(_first(envelope, _CODE_KEYS) or "business_error")
        text_message = str(business_message or "")
        action = Action.RETRY if _TRANSIENT_BUSINESS.search(f"{business_code} {text_message}") else Action.FAILED
        return Outcome(
            action, business_code, f"{api} answered {business_code}: {text_message}", status, retry_after, document
        )
    return Outcome(Action.OK, "", "", status, retry_after, document, data, failures)


def _oauth_error(document: Mapping[str, Any]) -> str:
    """OAuth endpoints answer ``{"error": "invalid_grant", ...}`` rather than gateway codes."""
    error = document.get("error")
    return error if isinstance(error, str) else ""


def _auth_outcome(status: int, code: str, message: str, api: str, document: Any = None) -> Outcome:
    if "authenticated" in message:
        # "Request need user authenticated": no user token at all, nothing to refresh.
        return Outcome(
            Action.FATAL,
            code or "auth.required",
            f"{api} needs a user's authorisation ({message}): run `scrapy auth`",
            status,
            None,
            document,
        )
    return Outcome(
        Action.REFRESH_TOKEN,
        code or "auth.required",
        f"{api} needs a valid access token ({message or 'Request need user authenticated'}); "
        "run `scrapy auth` if refreshing does not fix it",
        status,
        None,
        document,
    )
