"""What every harvester spider shares: checked arguments, gateway access, batched details.

Arguments are checked before the crawl makes any call (the ``crawl``
command calls ``check_arguments`` before starting the engine), so a typo
costs nothing but a one-line message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from ..access import GatewayAccess
from ..exceptions import ArgumentError
from .details import DetailFetcher

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self


class HarvestSpider(scrapy.Spider):
    #: One line for `scrapy list` and the README.
    description: ClassVar[str] = ""
    #: Accepted ``-a`` arguments and what each means.
    arguments: ClassVar[dict[str, str]] = {}

    access: GatewayAccess
    details: DetailFetcher

    def __init__(self, name: str | None = None, **kwargs: Any):
        self.check_arguments(kwargs)
        super().__init__(name, **kwargs)

    @classmethod
    def check_arguments(cls, arguments: Mapping[str, Any]) -> None:
        unknown = sorted(set(arguments) - set(cls.arguments))
        if unknown:
            accepted = ", ".join(sorted(cls.arguments)) or "none"
            raise ArgumentError(f"unknown argument -a {unknown[0]}=...: the {cls.name} spider accepts {accepted}")
        cls.validate(arguments)

    @classmethod
    def validate(cls, arguments: Mapping[str, Any]) -> None:
        """Spider-specific checks; raise ``ArgumentError`` with what to fix."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.access = GatewayAccess.from_crawler(crawler)
        spider.details = DetailFetcher(crawler, spider.access)
        crawler.signals.connect(spider.flush_details, signal=signals.spider_idle)
        return spider

    def flush_details(self) -> None:
        """Send the last, partly filled detail batch once nothing else is left to do."""
        requests = self.details.flush()
        assert self.crawler.engine is not None
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider
