"""OAuth state: authorisation codes, access tokens, refresh tokens (PROTOCOL.md section 3).

Lifetimes come from the config and time from the caller, so tests move the
clock instead of sleeping. Tokens issued after start are derived from a
counter and the catalogue seed (reproducible runs); the pre-issued demo
tokens are whatever the config holds. The sandbox has one user, so every
token belongs to the same buyer identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .scramble import Hasher

CHINA = timezone(timedelta(hours=8))
#: The sandbox's one buyer account.
ALI_ID = "2211000000001"
RESOURCE_OWNER = "sandbox-buyer"
MEMBER_ID = "b2b-2211000000001cn001"


@dataclass
class OAuthError(Exception):
    """An OAuth failure: ``{"error", "error_description"}`` with an HTTP status (UNCONFIRMED shape)."""

    status: int
    error: str
    description: str


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    expires_at: float


@dataclass
class _Refresh:
    expires_at: float


def timeout_text(moment: float) -> str:
    """``refresh_token_timeout`` as the gateway writes it: ``20121222222222+0800``."""
    return datetime.fromtimestamp(moment, CHINA).strftime("%Y%m%d%H%M%S") + "+0800"


class TokenStore:
    def __init__(
        self,
        seed: int,
        *,
        access_lifetime: int,
        refresh_lifetime: int,
        code_lifetime: int,
        postpone_window: int,
        rotate_refresh: bool,
    ):
        self._values = Hasher(seed, "oauth-token")
        self._issued = 0
        self.access_lifetime = access_lifetime
        self.refresh_lifetime = refresh_lifetime
        self.code_lifetime = code_lifetime
        self.postpone_window = postpone_window
        self.rotate_refresh = rotate_refresh
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, float] = {}
        self._refresh: dict[str, _Refresh] = {}

    def _new_value(self) -> str:
        self._issued += 1
        h = self._values.hex(self._issued)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"

    def preissue(self, access_token: str, refresh_token: str, now: float) -> None:
        self._access[access_token] = now + self.access_lifetime
        self._refresh[refresh_token] = _Refresh(now + self.refresh_lifetime)

    # --- authorisation codes ------------------------------------------------

    def issue_code(self, client_id: str, redirect_uri: str, now: float) -> str:
        code = self._new_value()
        self._codes[code] = _Code(client_id, redirect_uri, now + self.code_lifetime)
        return code

    def _redeem(self, code: str, client_id: str, redirect_uri: str | None, now: float) -> None:
        """Use a code up; it is gone afterwards whatever the outcome."""
        grant = self._codes.pop(code, None)
        if grant is None:
            raise OAuthError(400, "invalid_grant", "authorization code is invalid or was already used")
        if grant.expires_at <= now:
            raise OAuthError(400, "invalid_grant", "authorization code expired")
        if grant.client_id != client_id or (redirect_uri is not None and redirect_uri != grant.redirect_uri):
            raise OAuthError(400, "invalid_grant", "authorization code was issued to another client or redirect_uri")

    # --- tokens -------------------------------------------------------------

    def _identity(self) -> dict[str, str]:
        return {"aliId": ALI_ID, "resource_owner": RESOURCE_OWNER, "memberId": MEMBER_ID}

    def _access_answer(self, now: float) -> dict[str, str]:
        token = self._new_value()
        self._access[token] = now + self.access_lifetime
        return {**self._identity(), "expires_in": str(self.access_lifetime), "access_token": token}

    def _refresh_answer(self, now: float) -> dict[str, str]:
        token = self._new_value()
        expires_at = now + self.refresh_lifetime
        self._refresh[token] = _Refresh(expires_at)
        return {"refresh_token": token, "refresh_token_timeout": timeout_text(expires_at)}

    def exchange_code(
        self, code: str, client_id: str, redirect_uri: str | None, need_refresh: bool, now: float
    ) -> dict[str, str]:
        self._redeem(code, client_id, redirect_uri, now)
        answer = self._access_answer(now)
        if need_refresh:
            answer.update(self._refresh_answer(now))
        return _ordered(answer)

    def refresh(self, refresh_token: str, now: float) -> dict[str, str]:
        """A new access token; a new refresh token too (retiring the old) only when rotating."""
        self._check_refresh(refresh_token, now)
        answer = self._access_answer(now)
        if self.rotate_refresh:
            del self._refresh[refresh_token]
            answer.update(self._refresh_answer(now))
        return _ordered(answer)

    def postpone(self, refresh_token: str, access_token: str, now: float) -> dict[str, str]:
        """A new refresh token for one in its last ``postpone_window`` seconds; the old one is retired."""
        grant = self._check_refresh(refresh_token, now)
        if access_token not in self._access:
            raise OAuthError(401, "invalid_token", "access_token is unknown")
        if grant.expires_at - now > self.postpone_window:
            days = self.postpone_window // 86_400
            raise OAuthError(400, "invalid_request", f"refresh_token can only be postponed in its last {days} days")
        del self._refresh[refresh_token]
        return _ordered({**self._identity(), **self._refresh_answer(now)})

    def _check_refresh(self, refresh_token: str, now: float) -> _Refresh:
        grant = self._refresh.get(refresh_token)
        if grant is None:
            raise OAuthError(400, "invalid_grant", "refresh_token is invalid")
        if grant.expires_at <= now:
            raise OAuthError(400, "invalid_grant", "refresh_token expired")
        return grant

    def access_valid(self, token: str, now: float) -> bool:
        expires_at = self._access.get(token)
        return expires_at is not None and expires_at > now

    def expire_access_tokens(self) -> int:
        """Expire every access token now (refresh tokens still work)."""
        for token in self._access:
            self._access[token] = float("-inf")
        return len(self._access)

    def expire_refresh_tokens(self) -> int:
        for grant in self._refresh.values():
            grant.expires_at = float("-inf")
        return len(self._refresh)


_ORDER = ("aliId", "resource_owner", "memberId", "expires_in", "refresh_token", "refresh_token_timeout", "access_token")


def _ordered(answer: dict[str, str]) -> dict[str, str]:
    """The answer's keys in the order of the documented example."""
    return {key: answer[key] for key in _ORDER if key in answer}
