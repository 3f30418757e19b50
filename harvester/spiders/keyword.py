"""Every offer that matches keywords, with full details and SKUs; or a category's offers, through its hot keywords.

``-a category_id=`` with no keyword harvests a category as far as the
pages allow: ``product.search.keywordQuery`` requires a keyword (its page
marks ``keyword`` required; ``categoryId`` and ``categoryIdList`` only
narrow), and the search APIs that take a category without one need an
image or a seller instead. So the category's hot search keywords
(``product.search.topKeyword``, ``hotKeywordType`` ``cate``: one call, no
user authorisation) are each searched within the category (``categoryId``),
split past the cap like any keyword; an offer found by several is fetched
once. What no hot keyword finds cannot be reached this way (README,
"Harvesting a category").
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from ..crawl import stats as keys
from ..crawl.resume import resume
from ..exceptions import ArgumentError
from ..gateway.calls import api_request, outcome_of
from ..inputs.lines import BadLine, check_has_a_line, stream_lines
from ..open1688 import endpoints
from ..open1688.queries import QueryError, SearchQuery, parse_positive_int, top_keyword_param
from ..stages.enrichment import ARGUMENTS as ENRICHMENT_ARGUMENTS
from ..stages.search import SearchPager
from .base import HarvestSpider

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

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
        "category_id": "a 1688 category id; with no keyword, the category's hot keywords are searched within it",
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
        if not keywords and not arguments.get("keywords_file") and not arguments.get("category_id"):
            raise ArgumentError(
                "no keyword: give -a keywords=保温杯,数据线 or -a keywords_file=PATH, or -a "
                "category_id=ID to harvest a category through its hot keywords"
            )
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
        given = False
        for keyword in self._keywords():
            given = True
            yield {"keyword": keyword, **filters}
        if not given and filters.get("category_id"):
            yield filters

    def seeds(self, unit: Mapping[str, Any]) -> Iterator[Request]:
        if not unit.get("keyword") and unit.get("category_id"):
            yield self._hot_keywords(unit)
            return
        try:
            query = SearchQuery.from_arguments(**unit)
        except (QueryError, TypeError) as error:
            raise ArgumentError(str(error)) from None
        yield self.pager.first_page(query)

    # --- a category without a keyword: its hot keywords, each searched within it -----------

    def _hot_keywords(self, unit: Mapping[str, Any]) -> Request:
        try:
            category = parse_positive_int(unit.get("category_id"), "category_id")
            SearchQuery.from_arguments(keyword="-", **{name: unit.get(name) for name in FILTER_ARGUMENTS})
        except QueryError as error:
            raise ArgumentError(str(error)) from None
        self.crawler.stats.inc_value(keys.SEARCH_HOT_KEYWORD_CALLS)  # type: ignore[union-attr]
        return api_request(
            self.access,
            endpoints.TOP_KEYWORDS,
            {"topSeKeywordParam": top_keyword_param(category, self.settings.get("OPEN1688_COUNTRY"))},
            method=self.settings.get("OPEN1688_HTTP_METHOD"),
            meta={"unit": dict(unit)},
            callback=self.parse_hot_keywords,
            errback=self.hot_keywords_failed,
        )

    def parse_hot_keywords(self, response: Response) -> Iterator[Request]:
        unit = response.meta["unit"]
        keywords = hot_keywords(outcome_of(response).data)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(keys.SEARCH_HOT_KEYWORDS, len(keywords))
        if not keywords:
            stats.inc_value(keys.SEARCH_HOT_KEYWORDS_NONE)
            logger.warning("Category %s has no hot keyword: nothing to search it with", unit.get("category_id"))
            return
        logger.info("Category %s: searching its %d hot keywords within it", unit.get("category_id"), len(keywords))
        for keyword in keywords:
            yield from self.seeds({**unit, "keyword": keyword})

    def hot_keywords_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.crawler.stats.inc_value(keys.SEARCH_HOT_KEYWORDS_LOST)  # type: ignore[union-attr]
        resume(self.crawler).retry_next_run(request)
        logger.warning(
            "Could not get the hot keywords of category %s: %s", request.meta["unit"].get("category_id"), failure.value
        )


def hot_keywords(data: Any) -> list[str]:
    """The Chinese keywords of a ``product.search.topKeyword`` answer (``seKeyword``: the one to search with)."""
    found = [item.get("seKeyword") for item in data if isinstance(item, dict)] if isinstance(data, list) else []
    return list(dict.fromkeys(k.strip() for k in found if isinstance(k, str) and k.strip()))
