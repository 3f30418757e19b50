"""Gateway calls as Scrapy requests, and the small vocabulary the middlewares share about them.

An API request carries only its business parameters: the URL with the app
key and a form body (or query string) of those parameters. That is all the
request fingerprint, the dupefilter, the HTTP cache and a JOBDIR ever see;
the signing middleware adds token, timestamp and signature per attempt, and
sends it to the live gateway with the live app key: a request queued in a
JOBDIR by an earlier run (on an embedded sandbox whose port and key were
that run's) goes to this run's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from ..open1688 import endpoints
from ..open1688.outcomes import Outcome

if TYPE_CHECKING:
    from .access import GatewayAccess

logger = logging.getLogger(__name__)

#: Request meta: the endpoint key of an API call.
API = "open1688_api"
#: Request meta: the decoded outcome of an answered call, for the callback.
OUTCOME = "open1688_outcome"
#: Request meta: wall-clock time before which a retried call must not be sent (survives a JOBDIR).
NOT_BEFORE = "open1688_not_before"
#: Request meta: generation of the access token the call was signed with.
TOKEN_GENERATION = "open1688_token_generation"
#: Request meta: an ACL refusal of this call is handled by its errback, not fatal.
ACL_FALLBACK = "open1688_acl_fallback"

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=UTF-8"


class ApiCallFailed(IgnoreRequest):
    """A call that will not succeed; its errback gets the outcome to act on."""

    def __init__(self, outcome: Outcome, *, gave_up: bool = False):
        super().__init__(outcome.message)
        self.outcome = outcome
        self.gave_up = gave_up

    @property
    def business_answer(self) -> bool:
        """The API's own final answer about the call's subject (an offer gone, a date not served): not trouble
        retried until given up on, nor the gateway's or HTTP's; asking again would get the same answer."""
        return not self.gave_up and self.outcome.is_business


def api_request(
    access: GatewayAccess,
    endpoint: endpoints.Endpoint,
    params: Mapping[str, Any],
    *,
    method: str = "POST",
    meta: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Request:
    # The stored address, stable across runs; the signing middleware sends each attempt to the live one.
    call = endpoints.build_call(endpoint, params, gateway=access.request_origin, app_key=access.request_app_key)
    # API calls are retried by the API errors middleware, which knows the gateway's codes.
    meta = dict(meta or {}, **{API: endpoint.key, "dont_retry": True})
    if method == "GET":
        url = f"{call.url}?{urlencode(call.params)}" if call.params else call.url
        return Request(url, method="GET", meta=meta, **kwargs)
    return Request(
        call.url,
        method="POST",
        body=urlencode(call.params),
        headers={"Content-Type": FORM_CONTENT_TYPE},
        meta=meta,
        **kwargs,
    )


def endpoint_of(request: Request) -> endpoints.Endpoint | None:
    key = request.meta.get(API)
    return endpoints.CATALOGUE[key] if key else None


def outcome_of(response: Any) -> Outcome:
    """The outcome the API errors middleware decoded; taken out of meta so it is not kept around."""
    return response.meta.pop(OUTCOME)
