"""Where a crawl's units of work come from: the ``-a`` arguments here, or a shared queue when an add-on says so.

A unit is one keyword with its filters, one image, one list of ids, one
seller: a dict of spider arguments, turned into first requests by the
spider's ``seeds()``. ``HARVEST_UNIT_SOURCE`` names the class that feeds
them to the spider's ``start()`` and decides, when the crawl goes idle,
whether it is done; the distributed add-on switches it to the Redis feed
(``harvester.distributed.units.UnitFeed``), so spiders know nothing of Redis.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from scrapy import Request, signals

from ..crawl import stats as keys
from ..exceptions import ArgumentError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider


class UnitSpider(Protocol):
    """What a unit source needs of a spider."""

    name: str
    unit_fields: ClassVar[frozenset[str]]

    def units(self) -> Iterable[dict[str, Any]]: ...

    def seeds(self, unit: dict[str, Any]) -> Iterable[Request]: ...


class UnitSource(Protocol):
    #: True when units may come from elsewhere than the ``-a`` arguments (a worker may then be given none).
    external: ClassVar[bool]

    def __init__(self, crawler: Crawler, spider: Spider) -> None: ...

    def start(self, given: Iterable[dict[str, Any]]) -> AsyncIterator[Request]:
        """The first requests of every unit: ``given`` (the ``-a`` units), then any the source has."""

    def idle(self) -> None:
        """The crawl has nothing left to do: raise ``DontCloseSpider`` to keep it open for more."""


class LocalUnits:
    """The units given as ``-a`` arguments, read as fast as calls go out (a file of millions of ids is never
    loaded into the scheduler at once)."""

    external: ClassVar[bool] = False

    def __init__(self, crawler: Crawler, spider: Any) -> None:
        self.crawler = crawler
        self.spider = spider

    async def start(self, given: Iterable[dict[str, Any]]) -> AsyncIterator[Request]:
        stats = self.crawler.stats
        assert stats is not None
        for unit in given:
            await self._room_for_more()
            try:
                seeds = list(self.spider.seeds(unit))
            except ArgumentError as error:
                stats.inc_value(keys.INPUT_BAD_UNITS)
                self.spider.logger.warning("Skipped %s: %s", str(unit)[:80], error)
                continue
            for request in seeds:
                yield request

    async def _room_for_more(self) -> None:
        """Wait while the downloader is full and nothing is left queued."""
        engine = self.crawler.engine
        while engine is not None and engine.needs_backout() and engine.running:
            await self.crawler.signals.wait_for(signals.scheduler_empty)

    def idle(self) -> None:
        return None
