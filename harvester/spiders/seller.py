"""Every offer of a seller (``product.search.querySellerOfferList``), with details, SKUs and the seller's row.

The seller list answers like a keyword search, so it is paged (and split
past the search cap) by the same pager. Its items carry no seller scores;
every offer's detail does (``sellerDataInfo``), so the seller's row in the
``sellers`` table comes with the first detail, at no extra call.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from scrapy import Request

from ..crawl import stats as keys
from ..exceptions import ArgumentError
from ..open1688.queries import QueryError, SearchQuery, parse_positive_int
from ..stages.enrichment import ARGUMENTS as ENRICHMENT_ARGUMENTS
from ..stages.search import SearchPager
from .base import HarvestSpider

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

MAX_OPEN_ID = 128


def split_sellers(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


class SellerSpider(HarvestSpider):
    name = "seller"
    description = "every offer of one or more sellers, with details, SKUs and the seller's scores"
    arguments = {
        "seller_open_id": "comma-separated seller open ids (the sellerOpenId of offer details)",
        "keyword": "only the seller's offers matching this keyword",
        "max_pages": "pages per seller at most (a sample; disables splitting)",
        "details": "which offers get a detail call: all (default), new, changed or none (listings only)",
        "dry_run": "1: search and plan the details, fetch and write nothing, print what they would cost",
        **ENRICHMENT_ARGUMENTS,
    }
    enriches = True
    plans_details = True
    unit_fields = frozenset(("seller_open_id", "keyword"))
    unit_subject = "seller_open_id"

    @classmethod
    def validate(cls, arguments: Mapping[str, Any]) -> None:
        sellers = split_sellers(str(arguments.get("seller_open_id") or ""))
        if not sellers:
            raise ArgumentError("no seller: give -a seller_open_id=ID (the sellerOpenId an offer's detail names)")
        for seller in sellers:
            if len(seller) > MAX_OPEN_ID or not seller.isprintable() or any(c.isspace() for c in seller):
                raise ArgumentError(
                    f"-a seller_open_id: {seller[:40]!r} is not a seller open id (one word of letters, digits, - and _)"
                )
        try:
            for seller in sellers:
                SearchQuery.from_arguments(seller_open_id=seller, keyword=arguments.get("keyword"))
            parse_positive_int(arguments.get("max_pages"), "max_pages")
        except QueryError as error:
            raise ArgumentError(str(error)) from None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.pager = SearchPager.for_spider(crawler, spider, kwargs)
        return spider

    def units(self) -> Iterator[dict[str, Any]]:
        for seller in dict.fromkeys(split_sellers(str(getattr(self, "seller_open_id", "") or ""))):
            yield {"seller_open_id": seller, "keyword": getattr(self, "keyword", None)}

    def seeds(self, unit: Mapping[str, Any]) -> Iterator[Request]:
        try:
            query = SearchQuery.from_arguments(seller_open_id=unit.get("seller_open_id"), keyword=unit.get("keyword"))
        except (QueryError, TypeError) as error:
            raise ArgumentError(str(error)) from None
        if not query.seller_open_id:
            raise ArgumentError("a unit of the seller spider needs a seller_open_id")
        yield self.pager.first_page(query)

    def closed(self, reason: str) -> None:
        stats = self.crawler.stats
        if stats is not None and reason == "finished" and not stats.get_value(keys.SEARCH_REPORTED):
            logger.warning(
                "The gateway knows no offer of %s: check the seller open id",
                getattr(self, "seller_open_id", "the seller"),
            )
