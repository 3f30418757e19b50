"""One products row per offer per crawl, however many queries and pages found the offer."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from ..items import Product
from ..resume import build_seen_set
from ..seen import SeenSet

PREFIX = "harvester/dedupe/"


class DeduplicatePipeline:
    """Drops a Product whose offer this crawl already kept (the first one wins, with the query that found it).

    Sellers are kept once per crawl too: a later offer of a seller already
    kept loses its ``seller`` row but keeps ``seller_open_id``. Every query
    that found an offer stays in the ``search_hits`` table, which this
    pipeline never touches.

    The seen-sets come from ``HARVEST_SEEN_SET`` (see ``harvester.seen``).
    Stats: ``harvester/dedupe/dropped/offer``, ``.../repeated/seller``.
    """

    def __init__(self, stats: StatsCollector, offers: SeenSet, sellers: SeenSet) -> None:
        self._inc = stats.inc_value  # bound once: attribute lookups on Scrapy's stats collector are costly
        self._offers = offers
        self._sellers = sellers

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, build_seen_set(crawler, "offers"), build_seen_set(crawler, "sellers"))

    def process_item(self, item: Any) -> Any:
        if type(item) is not Product:
            return item
        if not self._offers.add(item.offer_id):
            self._inc(PREFIX + "dropped/offer")
            raise DropItem(f"offer {item.offer_id} already kept in this crawl", log_level="DEBUG")
        seller = item.seller
        if seller is not None and not self._sellers.add(seller.seller_open_id):
            item.seller = None
            self._inc(PREFIX + "repeated/seller")
        return item
