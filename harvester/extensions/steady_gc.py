"""Settle the garbage collector once the crawl has started (see ``harvester.crawl.steady_gc`` for why)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

from ..crawl import steady_gc

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler


class SteadyGc:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("HARVEST_STEADY_GC"):
            raise NotConfigured("HARVEST_STEADY_GC is off")
        extension = cls()
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        return extension

    def engine_started(self) -> None:
        steady_gc.settle()
