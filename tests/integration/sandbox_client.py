"""Signed calls to a sandbox over loopback HTTP, built with the client's own building blocks."""

from __future__ import annotations

import time
from typing import Any

import requests

from harvester.open1688 import endpoints
from harvester.sandbox.process import SandboxAdmin
from harvester.sandbox.server import Credentials


class Client:
    """Signed calls with the client's own building blocks, plus the sandbox's admin API."""

    def __init__(self, base_url: str, credentials: Credentials):
        self.base_url = base_url
        self.credentials = credentials
        self.admin = SandboxAdmin(base_url)
        self.session = requests.Session()
        self.token = credentials.access_token

    def call(
        self,
        endpoint: endpoints.Endpoint,
        params: dict[str, Any],
        *,
        method: str = "POST",
        token: str | None = None,
        secret: str | None = None,
        timeout: float = 30,
    ) -> requests.Response:
        built = endpoints.build_call(endpoint, params, gateway=self.base_url, app_key=self.credentials.app_key)
        form = built.signed_params(
            secret=secret or self.credentials.app_secret,
            access_token=token or self.token,
            timestamp_ms=int(time.time() * 1000),
        )
        if method == "GET":
            return self.session.get(built.url, params=form, timeout=timeout)
        return self.session.post(built.url, data=form, timeout=timeout)

    def search(self, keyword: str = "保温杯", **query: Any) -> requests.Response:
        return self.call(
            endpoints.KEYWORD_SEARCH,
            {"offerQueryParam": {"keyword": keyword, "beginPage": 1, "pageSize": 50, "country": "en", **query}},
        )
