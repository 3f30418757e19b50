"""One products row and one listings row per offer per crawl, however many queries and pages found the offer."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from ..crawl.resume import build_seen_set
from ..crawl.seen import NetworkedSeenSet, SeenSet, SeenSetUnavailable
from ..items import Listing, Product

PREFIX = "harvester/dedupe/"


class DeduplicatePipeline:
    """Drops a Product whose offer this crawl already kept (the first one wins, with the query that found it), and
    a Listing whose offer this crawl already listed (likewise).

    Sellers are kept once per crawl too: a later offer of a seller already
    kept loses its ``seller`` row but keeps ``seller_open_id``. Every query
    that found an offer stays in the ``search_hits`` table, which this
    pipeline never touches.

    The seen-sets come from ``HARVEST_SEEN_SET`` (see ``harvester.crawl.seen``);
    when they sit behind a network (a distributed crawl's Redis), the crawl
    gets :class:`SharedDeduplicatePipeline`, which awaits them.
    Stats: ``harvester/dedupe/dropped/offer``, ``.../dropped/listing``, ``.../repeated/seller``.
    """

    def __init__(self, crawler: Crawler, offers: SeenSet, sellers: SeenSet, listings: SeenSet) -> None:
        assert crawler.stats is not None
        self._inc = crawler.stats.inc_value  # bound once: attribute lookups on Scrapy's stats collector are costly
        self._offers = offers
        self._sellers = sellers
        self._listings = listings

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeduplicatePipeline:
        sets = [build_seen_set(crawler, name) for name in ("offers", "sellers", "listings")]
        if all(isinstance(seen, NetworkedSeenSet) for seen in sets):
            return SharedDeduplicatePipeline(crawler, *sets)
        return cls(crawler, *sets)

    def process_item(self, item: Any) -> Any:
        kind = type(item)
        if kind is Listing:
            return self._listed(item, self._listings.add(item.offer_id))
        if kind is not Product:
            return item
        new_offer = self._offers.add(item.offer_id)
        new_seller = new_offer and item.seller is not None and self._sellers.add(item.seller.seller_open_id)
        return self._kept(item, new_offer, new_seller)

    def _listed(self, item: Listing, new_listing: bool) -> Listing:
        if not new_listing:
            self._inc(PREFIX + "dropped/listing")
            raise DropItem(f"offer {item.offer_id} already listed in this crawl", log_level="DEBUG")
        return item

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
    _listings: NetworkedSeenSet

    async def process_item(self, item: Any) -> Any:  # type: ignore[override]
        kind = type(item)
        if kind is not Listing and kind is not Product:
            return item
        try:
            if kind is Listing:
                return self._listed(item, await self._listings.add_async(item.offer_id))
            new_offer = await self._offers.add_async(item.offer_id)
            new_seller = (
                new_offer and item.seller is not None and await self._sellers.add_async(item.seller.seller_open_id)
            )
        except SeenSetUnavailable as error:
            # Not written: the set stopped the crawl, and the item's request is fetched again by a later run (a
            # distributed crawl's lease is not acked).
            raise DropItem(f"offer {item.offer_id} not kept: {error}", log_level="DEBUG") from None
        return self._kept(item, new_offer, new_seller)

    async def close_spider(self) -> None:
        await self._offers.close()
        await self._sellers.close()
        await self._listings.close()
