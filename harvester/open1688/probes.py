"""Which product APIs an app may call, found with one cheap call to each.

Each cross-border API must be granted to an app in the 1688 console, and
until it is the gateway answers ``gw.APIACLDecline``. A user should learn that
right after ``scrapy auth`` (and from ``scrapy doctor``), not hours into a
crawl. A probe counts as allowed when the call got past the gateway's checks,
including a business error such as an unknown offer: that proves the app and
token may call the API. Each probe spends one call of the app's quota.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from PIL import Image

from . import endpoints
from .client import Client
from .outcomes import Action, GatewayError, Outcome

PROBE_KEYWORD = "保温杯"
#: Used when the search found nothing to take a real id from; an unknown id still proves access.
_STAND_IN_OFFER_ID = 1
_ALLOWED = (Action.OK, Action.FAILED)


@dataclass(frozen=True)
class Probe:
    endpoint: endpoints.Endpoint
    outcome: Outcome

    @property
    def allowed(self) -> bool:
        return self.outcome.action in _ALLOWED

    @property
    def denied(self) -> bool:
        """Not granted to this app: the API to request in the console is ``endpoint.qualified_name``."""
        return self.outcome.code == "gw.APIACLDecline"


def tiny_jpeg() -> bytes:
    """A small plain picture: enough for the upload API to accept, cheap to send."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 200, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def _try(call: Callable[[], Any]) -> tuple[Outcome, Any]:
    try:
        value = call()
    except GatewayError as error:
        return error.outcome, None
    return Outcome(Action.OK), value


def probe(client: Client) -> Iterator[Probe]:
    """Probe the product APIs one by one, lazily: a caller that needs one answer stops early.

    Later probes reuse what earlier ones found (an offer id, a seller, an
    image id) so that, on an app with access, they are ordinary calls.
    """
    outcome, page = _try(lambda: client.keyword_search(PROBE_KEYWORD, page_size=1))
    yield Probe(endpoints.KEYWORD_SEARCH, outcome)
    # The search navigation cuts the queries no partition can bring under the search cap.
    outcome, _ = _try(lambda: client.navigation(PROBE_KEYWORD))
    yield Probe(endpoints.KEYWORD_NAVIGATION, outcome)
    items = (page or {}).get("data") or [{}]
    offer_id = items[0].get("offerId") or _STAND_IN_OFFER_ID

    outcome, detail = _try(lambda: client.product_detail(offer_id))
    yield Probe(endpoints.PRODUCT_DETAIL, outcome)
    seller = (detail or {}).get("sellerOpenId") or "0"

    outcome, image_id = _try(lambda: client.upload_image(tiny_jpeg()))
    yield Probe(endpoints.IMAGE_UPLOAD, outcome)

    outcome, _ = _try(lambda: client.image_search(image_id or "0", page_size=1))
    yield Probe(endpoints.IMAGE_SEARCH, outcome)

    outcome, _ = _try(lambda: client.seller_offers(seller, page_size=1))
    yield Probe(endpoints.SELLER_OFFERS, outcome)
