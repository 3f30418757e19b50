"""One products row per offer per crawl, however many queries and pages found the offer."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from ..crawl.resume import build_seen_set
from ..crawl.seen import NetworkedSeenSet, SeenSet
from ..distributed.connection import RedisUnavailable
from ..distributed.outage import redis_lost
from ..items import Product

PREFIX = "harvester/dedupe/"


class DeduplicatePipeline:
    """Drops a Product whose offer this crawl already kept (the first one wins, with the query that found it).

    Sellers are kept once per crawl too: a later offer of a seller already
    kept loses its ``seller`` row but keeps ``seller_open_id``. Every query
    that found an offer stays in the ``search_hits`` table, which this
    pipeline never touches.

    The seen-sets come from ``HARVEST_SEEN_SET`` (see ``harvester.crawl.seen``);
    when they sit behind a network (a distributed crawl's Redis), the crawl
    gets :class:`SharedDeduplicatePipeline`, which awaits them.
    Stats: ``harvester/dedupe/dropped/offer``, ``.../repeated/seller``.
    """

    def __init__(self, crawler: Crawler, offers: SeenSet, sellers: SeenSet) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self._inc = crawler.stats.inc_value  # bound once: attribute lookups on Scrapy's stats collector are costly
        self._offers = offers
        self._sellers = sellers

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeduplicatePipeline:
        offers, sellers = build_seen_set(crawler, "offers"), build_seen_set(crawler, "sellers")
        if isinstance(offers, NetworkedSeenSet) and isinstance(sellers, NetworkedSeenSet):
            return SharedDeduplicatePipeline(crawler, offers, sellers)
        return cls(crawler, offers, sellers)

    def process_item(self, item: Any) -> Any:
        if type(item) is not Product:
            return item
        new_offer = self._offers.add(item.offer_id)
        new_seller = new_offer and item.seller is not None and self._sellers.add(item.seller.seller_open_id)
        return self._kept(item, new_offer, new_seller)

    def _kept(self, item: Product, new_offer: bool, new_seller: bool) -> Product:
        if not new_offer:
            self._inc(PREFIX + "dropped/offer")
            raise DropItem(f"offer {item.offer_id} already kept in this crawl", log_level="DEBUG")
        if item.seller is not None and not new_seller:
            item.seller = None
            self._inc(PREFIX + "repeated/seller")
        return item


class SharedDeduplicatePipeline(DeduplicatePipeline):
    """The same, with seen-sets shared through the network: each product's checks are awaited, so the
    reactor goes on with other work during the round trips instead of blocking on them (one per product)."""

    _offers: NetworkedSeenSet
    _sellers: NetworkedSeenSet

    async def process_item(self, item: Any) -> Any:  # type: ignore[override]
        if type(item) is not Product:
            return item
        try:
            new_offer = await self._offers.add_async(item.offer_id)
            new_seller = new_offer and item.seller is not None and await self._sellers.add_async(
                item.seller.seller_open_id)
        except RedisUnavailable as error:
            # Not written: its request stays leased and is fetched again once Redis is back.
            redis_lost(self.crawler, error)
            raise DropItem(f"offer {item.offer_id} not kept: Redis is gone", log_level="DEBUG") from None
        return self._kept(item, new_offer, new_seller)

    async def close_spider(self) -> None:
        await self._offers.close()
        await self._sellers.close()
