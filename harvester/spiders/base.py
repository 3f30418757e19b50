"""What every harvester spider shares: checked arguments, gateway access, the detail stage, units of work.

Arguments are checked before the crawl makes any call (the ``crawl``
command calls ``check_arguments`` before starting the engine), so a typo
costs nothing but a one-line message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import scrapy
from scrapy import Request, signals
from scrapy.http import Response
from scrapy.utils.misc import load_object
from twisted.python.failure import Failure

from ..checks.guards import shown
from ..crawl.resume import resume
from ..exceptions import ArgumentError
from ..gateway.access import GatewayAccess
from ..history.plan import DetailPlan, parse_flag, parse_mode
from ..inputs.lines import has_control_characters
from ..media import checks as media_checks
from ..media import roles as media_roles
from ..stages.details import DetailFetcher
from ..stages.enrichment import EnrichmentFetcher, parse_enrichment
from ..stages.search import SearchPager
from .units import UnitSource

LOCAL_UNITS = "harvester.spiders.units.LocalUnits"

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

#: Arguments every spider takes beside its own: each fetches details, so each can download their media (issue 18).
SHARED_ARGUMENTS = {media_roles.ARGUMENT: media_roles.HELP}

#: Arguments scrapyd gives every crawl it runs (``-a _job=ID``, and ``-a _version=V`` when scheduled with one):
#: its own bookkeeping, not the spider's.
SCRAPYD_ARGUMENTS = frozenset(("_job", "_version"))
#: Arguments that say how to run, not what to ask for: a worker of a distributed crawl may be given only these
#: (``-a details=changed`` for a re-harvest, ``-a media=main``) and take its work from the shared queue.
RUN_ARGUMENTS = frozenset(("details", "dry_run", *SHARED_ARGUMENTS))


def unit_source_class(settings: BaseSettings) -> type[UnitSource]:
    return load_object(settings.get("HARVEST_UNIT_SOURCE") or LOCAL_UNITS)


class HarvestSpider(scrapy.Spider):
    #: One line for `scrapy list` and the README.
    description: ClassVar[str] = ""
    #: Accepted ``-a`` arguments and what each means.
    arguments: ClassVar[dict[str, str]] = {}
    #: Fields of one unit of work (what ``units()`` yields and ``seeds()`` takes; a queued payload's keys).
    #: Empty: the spider takes its work from its arguments only.
    unit_fields: ClassVar[frozenset[str]] = frozenset()
    #: The unit field that plain text pushed by hand on scrapy-redis's start key fills (a keyword, offer ids,
    #: an image, a seller): what `scrapy enqueue SPIDER TEXT` would queue.
    unit_subject: ClassVar[str] = ""
    #: Spiders that search take ``-a details`` and ``-a dry_run`` (which offers get a detail call).
    plans_details: ClassVar[bool] = False
    #: ``-a details`` when not given.
    default_details: ClassVar[str] = "all"
    #: Spiders that take the enrichment arguments (``-a freight_to``, ``-a trends``: ``stages.enrichment.ARGUMENTS``).
    enriches: ClassVar[bool] = False

    access: GatewayAccess
    details: DetailFetcher
    #: ``-a dry_run=1``: plan the details, fetch and write none.
    dry_run: bool = False
    #: Set by spiders that search.
    pager: SearchPager
    units_source: UnitSource

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.arguments = {**cls.arguments, **SHARED_ARGUMENTS}

    def __init__(self, name: str | None = None, *, units_elsewhere: bool = False, **kwargs: Any):
        if _asks(kwargs) or not units_elsewhere:
            self.check_arguments(kwargs)
        super().__init__(name, **kwargs)

    @classmethod
    def check_arguments(cls, arguments: Mapping[str, Any], settings: BaseSettings | None = None) -> None:
        """All checks; ``settings`` (given by ``scrapy crawl``) adds those that depend on them.

        When units may come from elsewhere (a shared queue), a spider may be given no argument but those of
        ``RUN_ARGUMENTS``.
        """
        arguments = _own(arguments)
        external = settings is not None and unit_source_class(settings).external
        if external and not cls.unit_fields:
            raise ArgumentError(f"the {cls.name} spider cannot run distributed (it takes no queued units)")
        unknown = sorted(set(arguments) - set(cls.arguments))
        if unknown:
            accepted = ", ".join(sorted(cls.arguments)) or "none"
            raise ArgumentError(f"unknown argument -a {unknown[0]}=...: the {cls.name} spider accepts {accepted}")
        if cls.plans_details:
            try:
                parse_mode(arguments.get("details"))
                parse_flag(arguments.get("dry_run"), "dry_run")
            except ValueError as error:
                raise ArgumentError(str(error)) from None
        if cls.enriches:
            try:
                parse_enrichment(arguments)
            except ValueError as error:
                raise ArgumentError(str(error)) from None
        for name, value in arguments.items():
            if isinstance(value, str) and has_control_characters(value):
                # "a\nb" would be searched as one keyword with a line break in it: a call that buys nothing.
                raise ArgumentError(
                    f"-a {name}={shown(value)}: holds a line break or another control character; "
                    "give the values on one line (separate keywords with commas, or use a file)"
                )
        media_checks.check_arguments(arguments, settings)
        if external and not _asks(arguments):
            return  # a worker waiting for queued units: each unit is checked as it is taken
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
        source = unit_source_class(crawler.settings)
        spider = super().from_crawler(crawler, *args, units_elsewhere=source.external, **kwargs)
        spider.access = GatewayAccess.from_crawler(crawler)
        plan = DetailPlan.for_crawl(crawler, kwargs, cls.default_details) if cls.plans_details else None
        spider.dry_run = cls.plans_details and parse_flag(kwargs.get("dry_run"), "dry_run")
        # Built even when nothing is asked for: calls a previous run of the JOBDIR lost are sent again and answer here.
        fetcher = (
            EnrichmentFetcher(crawler, spider.access, spider, parse_enrichment(kwargs), dry_run=spider.dry_run)
            if cls.enriches
            else None
        )
        spider.details = DetailFetcher(crawler, spider.access, spider, plan, dry_run=spider.dry_run, enrichment=fetcher)
        spider.units_source = source(crawler, spider)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    # Callbacks and errbacks live on the spider (Scrapy serialises requests by method name)
    # and hand over to the stages that know the answers.

    def parse_product_detail(self, response: Response) -> Iterator[Any]:
        return self.details.parse(response)

    def product_detail_failed(self, failure: Failure) -> Iterator[Any]:
        return self.details.failed(failure)

    def parse_freight(self, response: Response) -> Iterator[Any]:
        return self.details.enrichment.parse_freight(response)  # type: ignore[union-attr]

    def freight_failed(self, failure: Failure) -> Iterator[Any]:
        return self.details.enrichment.freight_failed(failure)  # type: ignore[union-attr]

    def parse_trend(self, response: Response) -> Iterator[Any]:
        return self.details.enrichment.parse_trend(response)  # type: ignore[union-attr]

    def trend_failed(self, failure: Failure) -> Iterator[Any]:
        return self.details.enrichment.trend_failed(failure)  # type: ignore[union-attr]

    def parse_search_page(self, response: Response) -> Iterator[Any]:
        return self.pager.parse(response)

    def search_page_failed(self, failure: Failure) -> None:
        return self.pager.page_failed(failure)

    def parse_navigation(self, response: Response) -> Iterator[Any]:
        return self.pager.parse_navigation(response)

    def navigation_failed(self, failure: Failure) -> Iterator[Any]:
        return self.pager.navigation_failed(failure)

    # Work arrives in units: one keyword with its filters, one image, one list of ids, one seller.

    def units(self) -> Iterable[dict[str, Any]]:
        """The units of work given as -a arguments."""
        raise NotImplementedError

    def seeds(self, unit: Mapping[str, Any]) -> Iterable[Request]:
        """First requests for one unit; raises ``ArgumentError`` for a unit that cannot be searched."""
        raise NotImplementedError

    async def start(self) -> AsyncIterator[Request]:
        """The calls the previous run of this JOBDIR lost for good, then the units' first requests, from
        ``HARVEST_UNIT_SOURCE`` (the ``-a`` units, and a shared queue's)."""
        for request in resume(self.crawler).retries(self):
            yield request
        given = self.units() if self.given_arguments else ()
        async for request in self.units_source.start(given):
            yield request

    @property
    def given_arguments(self) -> bool:
        """Whether this run was given ``-a`` arguments (a worker of a distributed crawl may be given none)."""
        return not self.units_source.external or any(
            name in self.__dict__ for name in self.arguments if name not in RUN_ARGUMENTS
        )

    def idle(self) -> None:
        """Nothing left to do: the unit source decides whether more is coming (raises ``DontCloseSpider``)."""
        self.units_source.idle()


def _asks(arguments: Mapping[str, Any]) -> bool:
    """Whether the arguments ask for work (a keyword, ids...), not only say how to run."""
    return bool(set(_own(arguments)) - RUN_ARGUMENTS)


def _own(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments meant for the spider (scrapyd's left out)."""
    return {name: value for name, value in arguments.items() if name not in SCRAPYD_ARGUMENTS}
