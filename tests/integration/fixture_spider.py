"""A spider that yields the fixtures as a keyword crawl would, with no network: for ``scrapy runspider`` in tests.

``-a keywords=a,b`` finds every fixture offer once per keyword (so the
de-duplication has work to do). ``-a ending=...`` says how the crawl ends:
``finished`` (default), ``fatal`` (a callback raises CloseSpider after the
items), or ``hang`` (waits forever after printing READY once every item has
been through the pipelines, for a test to interrupt it).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from harvester.items import SearchHit
from tests.builders import fixture_offers


class FixtureSpider(scrapy.Spider):
    name = "fixture"

    def __init__(self, keywords: str = "保温杯,水杯", ending: str = "finished", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keywords = keywords.split(",")
        self.ending = ending
        self.expected = 0
        self.seen = 0

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.item_done, signal=signals.item_scraped)
        crawler.signals.connect(spider.item_done, signal=signals.item_dropped)
        return spider

    def item_done(self, *args: Any, **kwargs: Any) -> None:
        self.seen += 1
        if self.ending == "hang" and self.seen == self.expected:
            print("READY", flush=True)

    async def start(self):
        yield scrapy.Request("data:,results", callback=self.parse)
        if self.ending == "hang":
            await maybe_deferred_to_future(Deferred())

    def parse(self, response):
        now = datetime.now(UTC)
        for keyword in self.keywords:
            offers = fixture_offers(now)
            self.expected += 2 * len(offers)
            for position, raw in enumerate(offers, 1):
                offer_id = int(raw.data.get("offerId") or raw.data.get("productID") or 0)
                yield SearchHit(keyword, offer_id, 1, position, now)
                raw.query = keyword
                yield raw
        if self.ending == "fatal":
            raise CloseSpider("fatal_test_error")


if __name__ == "__main__":
    sys.exit("run with: python -m scrapy runspider tests/integration/fixture_spider.py")
