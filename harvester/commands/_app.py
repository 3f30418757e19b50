"""The app a command acts for: gateway, credentials and tokens, read as a crawl reads them.

``scrapy auth`` and ``scrapy doctor`` must see the same configuration a crawl
would (settings first, secrets from the environment, tokens from
``OPEN1688_ACCESS_TOKEN`` or else the token file), or a check that passes
would say nothing about the crawl that follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..exceptions import ConfigurationError
from ..gateway.access import SANDBOX
from ..gateway.redaction import protect
from ..open1688 import endpoints
from ..open1688.client import Client
from ..open1688.credentials import credential
from ..open1688.oauth import TokenFile, Tokens

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

#: Where a token given in the environment says it came from.
FROM_ENVIRONMENT = "OPEN1688_ACCESS_TOKEN"


@dataclass(frozen=True)
class App:
    gateway: str
    app_key: str
    app_secret: str
    token_file: TokenFile
    #: Tokens given as settings or environment variables; they win over the token file, as in a crawl.
    given_tokens: Tokens | None

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> App:
        app_key = credential(settings, "OPEN1688_APP_KEY")
        default = endpoints.DEFAULT_GATEWAY if app_key else SANDBOX
        gateway = credential(settings, "OPEN1688_GATEWAY") or default
        access = credential(settings, "OPEN1688_ACCESS_TOKEN")
        refresh = credential(settings, "OPEN1688_REFRESH_TOKEN")
        app = cls(
            gateway=gateway.rstrip("/"),
            app_key=app_key,
            app_secret=credential(settings, "OPEN1688_APP_SECRET"),
            token_file=TokenFile(credential(settings, "OPEN1688_TOKEN_FILE")),
            given_tokens=Tokens(access, refresh or None) if access or refresh else None,
        )
        protect([app.app_secret, access, refresh])
        return app

    @property
    def on_sandbox(self) -> bool:
        return self.gateway == SANDBOX

    def missing_credentials(self) -> list[str]:
        return [
            name
            for name, value in (("OPEN1688_APP_KEY", self.app_key), ("OPEN1688_APP_SECRET", self.app_secret))
            if not value
        ]

    def require_credentials(self) -> None:
        missing = self.missing_credentials()
        if missing:
            raise ConfigurationError(
                f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: export the app's "
                "credentials from the 1688 open platform console (or, to try a sandbox, those `scrapy sandbox` prints)"
            )
        if self.on_sandbox:
            raise ConfigurationError(
                "OPEN1688_GATEWAY=sandbox is the crawl's built-in sandbox; point OPEN1688_GATEWAY at a gateway "
                "(https://gw.open.1688.com, or the URL `scrapy sandbox --port 8688` prints)"
            )

    def tokens(self) -> tuple[Tokens | None, str]:
        """The tokens a crawl would use, and where they came from (for messages)."""
        if self.given_tokens is not None:
            return self.given_tokens, FROM_ENVIRONMENT
        try:
            tokens = self.token_file.load()
        except ValueError as error:
            raise ConfigurationError(str(error)) from None
        if tokens is not None:
            protect([tokens.access_token, tokens.refresh_token or ""])
        return tokens, str(self.token_file.path)

    def client(self, tokens: Tokens | None, **options: Any) -> Client:
        return Client(self.gateway, self.app_key, self.app_secret, tokens=tokens, **options)
