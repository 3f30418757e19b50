"""Search queries: validated once, then turned into ``offerQueryParam`` for any page; and the other APIs'
parameter objects.

Spiders, the synchronous client and the Redis enqueue command all accept the
same filters from users; validating them here means a bad price or sort is
refused with the same one-line message everywhere, before any call is made.
The enrichment APIs' parameter objects are built here too, once for the
client and the spiders, so that both send the same wire parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ..inputs.provinces import Destination

SORT_FIELDS = ("price", "rePurchaseRate", "monthSold")
#: ``saleFilterList`` sales figures: 7, 14 and 30 days, and all-time (PROTOCOL.md section 6).
SALE_TYPES = ("sales7", "sales14", "sales30", "totalSales")
FILTERS = ("shipIn24Hours", "shipIn48Hours", "certifiedFactory", "isOnePsale", "new7", "1688Selection")
MAX_PAGE_SIZE = 50
#: ``topSeKeywordParam.hotKeywordType``: the category dimension, the only one the page offers.
HOT_KEYWORD_TYPE = "cate"


class QueryError(ValueError):
    """A search argument a user gave is not acceptable; the message says how to fix it."""


def parse_price(value: Any, name: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        raise QueryError(f"{name}={value!r} is not a price; give a number such as 12.5") from None
    if not price.is_finite() or price < 0:
        raise QueryError(f"{name}={value!r} must be a non-negative number")
    return price


def parse_sort(value: Any) -> tuple[str, str] | None:
    """``price:asc``, ``monthSold`` (descending) or the gateway's JSON ``{"price":"asc"}``."""
    if value is None or value == "":
        return None
    if isinstance(value, tuple):
        pairs = dict([value])
    elif isinstance(value, dict):
        pairs = value
    else:
        text = str(value).strip()
        if text.startswith("{"):
            try:
                pairs = json.loads(text)
            except ValueError:
                raise QueryError(f"sort={value!r} is not valid JSON; use e.g. price:asc") from None
        else:
            name, _, direction = text.partition(":")
            pairs = {name.strip(): (direction.strip() or "desc")}
    if not isinstance(pairs, dict) or len(pairs) != 1:
        raise QueryError(f"sort={value!r}: give one field, e.g. price:asc")
    ((name, direction),) = pairs.items()
    if name not in SORT_FIELDS:
        raise QueryError(f"sort={value!r}: unknown field {name!r}; use one of {', '.join(SORT_FIELDS)}")
    if str(direction).lower() not in ("asc", "desc"):
        raise QueryError(f"sort={value!r}: direction must be asc or desc")
    return (name, str(direction).lower())


def parse_filters(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    names = tuple(sorted({str(item).strip() for item in items if str(item).strip()}))
    unknown = [name for name in names if name not in FILTERS]
    if unknown:
        raise QueryError(f"filter={value!r}: unknown {', '.join(unknown)}; use any of {', '.join(FILTERS)}")
    return names


def parse_positive_int(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise QueryError(f"{name}={value!r} is not a whole number") from None
    if number <= 0:
        raise QueryError(f"{name}={value!r} must be a positive whole number")
    return number


def format_price(price: Decimal) -> str:
    """Prices travel as strings; never in exponent form."""
    return format(price.normalize(), "f") if price else "0"


@dataclass(frozen=True)
class SalesRange:
    """One ``saleFilterList`` entry: offers whose ``sale_type`` sales lie in ``start..end`` (either end open).

    Whether the gateway's bounds are inclusive is not documented: ``OPEN1688_SALE_FILTER_INCLUSIVE`` says,
    and the search pager cuts ranges accordingly.
    """

    sale_type: str = "sales30"
    start: int | None = None
    end: int | None = None

    def __post_init__(self) -> None:
        if self.sale_type not in SALE_TYPES:
            raise QueryError(f"sales type {self.sale_type!r}: use one of {', '.join(SALE_TYPES)}")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise QueryError(f"sales range {self.start}..{self.end} is empty")

    def entry(self) -> dict[str, str]:
        entry = {"saleType": self.sale_type}
        if self.start is not None:
            entry["saleStart"] = str(self.start)
        if self.end is not None:
            entry["saleEnd"] = str(self.end)
        return entry


@dataclass(frozen=True)
class SearchQuery:
    """What to search for (a keyword, an uploaded image or a seller) and how to filter it.

    The price band and category are part of the query so that splitting a
    query that exceeds the gateway's result cap is just making narrower copies.
    """

    keyword: str | None = None
    image_id: str | None = None
    #: What the user called the image (its path or URL): labels say which image found an offer.
    image_name: str | None = None
    seller_open_id: str | None = None
    price_start: Decimal | None = None
    price_end: Decimal | None = None
    category_id: int | None = None
    sort: tuple[str, str] | None = None
    filters: tuple[str, ...] = ()
    #: A search-navigation facet of ``keywordSNQuery`` (``"978"`` or ``"978:1352"``): slices past the cap.
    sn_id: str | None = None
    #: A sales range (``saleFilterList``): slices past the cap.
    sales: SalesRange | None = None

    def __post_init__(self) -> None:
        if not (self.keyword or self.image_id or self.seller_open_id):
            raise QueryError("nothing to search for: give a keyword (-a keywords=保温杯)")
        if self.price_start is not None and self.price_end is not None and self.price_start > self.price_end:
            raise QueryError(f"price_start={self.price_start} is above price_end={self.price_end}")

    @classmethod
    def from_arguments(cls, **arguments: Any) -> SearchQuery:
        """Build from user-given strings (spider arguments, CLI flags, Redis payloads)."""
        keyword = arguments.get("keyword")
        if keyword is not None:
            keyword = str(keyword).strip()
            if not keyword:
                raise QueryError("empty keyword: give at least one non-blank keyword")
            if len(keyword) > 200:
                raise QueryError(f"keyword of {len(keyword)} characters is too long; keep keywords under 200")
        return cls(
            keyword=keyword or None,
            image_id=arguments.get("image_id") or None,
            seller_open_id=arguments.get("seller_open_id") or None,
            price_start=parse_price(arguments.get("price_start"), "price_start"),
            price_end=parse_price(arguments.get("price_end"), "price_end"),
            category_id=parse_positive_int(arguments.get("category_id"), "category_id"),
            sort=parse_sort(arguments.get("sort")),
            filters=parse_filters(arguments.get("filter")),
        )

    def narrowed(self, **changes: Any) -> SearchQuery:
        return replace(self, **changes)

    @property
    def label(self) -> str:
        """What found an offer, for the dataset's ``query`` column: the image or seller searched (a keyword
        given with them only narrows), else the keyword."""
        if self.image_id:
            return f"image:{self.image_name or self.image_id}"
        if self.seller_open_id:
            return f"seller:{self.seller_open_id}"
        return self.keyword  # type: ignore[return-value]

    def offer_query_param(self, *, page: int, page_size: int, country: str) -> dict[str, Any]:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise QueryError(f"page size {page_size} is outside 1..{MAX_PAGE_SIZE}")
        param: dict[str, Any] = {}
        if self.keyword:
            param["keyword"] = self.keyword
        if self.image_id:
            param["imageId"] = self.image_id
        if self.seller_open_id:
            param["sellerOpenId"] = self.seller_open_id
        param.update(beginPage=page, pageSize=page_size, country=country)
        if self.price_start is not None:
            param["priceStart"] = format_price(self.price_start)
        if self.price_end is not None:
            param["priceEnd"] = format_price(self.price_end)
        if self.category_id is not None:
            param["categoryId"] = self.category_id
        if self.filters:
            param["filter"] = ",".join(self.filters)
        if self.sort:
            param["sort"] = json.dumps(dict([self.sort]), separators=(",", ":"))
        if self.sn_id is not None:
            param["snId"] = self.sn_id
        if self.sales is not None:
            param["saleFilterList"] = [self.sales.entry()]
        return param


def freight_param(offer_id: int, destination: Destination, quantity: int) -> dict[str, Any]:
    """``product.freight.estimate``'s ``productFreightQueryParamsNew``: ``quantity`` pieces of an offer to a whole
    address (the district field is spelt ``toCountryCode`` by the page); no per-SKU counts."""
    return {
        "offerId": offer_id,
        "toProvinceCode": destination.province,
        "toCityCode": destination.city,
        "toCountryCode": destination.district,
        "totalNum": quantity,
        "logisticsSkuNumModels": [],
    }


def trend_param(offer_id: int, start: date, end: date) -> dict[str, Any]:
    """A ``product.analyze.*`` trend's query object, days as yyyyMMdd; the parameter's name differs by API
    (``endpoints.TRENDS``)."""
    return {"offerId": offer_id, "startDate": f"{start:%Y%m%d}", "endDate": f"{end:%Y%m%d}"}


def top_keyword_param(category_id: int, country: str) -> dict[str, Any]:
    """``product.search.topKeyword``'s ``topSeKeywordParam``: a category's hot keywords, named in ``country``'s
    language; the id travels as a string."""
    return {"country": country, "sourceId": str(category_id), "hotKeywordType": HOT_KEYWORD_TYPE}
