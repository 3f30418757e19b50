"""The gateway protocol core: a request in, an :class:`~harvester.sandbox.wire.Answer` out, no I/O.

Checks run in this order for ``/openapi/{protocol}/{version}/{namespace}/{api}/{appKey}``
(the real order is unknown; this one lets each failure be provoked alone):

1. the app key is in the path (``gw.AppKeyMissing``), the API exists
   (``gw.APIUnsupported``), the app key is known (``gw.AppKeyNotExist``,
   an UNCONFIRMED code);
2. signed APIs carry a signature (``gw.SignatureMissing``) that verifies over
   the url path and every parameter but itself (``gw.SignatureInvalid``);
3. the app may call the API (``gw.APIACLDecline``);
4. product APIs only: injected faults (when configured), among them
   ``gw.ISPInvokeError`` / ``gw.ISPInvokeTimeout`` (status ``faults.isp_status``,
   UNCONFIRMED, 500 by default);
5. the calls-per-second windows: the app's (``gw.QosAppFrequencyLimit``, 400;
   param2 APIs), then the API's own when ``api_qps`` names it
   (``gw.QosApiFrequencyLimit``, status ``api_qos_status``, UNCONFIRMED, 400 by
   default); a call refused by either occupies neither window;
6. product APIs that need user authorisation (all but ``alibaba.category.get``
   and ``product.search.topKeyword``, whose pages say "No user authorization":
   a token sent to those is not looked at): an access token, HTTP 401
   ``{"error_code": "401", "error_message", "request_id"}``: "Request need
   user authenticated" when none is sent, "Request need user authorized"
   when the one sent is unknown or expired (PROTOCOL.md section 4); then the
   call budget (``gw.NoUsageLeftError``). Calls refused before this point
   cost nothing.

OAuth (PROTOCOL.md section 3) is served here too: ``GET /oauth/authorize``
approves at once and redirects with a single-use code; ``getToken`` and
``postponeToken`` answer OAuth errors as ``{"error", "error_description"}``
with 400 (bad grant or request) or 401 (bad client credentials), a shape
that is UNCONFIRMED. ``system.currentTime`` answers a bare JSON string,
``"20261010164552223+0800"``, as measured.

Offer images are served at their answer paths (``/img/ibank/...jpg``) and
videos at theirs (``/play/u/.../{id}.mp4``); like alicdn, the media hosts
refuse (403) a request whose ``Referer`` is not a 1688 page, and answer 404
for the share ``media_missing`` of paths (a hash of the path picks them). The admin
endpoints under ``/_sandbox/`` are :mod:`harvester.sandbox.admin`'s, which the
server routes there.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from harvester.open1688 import endpoints, signing

from . import sales
from .business import ProductApis
from .catalogue import Catalogue
from .config import ConfigError, SandboxConfig
from .counters import Counters
from .faults import QOS_BURST, REPLACING, FaultPlan
from .quota import Budget, RateWindow
from .tokens import CHINA, OAuthError, TokenStore
from .wire import HTML_TYPE, Answer, gateway_error, html_page, json_answer

AUTH_MESSAGE = "Request need user authenticated"
#: A token was sent but is unknown or expired (PROTOCOL.md section 4: refresh once, retry).
AUTHORIZE_MESSAGE = "Request need user authorized"
QOS_MESSAGE = "App call exceeds limited frequency"
#: UNCONFIRMED: the pages name the code only.
API_QOS_MESSAGE = "Api call exceeds limited frequency"
#: Written as the image host when the config asks for the sandbox's own base URL.
OWN_HOST = "sandbox"


class Gateway:
    def __init__(
        self, config: SandboxConfig, catalogue: Catalogue | None = None, clock: Callable[[], float] = time.time
    ):
        config = config.with_credentials()
        if catalogue is None:
            catalogue = Catalogue(config.seed, config.offers, config.drift_share)
        elif (catalogue.seed, catalogue.size, catalogue.drift_share) != (
            config.seed,
            config.offers,
            config.drift_share,
        ):
            raise ConfigError("the catalogue given does not match the config's seed, offers and drift_share")
        self.catalogue = catalogue
        self.clock = clock
        self.counters = Counters(catalogue.size)
        self.tokens = TokenStore(
            config.seed,
            access_lifetime=config.access_token_lifetime,
            refresh_lifetime=config.refresh_token_lifetime,
            code_lifetime=config.code_lifetime,
            postpone_window=config.postpone_window,
            rotate_refresh=config.rotate_refresh_token,
        )
        self.tokens.preissue(config.access_token, config.refresh_token, clock())  # type: ignore[arg-type]
        self.products = ProductApis(catalogue, self.counters, config)
        self.base_url: str | None = None
        self.budget = Budget(config.budget)
        #: Calls the server is holding unanswered now (``hold``): the server keeps the count, the stats show it.
        self.held_now = 0
        self._requests = 0
        self._product_calls = 0
        self._apply(config)

    # --- configuration and state ------------------------------------------------

    def _apply(self, config: SandboxConfig) -> None:
        previous = getattr(self, "config", None)
        self.config = config
        tokens = self.tokens
        tokens.access_lifetime = config.access_token_lifetime
        tokens.refresh_lifetime = config.refresh_token_lifetime
        tokens.code_lifetime = config.code_lifetime
        tokens.postpone_window = config.postpone_window
        tokens.rotate_refresh = config.rotate_refresh_token
        if previous is None or previous.qps != config.qps:
            self._rate = RateWindow(config.qps)
        if previous is None or previous.api_qps != config.api_qps:
            self._api_rates = {name: RateWindow(qps) for name, qps in config.api_qps}
        if previous is None or previous.faults != config.faults:
            self._faults = FaultPlan(config.faults)
        self.budget.total = config.budget
        self.products.configure(config, self.image_host, self.video_host)

    def _host(self, configured: str) -> str:
        if configured == OWN_HOST:
            return self.base_url or "http://127.0.0.1"
        return configured

    @property
    def image_host(self) -> str:
        return self._host(self.config.image_host)

    @property
    def video_host(self) -> str:
        return self._host(self.config.video_host)

    def set_base_url(self, base_url: str) -> None:
        """Where the server listens: media URLs point here when their host is ``sandbox``."""
        self.base_url = base_url.rstrip("/")
        self.products.configure(self.config, self.image_host, self.video_host)

    def configure(self, changes: Mapping[str, Any]) -> SandboxConfig:
        """Apply run-time changes (admin API); raises :class:`ConfigError` for bad ones."""
        self._apply(self.config.with_changes(changes))
        return self.config

    def reset(self) -> None:
        """Counters, budget spent, rate window and fault sequence start again; the demo tokens are valid again."""
        self.tokens.preissue(self.config.access_token, self.config.refresh_token, self.clock())  # type: ignore[arg-type]
        self.counters.reset()
        self.budget.used = 0
        self._rate = RateWindow(self.config.qps)
        self._api_rates = {name: RateWindow(qps) for name, qps in self.config.api_qps}
        self._faults = FaultPlan(self.config.faults)
        self._product_calls = 0

    def advance_epoch(self, steps: int = 1) -> int:
        self._apply(self.config.with_changes({"epoch": self.config.epoch + steps}))
        return self.config.epoch

    def state(self) -> dict[str, Any]:
        return {
            **self.counters.snapshot(),
            "epoch": self.config.epoch,
            "today": sales.today(self.config.epoch).isoformat(),
            "budget_used": self.budget.used,
            "budget_left": self.budget.left,
            "product_calls": self._product_calls,
            "held_now": self.held_now,
        }

    def holds(self, path: str) -> bool:
        """Whether a request for ``path`` is a call of an API in ``hold`` (once ``hold_after`` calls were handled):
        the server parks it, unhandled."""
        config = self.config
        if not config.hold or self.counters.calls_total < config.hold_after or not path.startswith("/openapi/"):
            return False
        parts = path[len("/openapi/") :].split("/")
        if len(parts) != 5 or not parts[1].isdigit():
            return False
        endpoint = endpoints.BY_PATH.get((parts[0], int(parts[1]), parts[2], parts[3]))
        return endpoint is not None and (endpoint.name in config.hold or endpoint.key in config.hold)

    # --- dispatch ----------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
        now: float | None = None,
    ) -> Answer:
        """Answer one request. ``params`` are the decoded query and form fields."""
        now = self.clock() if now is None else now
        headers = {key.lower(): value for key, value in (headers or {}).items()}
        if path.startswith("/openapi/"):
            return self._api(path[len("/openapi/") :], params, now)
        if path == "/oauth/authorize":
            return self._authorize(params, now)
        if path.startswith("/img/"):
            return self._image(path, headers)
        if path.startswith("/play/"):
            return self._video(path, headers)
        return html_page(404, "Not Found")

    def _request_id(self) -> str:
        self._requests += 1
        return hashlib.blake2b(self._requests.to_bytes(8, "little"), digest_size=10).hexdigest()

    def _refuse(
        self,
        api: str,
        now: float,
        status: int,
        code: str,
        message: str,
        headers: tuple[tuple[str, str], ...] = (),
        outcome: str | None = None,
    ) -> Answer:
        """A gateway error, counted under ``outcome`` (default: its code)."""
        self.counters.call(api, outcome or code, now)
        return gateway_error(status, code, message, self._request_id(), headers)

    def _api(self, rest: str, params: Mapping[str, str], now: float) -> Answer:
        parts = rest.split("/")
        if len(parts) == 4 or (len(parts) == 5 and not parts[4]):
            return self._refuse("unknown", now, 400, "gw.AppKeyMissing", "AppKey is missing")
        if len(parts) != 5 or not parts[1].isdigit():
            return self._refuse("unknown", now, 400, "gw.APIUnsupported", f"API {rest} is not supported")
        protocol, version, namespace, name, app_key = parts
        endpoint = endpoints.BY_PATH.get((protocol, int(version), namespace, name))
        if endpoint is None:
            return self._refuse(
                "unknown", now, 400, "gw.APIUnsupported", f"API {namespace}:{name}-{version} is not supported"
            )
        api = endpoint.name
        if app_key != self.config.app_key:
            return self._refuse(api, now, 400, "gw.AppKeyNotExist", f"AppKey {app_key} does not exist")
        if endpoint.signed:
            if not params.get(signing.SIGNATURE_PARAM):
                return self._refuse(api, now, 400, "gw.SignatureMissing", "Signature is missing")
            if not signing.verify(endpoint.url_path(app_key), params, self.config.app_secret):  # type: ignore[arg-type]
                return self._refuse(api, now, 400, "gw.SignatureInvalid", "Signature is invalid")
        if api in self.config.acl_deny or endpoint.key in self.config.acl_deny:
            return self._refuse(api, now, 400, "gw.APIACLDecline", "AppKey is not allowed(acl)")
        if endpoint is endpoints.GET_TOKEN:
            return self._oauth(api, now, lambda: self._get_token(app_key, params, now))
        product = self.products.handles(endpoint)
        fault = self._fault(now) if product else None
        if fault in REPLACING:
            self.counters.call(api, f"fault.{fault}", now)
            return self._faults.replacement(fault, self._product_calls, self._request_id())  # type: ignore[arg-type]
        wait = 1.0 if fault == QOS_BURST else self._rate.wait(now)
        if wait is not None:
            retry = (("Retry-After", str(max(1, math.ceil(wait)))),) if self.config.retry_after else ()
            outcome = f"fault.{QOS_BURST}" if fault == QOS_BURST else None
            return self._refuse(api, now, 400, "gw.QosAppFrequencyLimit", QOS_MESSAGE, retry, outcome)
        api_rate = self._api_rates.get(api)
        api_wait = api_rate.wait(now) if api_rate is not None else None
        if api_wait is not None:
            retry = (("Retry-After", str(max(1, math.ceil(api_wait)))),) if self.config.retry_after else ()
            return self._refuse(api, now, self.config.api_qos_status, "gw.QosApiFrequencyLimit", API_QOS_MESSAGE, retry)
        self._rate.record(now)
        if api_rate is not None:
            api_rate.record(now)
        if endpoint is endpoints.POSTPONE_TOKEN:
            return self._oauth(api, now, lambda: self._postpone(app_key, params, now))
        if endpoint is endpoints.CURRENT_TIME:
            self.counters.call(api, "ok", now)
            stamp = datetime.fromtimestamp(now, CHINA)
            return json_answer(stamp.strftime("%Y%m%d%H%M%S") + f"{stamp.microsecond // 1000:03d}+0800")
        token = params.get(signing.ACCESS_TOKEN_PARAM, "")
        if endpoint.needs_token and not self.tokens.access_valid(token, now):
            self.counters.call(api, "401", now)
            message = AUTHORIZE_MESSAGE if token else AUTH_MESSAGE
            return json_answer({"error_code": "401", "error_message": message, "request_id": self._request_id()}, 401)
        if not self.budget.spend():
            return self._refuse(api, now, 400, "gw.NoUsageLeftError", "SLA bill has no usage left")
        answer, outcome = self.products.call(endpoint, params)
        if fault is not None:
            answer = self._faults.alter(fault, answer, self._product_calls)
            outcome = f"fault.{fault}"
            self.counters.fault(fault)
        self.counters.call(api, outcome, now)
        return answer

    def _fault(self, now: float) -> str | None:
        """Number this product call and draw its fault; expire tokens first when this call is a threshold."""
        self._product_calls += 1
        call = self._product_calls
        if self._faults.expires_tokens_before(call):
            self.tokens.expire_access_tokens()
            self.counters.fault("token_expiry")
        if not self.config.faults.enabled:
            return None
        fault = self._faults.decide(call)
        # A fault that alters the real answer is counted once applied: the call may still be refused
        # first (an expired token, the rate limit), and then the client never met it.
        if fault in REPLACING or fault == QOS_BURST:
            self.counters.fault(fault)
        return fault

    # --- OAuth -------------------------------------------------------------------

    def _oauth(self, api: str, now: float, grant: Callable[[], dict[str, str]]) -> Answer:
        try:
            answer = grant()
        except OAuthError as error:
            self.counters.call(api, error.error, now)
            return json_answer({"error": error.error, "error_description": error.description}, error.status)
        self.counters.call(api, "ok", now)
        return json_answer(answer)

    def _client(self, app_key: str, params: Mapping[str, str]) -> None:
        if params.get("client_id") != app_key or params.get("client_secret") != self.config.app_secret:
            raise OAuthError(401, "invalid_client", "client_id or client_secret is wrong")

    def _get_token(self, app_key: str, params: Mapping[str, str], now: float) -> dict[str, str]:
        self._client(app_key, params)
        grant_type = params.get("grant_type")
        if grant_type == "authorization_code":
            code = params.get("code")
            if not code:
                raise OAuthError(400, "invalid_request", "code is required")
            need_refresh = params.get("need_refresh_token", "").lower() == "true"
            return self.tokens.exchange_code(code, app_key, params.get("redirect_uri"), need_refresh, now)
        if grant_type == "refresh_token":
            refresh_token = params.get("refresh_token")
            if not refresh_token:
                raise OAuthError(400, "invalid_request", "refresh_token is required")
            return self.tokens.refresh(refresh_token, now)
        raise OAuthError(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported")

    def _postpone(self, app_key: str, params: Mapping[str, str], now: float) -> dict[str, str]:
        self._client(app_key, params)
        refresh_token, access_token = params.get("refresh_token"), params.get("access_token")
        if not refresh_token or not access_token:
            raise OAuthError(400, "invalid_request", "refresh_token and access_token are required")
        return self.tokens.postpone(refresh_token, access_token, now)

    def _authorize(self, params: Mapping[str, str], now: float) -> Answer:
        client_id, redirect_uri = params.get("client_id"), params.get("redirect_uri")
        if client_id != self.config.app_key:
            return html_page(400, "Bad Request: unknown client_id")
        if not redirect_uri or params.get("site", "1688") != "1688":
            return html_page(400, "Bad Request: redirect_uri and site=1688 are required")
        query = {"code": self.tokens.issue_code(client_id, redirect_uri, now)}
        if params.get("state"):
            query["state"] = params["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return Answer(302, b"", HTML_TYPE, (("Location", f"{redirect_uri}{separator}{urlencode(query)}"),))

    # --- images ------------------------------------------------------------------

    @staticmethod
    def _foreign_referer(headers: Mapping[str, str]) -> bool:
        """A ``Referer`` that is not a 1688 page: the media hosts refuse it, as alicdn does."""
        referer = headers.get("referer")
        return bool(referer) and not (urlsplit(referer).hostname or "").endswith("1688.com")

    def _missing(self, path: str) -> bool:
        """Whether ``path`` is one of the ``media_missing`` share the media hosts answer 404 for."""
        share = self.config.media_missing
        if share <= 0:
            return False
        digest = hashlib.blake2b(path.lstrip("/").encode(), digest_size=8, person=b"missing").digest()
        return int.from_bytes(digest, "big") < share * 2**64

    def _image(self, path: str, headers: Mapping[str, str]) -> Answer:
        if self._foreign_referer(headers):
            return html_page(403, "Forbidden")
        jpeg = None if self._missing(path) else self.catalogue.image_at(path.lstrip("/"))
        if jpeg is None:
            return html_page(404, "Not Found")
        self.counters.images_served += 1
        return Answer(200, jpeg, "image/jpeg", (("Cache-Control", "max-age=31536000"),))

    def _video(self, path: str, headers: Mapping[str, str]) -> Answer:
        if self._foreign_referer(headers):
            return html_page(403, "Forbidden")
        video = None if self._missing(path) else self.catalogue.video_at(path.lstrip("/"))
        if video is None:
            return html_page(404, "Not Found")
        self.counters.videos_served += 1
        return Answer(200, video, "video/mp4", (("Cache-Control", "max-age=31536000"),))
