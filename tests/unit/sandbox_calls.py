"""Calling an in-process sandbox gateway the way a client does: built and signed by harvester.open1688."""

from __future__ import annotations

from typing import Any

from harvester.open1688 import endpoints
from harvester.sandbox.config import SandboxConfig
from harvester.sandbox.gateway import Gateway
from harvester.sandbox.wire import Answer

APP_KEY = "1000000"
SECRET = "sandbox-secret"
TOKEN = "sandbox-access-token"
REFRESH = "sandbox-refresh-token"
START = 1_750_000_000.0


class Clock:
    """Time the tests move by hand."""

    def __init__(self, now: float = START):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_gateway(catalogue: Any, clock: Clock | None = None, **config: Any) -> Gateway:
    values = dict(app_key=APP_KEY, app_secret=SECRET, access_token=TOKEN, refresh_token=REFRESH)
    values.update(config)
    return Gateway(SandboxConfig(**values), catalogue=catalogue, clock=clock or Clock())


def call(
    gateway: Gateway,
    endpoint: endpoints.Endpoint,
    params: dict[str, Any],
    *,
    token: str | None = TOKEN,
    secret: str = SECRET,
    method: str = "POST",
) -> Answer:
    built = endpoints.build_call(endpoint, params, gateway="http://sandbox", app_key=APP_KEY)
    form = built.signed_params(secret=secret, access_token=token, timestamp_ms=int(gateway.clock() * 1000))
    return gateway.handle(method, "/openapi/" + built.url_path, form)


def search(gateway: Gateway, keyword: str = "保温杯", **query: Any) -> Answer:
    param = {"keyword": keyword, "beginPage": 1, "pageSize": 50, "country": "en", **query}
    return call(gateway, endpoints.KEYWORD_SEARCH, {"offerQueryParam": param})


def business(answer: Answer) -> dict[str, Any]:
    """The envelope holding success/code/message, wherever the API keeps it."""
    document = answer.json()
    return document["result"] if "result" in document and isinstance(document["result"], dict) else document


def succeeded(answer: Answer) -> bool:
    return str(business(answer)["success"]).lower() == "true"
