"""Act on what the gateway answered: retry, slow down, refresh the token, stop, or fail the call.

Scrapy's RetryMiddleware cannot do this: the gateway reports throttling as
HTTP 400 with a JSON code, a bad signature is also a 400 but must end the
crawl, and business errors arrive as HTTP 200. The decision itself lives in
``open1688.outcomes`` (shared with the synchronous client); this middleware
only carries it out, with exponential backoff and full jitter for retries.
"""

from __future__ import annotations

import logging
import random
import time
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.python import global_object_name

from ..checks import guards
from ..crawl import stats as keys
from ..crawl import stop
from ..exceptions import ConfigurationError
from ..gateway import signals as harvester_signals
from ..gateway.access import GatewayAccess
from ..gateway.calls import ACL_FALLBACK, NOT_BEFORE, OUTCOME, TOKEN_GENERATION, ApiCallFailed, endpoint_of
from ..open1688.outcomes import ISP_CODES, Action, Outcome, classify

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: Meta: how many times this call was answered "slow down".
THROTTLED_TIMES = "open1688_throttled_times"
#: Meta: how many times this call was replayed after a token refresh.
REFRESHED = "open1688_token_refreshed"
#: A call whose token is rejected again after this many refreshes means the refreshed tokens are refused.
MAX_REFRESHES = 2


class ApiErrorsMiddleware:
    def __init__(
        self,
        crawler: Crawler,
        access: GatewayAccess,
        *,
        retry_times: int,
        backoff: float,
        backoff_max: float,
        throttle_times: int,
        isp_retry_times: int,
        rng: random.Random | None = None,
    ):
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]
        self.access = access
        self.retry_times = retry_times
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.throttle_times = throttle_times
        self.isp_retry_times = isp_retry_times
        self.rng = rng or random.Random()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            GatewayAccess.from_crawler(crawler),
            retry_times=guards.value(settings, "OPEN1688_RETRY_TIMES"),
            backoff=guards.value(settings, "OPEN1688_RETRY_BACKOFF"),
            backoff_max=guards.value(settings, "OPEN1688_RETRY_BACKOFF_MAX"),
            throttle_times=guards.value(settings, "OPEN1688_THROTTLE_RETRY_TIMES"),
            isp_retry_times=guards.value(settings, "OPEN1688_ISP_RETRY_TIMES"),
        )

    # --- answers ------------------------------------------------------------

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        endpoint = endpoint_of(request)
        if endpoint is None:
            return response
        outcome = classify(
            response.status,
            response.body,
            headers={
                "content-type": response.headers.get(b"Content-Type", b"").decode("latin-1"),
                "retry-after": (response.headers.get(b"Retry-After") or b"").decode("latin-1") or None,
            },
            endpoint=endpoint,
        )
        if outcome.action is Action.OK:
            request.meta[OUTCOME] = outcome
            return response
        self.stats.inc_value(f"{keys.API_ANSWERS}/{outcome.reason}")
        if outcome.action is Action.RETRY:
            return self._retry(request, outcome)
        if outcome.action is Action.SLOW_DOWN:
            return self._slow_down(request, outcome)
        if outcome.action is Action.REFRESH_TOKEN:
            return await self._refresh_and_replay(request, outcome)
        # A call refused because the crawl must stop (the paid quota used up, a configuration the gateway
        # refuses) did not fail: it goes back to the queue, and a resume once that is fixed sends it again.
        if outcome.action is Action.STOP:
            stop.stop_crawl(self.crawler, stop.QUOTA_USED_UP, outcome.message)
            return stop.put_back(self.crawler, request)
        acl_fallback = outcome.code == "gw.APIACLDecline" and request.meta.get(ACL_FALLBACK)
        if outcome.action is Action.FATAL and not acl_fallback:
            stop.stop_crawl(self.crawler, stop.FATAL_CONFIGURATION, outcome.message)
            return stop.put_back(self.crawler, request)
        logger.debug("Call failed: %s", outcome.message)
        raise ApiCallFailed(outcome)

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if endpoint_of(request) is None or isinstance(exception, IgnoreRequest):
            return None
        reason = global_object_name(exception.__class__)
        self.stats.inc_value(f"{keys.API_EXCEPTIONS}/{reason}")
        return self._retry(request, Outcome(Action.RETRY, reason, f"{reason}: {exception}", status=0))

    # --- actions ------------------------------------------------------------

    def _delay(self, attempt: int) -> float:
        """Full jitter: spreads the retries of a burst of failures instead of lining them up again."""
        return self.rng.uniform(0, min(self.backoff_max, self.backoff * 2**attempt))

    def _retry(self, request: Request, outcome: Outcome) -> Request:
        spider: Any = self.crawler.spider
        limit = request.meta.get("max_retry_times", self.retry_times)
        if outcome.code in ISP_CODES:
            limit = min(limit, self.isp_retry_times)
        retry = get_retry_request(
            request,
            spider=spider,
            reason=outcome.reason,
            max_retry_times=limit,
            stats_base_key=keys.API_RETRY,
        )
        if retry is None:
            self.stats.inc_value(f"{keys.API_GAVE_UP}/{outcome.reason}")
            logger.warning("Gave up on a call after %d retries: %s", limit, outcome.message)
            raise ApiCallFailed(outcome, gave_up=True)
        delay = max(self._delay(retry.meta["retry_times"] - 1), outcome.retry_after or 0)
        retry.meta[NOT_BEFORE] = time.time() + delay
        return retry

    def _slow_down(self, request: Request, outcome: Outcome) -> Request:
        self.crawler.signals.send_catch_log(
            harvester_signals.gateway_throttled, request=request, retry_after=outcome.retry_after
        )
        times = request.meta.get(THROTTLED_TIMES, 0) + 1
        if times > self.throttle_times:
            self.stats.inc_value(f"{keys.API_GAVE_UP}/{outcome.reason}")
            raise ApiCallFailed(outcome, gave_up=True)
        retry = request.copy()
        retry.meta[THROTTLED_TIMES] = times
        retry.meta[NOT_BEFORE] = time.time() + max(self._delay(min(times, 6)), outcome.retry_after or 0)
        retry.dont_filter = True
        self.stats.inc_value(keys.API_THROTTLED_RETRIES)
        return retry

    async def _refresh_and_replay(self, request: Request, outcome: Outcome) -> Request:
        """The call again with a refreshed token; when the token cannot be renewed, the crawl stops and the call
        goes back to the queue (sent again by a resume after `scrapy auth`)."""
        if request.meta.get(REFRESHED, 0) >= MAX_REFRESHES:
            message = "the gateway rejected a freshly refreshed access token: run `scrapy auth` to authorise again"
            stop.stop_crawl(self.crawler, stop.FATAL_CONFIGURATION, message)
            return stop.put_back(self.crawler, request)
        try:
            refreshed = await self.access.refresh(request.meta.get(TOKEN_GENERATION))
        except ConfigurationError as error:
            stop.stop_crawl(self.crawler, stop.FATAL_CONFIGURATION, str(error))
            return stop.put_back(self.crawler, request)
        if not refreshed:
            stop.stop_crawl(
                self.crawler,
                stop.FATAL_CONFIGURATION,
                "the access token was rejected and there is no refresh token to renew it: run `scrapy auth`",
            )
            return stop.put_back(self.crawler, request)
        self.stats.inc_value(keys.API_TOKEN_REFRESHES)
        replay = request.copy()
        replay.meta[REFRESHED] = request.meta.get(REFRESHED, 0) + 1
        replay.dont_filter = True
        return replay
