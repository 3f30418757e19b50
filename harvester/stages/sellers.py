"""Learn who sells each offer: one ``queryProductDetail`` per new seller met in batch answers.

``alibaba.cross.productList`` names an offer's seller only by its
``supplierLoginId``; the seller's open id, company name and service scores
come with ``queryProductDetail``. So the first offer of each seller met in a
batch answer is asked for again with ``queryProductDetail`` (a *probe*). Its
answer replaces the batch one for that offer (it says everything the batch
one does, and more) and gives the ``sellers`` table its row; offers of the
same seller that arrive while the probe is out wait for it, and they and
every later offer of that seller get the seller's open id and company name.
Products therefore name their seller whether they came in a batch or not,
whatever order the answers arrive in.

Cost: one call per distinct seller, at most ``OPEN1688_SELLER_PROBES`` per
crawl (after that, offers keep only the login id; 0 turns probing off, as
the monitor does to keep its cost at one call per batch). Each worker of a
distributed crawl probes the sellers it meets.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from ..gateway.calls import ACL_FALLBACK, ApiCallFailed, api_request, outcome_of
from ..items import RawOffer
from ..open1688 import endpoints
from .details import DETAIL_PRIORITY, offer_id_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from ..gateway.access import GatewayAccess
    from ..spiders.base import HarvestSpider

logger = logging.getLogger(__name__)

STATS = "harvester/sellers"
#: Probes go before other detail calls: offers wait for them.
PROBE_PRIORITY = DETAIL_PRIORITY + 1


def _login_of(data: dict[str, Any]) -> str | None:
    login = data.get("supplierLoginId")
    return (login.strip() or None) if isinstance(login, str) else None


class SellerProbes:
    def __init__(self, crawler: Crawler, access: GatewayAccess, spider: HarvestSpider):
        settings = crawler.settings
        #: Callbacks must be the spider's own methods so requests survive a JOBDIR or a Redis queue.
        self.spider = spider
        self.access = access
        self.crawler = crawler
        self.limit = settings.getint("OPEN1688_SELLER_PROBES")
        self.country = settings.get("OPEN1688_COUNTRY")
        self.method = settings.get("OPEN1688_HTTP_METHOD")
        self.sent = 0
        #: Login id -> what the probe learnt (None: nothing could be learnt; offers pass as they are).
        self._known: dict[str, dict[str, str] | None] = {}
        #: Login id -> the batch answers waiting for that seller's probe.
        self._waiting: dict[str, list[RawOffer]] = {}

    @property
    def stats(self) -> StatsCollector:
        # The spider (and so this object) is built before the crawler's stats exist.
        return self.crawler.stats  # type: ignore[return-value]

    def route(self, output: Any) -> Iterator[Any]:
        """Pass on what a batch answer gave, holding back (and probing for) offers of sellers not known yet."""
        if type(output) is not RawOffer or output.source_api != endpoints.BATCH_DETAIL.key:
            yield output
            return
        login = _login_of(output.data)
        if login is None:
            yield output
            return
        if login in self._known:
            hint = self._known[login]
            if hint is not None:
                output.seller_hint = hint
                self.stats.inc_value(f"{STATS}/offers_filled")
            yield output
            return
        waiting = self._waiting.get(login)
        if waiting is not None:
            waiting.append(output)
            return
        if self.sent >= self.limit:
            if self.limit and not self.stats.get_value(f"{STATS}/offers_not_probed"):
                logger.info("OPEN1688_SELLER_PROBES=%d reached: later sellers are known by their login id only",
                            self.limit)
            self.stats.inc_value(f"{STATS}/offers_not_probed")
            yield output
            return
        self._waiting[login] = [output]
        yield self._probe(login, output)

    def _probe(self, login: str, raw: RawOffer) -> Request:
        self.sent += 1
        self.stats.inc_value(f"{STATS}/probes")
        return api_request(
            self.access,
            endpoints.PRODUCT_DETAIL,
            {"offerDetailParam": {"offerId": offer_id_of(raw.data), "country": self.country}},
            method=self.method,
            # An app that may not call queryProductDetail loses its sellers' details, not the crawl.
            meta={"seller_login": login, ACL_FALLBACK: True},
            callback=self.spider.parse_seller_probe,
            errback=self.spider.seller_probe_failed,
            priority=PROBE_PRIORITY,
            # The same detail call may have been made for this offer already (a batch fallback): ask anyway.
            dont_filter=True,
        )

    def parse_probe(self, response: Response) -> Iterator[RawOffer]:
        outcome = outcome_of(response)
        login: str = response.meta["seller_login"]
        waiting = self._waiting.pop(login, [])
        data = outcome.data if isinstance(outcome.data, dict) else None
        open_id = data.get("sellerOpenId") if data is not None else None
        if data is None or not isinstance(open_id, str) or not open_id.strip():
            self._known[login] = None
            self.stats.inc_value(f"{STATS}/probes_without_seller")
            yield from waiting
            return
        hint = {"sellerOpenId": open_id, "companyName": data.get("companyName"), "supplierLoginId": login}
        self._known[login] = hint
        self.stats.inc_value(f"{STATS}/learnt")
        probed = offer_id_of(data)
        now = datetime.now(timezone.utc)
        for raw in waiting:
            self.stats.inc_value(f"{STATS}/offers_filled")
            if offer_id_of(raw.data) == probed:
                # The detail answer says all the batch one did, and who sells: it replaces it.
                yield RawOffer(endpoints.PRODUCT_DETAIL.key, data, raw.query, raw.search_item, now, raw.rank,
                               raw.found_by, hint)
            else:
                raw.seller_hint = hint
                yield raw

    def probe_failed(self, failure: Failure) -> Iterator[RawOffer]:
        login: str = failure.request.meta["seller_login"]  # type: ignore[attr-defined]
        self._known[login] = None
        self.stats.inc_value(f"{STATS}/probes_failed")
        error = failure.value
        if isinstance(error, ApiCallFailed) and error.outcome.code == "gw.APIACLDecline" and self.limit:
            logger.warning("This app may not call %s: sellers stay known by their login id only (request the API "
                           "in the 1688 console to fill the sellers table)", endpoints.PRODUCT_DETAIL.qualified_name)
            self.stats.set_value(f"{STATS}/probes_refused", True)
            self.limit = 0
        logger.debug("Could not learn the seller %s: %s", login, error)
        yield from self._waiting.pop(login, [])
