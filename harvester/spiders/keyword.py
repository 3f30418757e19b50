"""Every offer that matches keywords, with full details and SKUs."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from scrapy import Request

from ..crawl import stats as keys
from ..exceptions import ArgumentError
from ..inputs.lines import BadLine, check_has_a_line, stream_lines
from ..open1688.queries import QueryError, SearchQuery, parse_positive_int
from ..stages.enrichment import ARGUMENTS as ENRICHMENT_ARGUMENTS
from ..stages.search import SearchPager
from .base import HarvestSpider

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

FILTER_ARGUMENTS = ("price_start", "price_end", "category_id", "sort", "filter")


def split_keywords(text: str) -> list[str]:
    """Comma-separated, full-width commas included (users paste Chinese text)."""
    return [k.strip() for k in text.replace("，", ",").split(",") if k.strip()]


class KeywordSpider(HarvestSpider):
    name = "keyword"
    description = "every offer matching keywords (split past the search cap), with details and SKUs"
    arguments = {
        "keywords": "comma-separated keywords, e.g. 保温杯,数据线",
        "keywords_file": "a file with one keyword per line",
        "price_start": "lowest price in CNY",
        "price_end": "highest price in CNY",
        "category_id": "a 1688 category id",
        "sort": "price:asc, price:desc, monthSold, rePurchaseRate",
        "filter": "comma-separated gateway filters, e.g. shipIn48Hours,certifiedFactory",
        "max_pages": "pages per keyword at most (a sample; disables splitting)",
        "details": "which offers get a detail call: all (default), new, changed or none (listings only)",
        "dry_run": "1: search and plan the details, fetch and write nothing, print what they would cost",
        **ENRICHMENT_ARGUMENTS,
    }
    enriches = True
    plans_details = True
    unit_fields = frozenset(("keyword", *FILTER_ARGUMENTS))
    unit_subject = "keyword"

    @classmethod
    def validate(cls, arguments: Mapping[str, Any]) -> None:
        keywords = split_keywords(str(arguments.get("keywords") or ""))
        if not keywords and not arguments.get("keywords_file"):
            raise ArgumentError("no keyword: give -a keywords=保温杯,数据线 or -a keywords_file=PATH")
        if arguments.get("keywords_file"):
            check_has_a_line(str(arguments["keywords_file"]), "keywords_file", "keyword")
        try:
            for keyword in keywords:
                SearchQuery.from_arguments(keyword=keyword, **cls._filters(arguments))
            if not keywords:
                SearchQuery.from_arguments(keyword="-", **cls._filters(arguments))
            parse_positive_int(arguments.get("max_pages"), "max_pages")
        except QueryError as error:
            raise ArgumentError(str(error)) from None

    @staticmethod
    def _filters(arguments: Mapping[str, Any]) -> dict[str, Any]:
        return {name: arguments.get(name) for name in FILTER_ARGUMENTS}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.pager = SearchPager.for_spider(crawler, spider, kwargs)
        return spider

    def _keywords(self) -> Iterator[str]:
        yield from split_keywords(str(getattr(self, "keywords", "") or ""))
        path = getattr(self, "keywords_file", None)
        if path:
            for line in stream_lines(path):
                if isinstance(line, BadLine):
                    self.crawler.stats.inc_value(keys.INPUT_BAD_LINES)  # type: ignore[union-attr]
                    logger.warning("%s line %d skipped: %s", path, line.number, line.reason)
                else:
                    yield line[1]

    def units(self) -> Iterator[dict[str, Any]]:
        filters = self._filters(self.__dict__)
        for keyword in self._keywords():
            yield {"keyword": keyword, **filters}

    def seeds(self, unit: Mapping[str, Any]) -> Iterator[Request]:
        try:
            query = SearchQuery.from_arguments(**unit)
        except (QueryError, TypeError) as error:
            raise ArgumentError(str(error)) from None
        yield self.pager.first_page(query)
