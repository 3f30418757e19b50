"""Sign every attempt of every API call as it leaves, and take the signature off as it returns.

The signature, timestamp and token must be fresh on every attempt and must
never reach the request fingerprint, the HTTP cache or a JOBDIR queue. So
this middleware sits last before the downloader: it writes the signed form
into the request in place, and restores the business-only form as soon as
the answer (or the failure) comes back, before any other middleware stores
or copies the request. The cache and retries therefore only ever see the
unsigned request.
"""

from __future__ import annotations

import logging
import time
import weakref
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from ..crawl import stop
from ..exceptions import ConfigurationError
from ..gateway.access import GatewayAccess
from ..gateway.calls import TOKEN_GENERATION, endpoint_of
from ..open1688 import endpoints

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class SigningMiddleware:
    def __init__(self, crawler: Crawler, access: GatewayAccess):
        self.crawler = crawler
        self.access = access
        self._unsigned: weakref.WeakKeyDictionary[Request, tuple[str, bytes]] = weakref.WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, GatewayAccess.from_crawler(crawler))

    async def process_request(self, request: Request) -> None:
        endpoint = endpoint_of(request)
        if endpoint is None or request in self._unsigned:
            return None
        if endpoint.needs_token and self.access.needs_refresh_soon():
            await self._refresh_ahead()
        try:
            token, generation = self.access.current() if endpoint.needs_token else (None, None)
        except ConfigurationError as error:
            # Not a transient failure to retry: nothing will be signed until the configuration is fixed.
            stop.stop_crawl(self.crawler, stop.FATAL_CONFIGURATION, str(error))
            raise IgnoreRequest(str(error)) from None
        request.meta[TOKEN_GENERATION] = generation
        self._sign(request, endpoint, token)
        return None

    async def _refresh_ahead(self) -> None:
        try:
            await self.access.refresh()
        except ConfigurationError as error:
            # The token still works for a while; a 401 later retries the refresh.
            logger.warning("Could not refresh the access token ahead of its expiry: %s", error)

    def _sign(self, request: Request, endpoint: endpoints.Endpoint, token: str | None) -> None:
        _, _, query = request.url.partition("?")
        if request.method == "GET":
            params = dict(parse_qsl(query, keep_blank_values=True))
        else:
            params = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        # The live gateway and app key, whatever the stored request names (an earlier run's, or the
        # embedded sandbox's stable placeholder): see harvester.gateway.calls.
        access = self.access
        call = endpoints.Call(
            endpoint=endpoint,
            url=endpoint.url(access.gateway, access.app_key),
            url_path=endpoint.url_path(access.app_key),
            params=params,
        )
        form = call.signed_params(secret=access.app_secret, access_token=token, timestamp_ms=int(time.time() * 1000))
        self._unsigned[request] = (request.url, request.body)
        if request.method == "GET":
            request._set_url(f"{call.url}?{urlencode(form)}")
        else:
            request._set_url(call.url)
            request._set_body(urlencode(form))

    def _restore(self, request: Request) -> None:
        unsigned = self._unsigned.pop(request, None)
        if unsigned is not None:
            url, body = unsigned
            request._set_url(url)
            request._set_body(body)

    def process_response(self, request: Request, response: Response) -> Response:
        signed_url = request.url
        self._restore(request)
        if response.url == signed_url and signed_url != request.url:
            # GET calls: the answer's URL would otherwise carry the token into caches and logs.
            response = response.replace(url=request.url)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._restore(request)
        return None
