"""What every harvester spider shares: checked arguments, gateway access, batched details.

Arguments are checked before the crawl makes any call (the ``crawl``
command calls ``check_arguments`` before starting the engine), so a typo
costs nothing but a one-line message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import scrapy
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from ..access import GatewayAccess
from ..distributed.finish import Finish
from ..distributed.units import UnitFeed
from ..exceptions import ArgumentError
from .details import DetailFetcher
from .search import SearchPager
from .sellers import SellerProbes

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from typing_extensions import Self

#: Arguments scrapyd gives every crawl it runs (``-a _job=ID``, and ``-a _version=V`` when scheduled with one):
#: its own bookkeeping, not the spider's.
SCRAPYD_ARGUMENTS = frozenset(("_job", "_version"))


class HarvestSpider(scrapy.Spider):
    #: One line for `scrapy list` and the README.
    description: ClassVar[str] = ""
    #: Accepted ``-a`` arguments and what each means.
    arguments: ClassVar[dict[str, str]] = {}
    #: Fields of one unit of work (what ``units()`` yields and ``seeds()`` takes; a Redis payload's keys).
    #: Empty: the spider cannot take its work from Redis.
    unit_fields: ClassVar[frozenset[str]] = frozenset()
    #: The unit field that plain text pushed by hand on scrapy-redis's start key fills (a keyword, offer ids,
    #: an image, a seller): what `scrapy enqueue SPIDER TEXT` would queue.
    unit_subject: ClassVar[str] = ""

    access: GatewayAccess
    details: DetailFetcher
    sellers: SellerProbes
    #: Set by spiders that search.
    pager: SearchPager
    #: Where units come from and how the worker finishes, in a distributed crawl (HARVEST_DISTRIBUTED).
    feed: UnitFeed | None = None
    finish: Finish | None = None

    def __init__(self, name: str | None = None, *, units_from_redis: bool = False, **kwargs: Any):
        if _own(kwargs) or not units_from_redis:
            self.check_arguments(kwargs)
        super().__init__(name, **kwargs)

    @classmethod
    def check_arguments(cls, arguments: Mapping[str, Any], settings: BaseSettings | None = None) -> None:
        """All checks; ``settings`` (given by ``scrapy crawl``) adds those that depend on them.

        A worker of a distributed crawl may be given no argument: its units come from Redis.
        """
        arguments = _own(arguments)
        if settings is not None and settings.getbool("HARVEST_DISTRIBUTED"):
            if not cls.unit_fields:
                raise ArgumentError(f"the {cls.name} spider cannot run distributed (it takes no units from Redis)")
            if not arguments:
                return
        unknown = sorted(set(arguments) - set(cls.arguments))
        if unknown:
            accepted = ", ".join(sorted(cls.arguments)) or "none"
            raise ArgumentError(f"unknown argument -a {unknown[0]}=...: the {cls.name} spider accepts {accepted}")
        cls.validate(arguments)
        if settings is not None:
            cls.validate_inputs(arguments, settings)

    @classmethod
    def validate(cls, arguments: Mapping[str, Any]) -> None:
        """Spider-specific checks; raise ``ArgumentError`` with what to fix."""

    @classmethod
    def validate_inputs(cls, arguments: Mapping[str, Any], settings: BaseSettings) -> None:
        """Checks of what the arguments point at under the crawl's settings (an image within the upload
        limits, a dataset to monitor); raise ``ArgumentError`` with what to fix."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        distributed = crawler.settings.getbool("HARVEST_DISTRIBUTED")
        spider = super().from_crawler(crawler, *args, units_from_redis=distributed, **kwargs)
        spider.access = GatewayAccess.from_crawler(crawler)
        spider.details = DetailFetcher(crawler, spider.access, spider)
        spider.sellers = SellerProbes(crawler, spider.access, spider)
        if distributed:
            spider.feed = UnitFeed(crawler, spider)
            spider.finish = Finish(crawler, spider)
        crawler.signals.connect(spider.flush_details, signal=signals.spider_idle)
        return spider

    # Callbacks and errbacks live on the spider (Scrapy serialises requests by method name)
    # and hand over to the components that know the answers.

    def parse_batch_detail(self, response: Response) -> Iterator[Any]:
        for output in self.details.parse_batch(response):
            yield from self.sellers.route(output)

    def parse_seller_probe(self, response: Response) -> Iterator[Any]:
        return self.sellers.parse_probe(response)

    def seller_probe_failed(self, failure: Failure) -> Iterator[Any]:
        return self.sellers.probe_failed(failure)

    def parse_product_detail(self, response: Response) -> Iterator[Any]:
        return self.details.parse_single(response)

    def batch_detail_failed(self, failure: Failure) -> Iterator[Any]:
        return self.details.batch_failed(failure)

    def product_detail_failed(self, failure: Failure) -> Iterator[Any]:
        return self.details.single_failed(failure)

    def parse_search_page(self, response: Response) -> Iterator[Any]:
        return self.pager.parse(response)

    def search_page_failed(self, failure: Failure) -> None:
        return self.pager.page_failed(failure)

    # Work arrives in units: one keyword with its filters, one image, one list of ids, one seller.
    # A unit is a dict of spider arguments, from -a arguments here or from a Redis payload in a
    # distributed crawl; `seeds` turns one unit into its first requests either way.

    def units(self) -> Iterable[dict[str, Any]]:
        """The units of work given as -a arguments."""
        raise NotImplementedError

    def seeds(self, unit: Mapping[str, Any]) -> Iterable[Request]:
        """First requests for one unit; raises ``ArgumentError`` for a unit that cannot be searched."""
        raise NotImplementedError

    async def start(self) -> AsyncIterator[Request]:
        """The units' first requests; a worker of a distributed crawl queues its -a units in Redis and takes
        units from there (``harvester.distributed.units``)."""
        if self.feed is not None:
            given = self.units() if any(name in self.__dict__ for name in self.arguments) else ()
            async for request in self.feed.start(given):
                yield request
            return
        for unit in self.units():
            await self._room_for_more()
            try:
                seeds = list(self.seeds(unit))
            except ArgumentError as error:
                self.crawler.stats.inc_value("harvester/input/bad_units")  # type: ignore[union-attr]
                self.logger.warning("Skipped %s: %s", str(unit)[:80], error)
                continue
            for request in seeds:
                yield request

    async def _room_for_more(self) -> None:
        """Wait while the downloader is full and nothing is left queued: units are read from their
        source (a file of millions of ids) only as fast as calls go out, never into the scheduler at once."""
        engine = self.crawler.engine
        while engine is not None and engine.needs_backout() and engine.running:
            await self.crawler.signals.wait_for(signals.scheduler_empty)

    def flush_details(self) -> None:
        """Send the last, partly filled detail batch once nothing else is left to do; a worker of a
        distributed crawl then closes only when the whole crawl is done (``harvester.distributed.finish``)."""
        requests = self.details.flush()
        assert self.crawler.engine is not None
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider
        if self.finish is not None and self.feed is not None:
            self.finish.idle(self.feed)


def _own(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments meant for the spider (scrapyd's left out)."""
    return {name: value for name, value in arguments.items() if name not in SCRAPYD_ARGUMENTS}
