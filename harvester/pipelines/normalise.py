"""Raw API answers in, normalised rows (or rejects) out: search items -> listings, details -> products."""

from __future__ import annotations

from collections import Counter
from time import monotonic
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from ..crawl.identity import crawl_identity
from ..items import RawListing, RawOffer, Reject
from ..normalise import normalise_listing, normalise_offer

PREFIX = "harvester/normalise/"
_PRODUCTS = PREFIX + "products"
_SKUS = PREFIX + "skus"
_LISTINGS = PREFIX + "listings"
#: Seconds between two hand-overs of the counts to the stats collector.
STATS_INTERVAL = 1.0


class NormalisePipeline:
    """Turns each :class:`RawOffer` into a Product carrying its SKUs and seller, each :class:`RawListing` into a
    Listing, either into a Reject when nothing usable is left; other items pass.

    Stats: ``harvester/normalise/products``, ``.../skus``, ``.../listings``,
    ``.../rejected/<reason>``, and one count per repaired or dropped value
    (``.../repaired/<reason>``, ``.../dropped/<reason>``).

    The counts are kept here and added to the crawl's stats at most once a
    second (the first at once) and when the spider closes: an increment of
    Scrapy's stats collector costs ~1.4 µs (its ``__getattribute__`` hook
    and the deprecated-argument check), which at two or more per offer was
    a noticeable share of normalising one. Whoever reads the stats during
    the crawl sees them at most a second late; the final figures are exact.
    """

    def __init__(self, stats: StatsCollector, crawl_id: str, image_base_url: str) -> None:
        # Bound once: every attribute lookup on a Scrapy stats collector goes through a costly __getattribute__.
        self._inc = stats.inc_value
        self._crawl_id = crawl_id
        self._image_base_url = image_base_url
        #: Counts not yet handed to the stats collector, by full stats key.
        self._counts: Counter[str] = Counter()
        self._flush_at = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(
            crawler.stats,
            crawl_identity(crawler).crawl_id,
            crawler.settings.get("HARVEST_IMAGE_BASE_URL"),
        )

    def _note(self, what: str) -> None:
        self._counts[PREFIX + what] += 1

    def process_item(self, item: Any) -> Any:
        kind = type(item)
        counts = self._counts
        if kind is RawOffer:
            result = normalise_offer(item, self._note, crawl_id=self._crawl_id, image_base=self._image_base_url)
            if type(result) is Reject:
                counts[PREFIX + "rejected/" + result.reason] += 1
            else:
                counts[_PRODUCTS] += 1
                counts[_SKUS] += len(result.skus)
        elif kind is RawListing:
            result = normalise_listing(item, self._note, crawl_id=self._crawl_id, image_base=self._image_base_url)
            if type(result) is Reject:
                counts[PREFIX + "rejected/" + result.reason] += 1
            else:
                counts[_LISTINGS] += 1
        else:
            return item
        if monotonic() >= self._flush_at:
            self._flush()
        return result

    def close_spider(self) -> None:
        self._flush()

    def _flush(self) -> None:
        inc = self._inc
        for key, count in self._counts.items():
            inc(key, count)
        self._counts.clear()
        self._flush_at = monotonic() + STATS_INTERVAL
