"""Who we are to the gateway during a crawl: where it is, the app's credentials and a live token.

Every API request of a crawl is signed with the same credentials and the
same current token, and a 401 seen by many requests at once must cause one
refresh, not one per request. One ``GatewayAccess`` per crawler holds that
state; the signing and API-error middlewares and the spiders share it.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..checks import guards
from ..exceptions import ConfigurationError
from ..open1688 import endpoints
from ..open1688.credentials import credential
from ..open1688.oauth import OAuthClient, TokenFile, Tokens, loose_mode_advice
from ..open1688.outcomes import GatewayError
from .redaction import protect

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

SANDBOX = "sandbox"
#: Where requests to the embedded sandbox say they go, in the JOBDIR, the fingerprints and the logs. Its real
#: address (a port of this process) and its app key (random per run) change with every run, so they are put in
#: only as each call leaves (the signing middleware); ``.invalid`` never resolves (RFC 6761), so a request that
#: somehow left unrewritten fails at once instead of reaching something else.
EMBEDDED_ORIGIN = "http://sandbox.invalid"
EMBEDDED_APP_KEY = "sandbox"
_by_crawler: weakref.WeakKeyDictionary[Crawler, GatewayAccess] = weakref.WeakKeyDictionary()


@dataclass
class TokenState:
    tokens: Tokens
    #: Bumped on every refresh, so a request that failed with an old token
    #: does not trigger a second refresh after someone else's.
    generation: int = 0


def _from_token_file(token_file: TokenFile) -> Tokens:
    """The tokens ``scrapy auth`` saved: a missing or broken file is a configuration error naming it, found before
    any call (not a call failing five times as if the gateway were down)."""
    try:
        tokens = token_file.load()
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    if tokens is None:
        raise ConfigurationError(
            f"no access token: OPEN1688_TOKEN_FILE={token_file.path} does not exist and OPEN1688_ACCESS_TOKEN is "
            "not set; run `scrapy auth` to authorise the app (it writes that file), or point OPEN1688_TOKEN_FILE "
            "at your token file"
        )
    mode = token_file.loose_mode()
    if mode is not None:
        logger.warning("The token file holds this app's access: %s", loose_mode_advice(token_file.path, mode))
    return tokens


class GatewayAccess:
    def __init__(
        self,
        *,
        gateway: str,
        app_key: str,
        app_secret: str,
        tokens: Tokens | None,
        token_file: TokenFile | None,
        refresh_margin: float,
        sandbox: object | None = None,
        last_complete_day: date | None = None,
    ):
        if not app_key:
            raise ConfigurationError("OPEN1688_APP_KEY is not set: give your app key, or unset it to use the sandbox")
        if not app_secret:
            raise ConfigurationError("OPEN1688_APP_SECRET is not set: export it in the environment")
        self.gateway = gateway.rstrip("/")
        self.app_key = app_key
        self.app_secret = app_secret
        self.token_file = token_file
        self.refresh_margin = refresh_margin
        #: The embedded sandbox when the crawl runs on it (kept alive with the crawl).
        self.sandbox = sandbox
        #: The last day the gateway's answers describe in full, when it says so (the embedded sandbox lives on its
        #: catalogue's date); None: a real gateway's, yesterday in China.
        self.last_complete_day = last_complete_day
        self._state = TokenState(tokens) if tokens else None
        self._refreshing: asyncio.Future[None] | None = None
        protect([app_secret] + ([tokens.access_token, tokens.refresh_token or ""] if tokens else []))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GatewayAccess:
        if crawler not in _by_crawler:
            _by_crawler[crawler] = cls.from_settings(crawler.settings)
        return _by_crawler[crawler]

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> GatewayAccess:
        app_key = credential(settings, "OPEN1688_APP_KEY")
        gateway = guards.value(settings, "OPEN1688_GATEWAY") or (SANDBOX if not app_key else endpoints.DEFAULT_GATEWAY)
        margin = guards.value(settings, "OPEN1688_TOKEN_REFRESH_MARGIN")
        if gateway == SANDBOX:
            return cls._embedded(settings, margin)
        token_file = TokenFile(credential(settings, "OPEN1688_TOKEN_FILE"))
        access_token = credential(settings, "OPEN1688_ACCESS_TOKEN")
        refresh_token = credential(settings, "OPEN1688_REFRESH_TOKEN")
        if access_token or refresh_token:
            tokens = Tokens(access_token=access_token, refresh_token=refresh_token or None)
        else:
            tokens = _from_token_file(token_file)
        if not tokens.access_token:
            # Every product API needs one: without it each call would fail and be retried as if transient.
            raise ConfigurationError(
                "OPEN1688_REFRESH_TOKEN is set without OPEN1688_ACCESS_TOKEN: set both, or "
                "neither and let the crawl read OPEN1688_TOKEN_FILE (`scrapy auth` writes it)"
            )
        return cls(
            gateway=gateway,
            app_key=app_key,
            app_secret=credential(settings, "OPEN1688_APP_SECRET"),
            tokens=tokens,
            token_file=token_file if token_file.path.exists() else None,
            refresh_margin=margin,
        )

    @classmethod
    def _embedded(cls, settings: BaseSettings, margin: float) -> GatewayAccess:
        from ..sandbox.sales import today  # noqa: PLC0415 (only when used)
        from ..sandbox.server import SandboxConfig, start_sandbox  # noqa: PLC0415 (only when used)

        running = start_sandbox(SandboxConfig.from_settings(settings))
        logger.info(
            "No OPEN1688_APP_KEY set: running against the built-in sandbox at %s (seed %s, %s offers)",
            running.base_url,
            running.gateway.config.seed,
            f"{running.gateway.config.offers:,}",
        )
        creds = running.credentials
        return cls(
            gateway=running.base_url,
            app_key=creds.app_key,
            app_secret=creds.app_secret,
            tokens=Tokens(access_token=creds.access_token, refresh_token=creds.refresh_token),
            token_file=None,
            refresh_margin=margin,
            sandbox=running,
            last_complete_day=today(running.gateway.config.epoch),
        )

    # --- addresses ----------------------------------------------------------

    @property
    def request_origin(self) -> str:
        """The gateway as stored requests name it: the same in every run of a crawl (see ``EMBEDDED_ORIGIN``)."""
        return EMBEDDED_ORIGIN if self.sandbox is not None else self.gateway

    @property
    def request_app_key(self) -> str:
        return EMBEDDED_APP_KEY if self.sandbox is not None else self.app_key

    # --- tokens -------------------------------------------------------------

    @property
    def has_token(self) -> bool:
        return self._state is not None and bool(self._state.tokens.access_token)

    def current(self) -> tuple[str, int]:
        """The access token to sign with, and its generation."""
        if self._state is None or not self._state.tokens.access_token:
            raise ConfigurationError("no access token: run `scrapy auth` or set OPEN1688_ACCESS_TOKEN")
        return self._state.tokens.access_token, self._state.generation

    def needs_refresh_soon(self) -> bool:
        return (
            self._state is not None
            and self._state.tokens.refresh_token is not None
            and self._state.tokens.expires_within(self.refresh_margin)
        )

    async def refresh(self, failed_generation: int | None = None) -> bool:
        """Refresh once for everyone who saw the token fail; False when it cannot be refreshed.

        Callers that saw a token of an older generation fail simply use the
        newer one; concurrent callers wait for the refresh in flight.
        """
        if self._state is None or not self._state.tokens.refresh_token:
            return False
        if failed_generation is not None and failed_generation != self._state.generation:
            return True
        if self._refreshing is None:
            self._refreshing = asyncio.ensure_future(self._do_refresh())
            self._refreshing.add_done_callback(self._refresh_done)
        await asyncio.shield(self._refreshing)
        return True

    def _refresh_done(self, _: asyncio.Future[None]) -> None:
        self._refreshing = None

    async def _do_refresh(self) -> None:
        assert self._state is not None
        client = OAuthClient(self.gateway, self.app_key, self.app_secret)
        try:
            tokens = await asyncio.to_thread(client.refresh, self._state.tokens)
        except GatewayError as error:
            raise ConfigurationError(
                f"the gateway refused to refresh the access token ({error.outcome.code}): run `scrapy auth`"
            ) from None
        protect([tokens.access_token, tokens.refresh_token or ""])
        self._state = TokenState(tokens, self._state.generation + 1)
        if self.token_file is not None:
            await asyncio.to_thread(self.token_file.save, tokens)
        expires = tokens.access_expires_at.isoformat() if tokens.access_expires_at else "unknown"
        logger.info("Refreshed the access token (generation %d, expires %s)", self._state.generation, expires)

    def secrets(self) -> list[str]:
        values = [self.app_secret]
        if self._state is not None:
            values += [self._state.tokens.access_token, self._state.tokens.refresh_token or ""]
        return [v for v in values if v]
