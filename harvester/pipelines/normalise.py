"""Raw API answers in, normalised offers (or rejects) out."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from ..crawl import crawl_identity
from ..items import RawOffer, Reject
from ..normalise import normalise_offer

PREFIX = "harvester/normalise/"
_PRODUCTS = PREFIX + "products"
_SKUS = PREFIX + "skus"


class NormalisePipeline:
    """Turns each :class:`RawOffer` into a Product carrying its SKUs and seller, or a Reject; other items pass.

    Stats: ``harvester/normalise/products``, ``.../skus``,
    ``.../rejected/<reason>``, and one count per repaired or dropped value
    (``.../repaired/<reason>``, ``.../dropped/<reason>``).
    """

    def __init__(self, stats: StatsCollector, crawl_id: str, image_base_url: str) -> None:
        # Bound once: every attribute lookup on a Scrapy stats collector goes through a costly __getattribute__.
        self._inc = stats.inc_value
        self._crawl_id = crawl_id
        self._image_base_url = image_base_url

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(
            crawler.stats,
            crawl_identity(crawler).crawl_id,
            crawler.settings.get("HARVEST_IMAGE_BASE_URL"),
        )

    def _note(self, what: str) -> None:
        self._inc(PREFIX + what)

    def process_item(self, item: Any) -> Any:
        if type(item) is not RawOffer:
            return item
        result = normalise_offer(item, self._note, crawl_id=self._crawl_id, image_base=self._image_base_url)
        if type(result) is Reject:
            self._inc(PREFIX + "rejected/" + result.reason)
        else:
            self._inc(_PRODUCTS)
            self._inc(_SKUS, len(result.skus))
        return result
