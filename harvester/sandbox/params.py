"""Business parameters as the product APIs read them: JSON objects in form fields, validated the sandbox's way.

The sandbox parses requests itself, from the official pages' parameter
tables, rather than with the client's ``queries`` module: a gateway that
agrees with its client because they share a parser proves nothing. Every
refusal is a :class:`BusinessError` (HTTP 200, the API's envelope) whose
message names the parameter, in Chinese and English as the sandbox's other
messages are. Parameters a page lists that narrow nothing here
(``outMemberId``, ``regionOpp``, ``productCollectionId``, ``auxiliaryText``,
``itemTitle``) are accepted and ignored; parameters a page does not list
for an API are ignored too, as a JSON reader ignores unknown fields.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from . import facets
from .search import FILTER_FLAGS, SALE_COLUMNS, SORT_COLUMNS, SaleRange

INVALID_PARAMETER = "INVALID_PARAMETER"
OFFER_NOT_FOUND = "OFFER_NOT_FOUND"
NOT_FOUND_MESSAGE = "商品不存在"


class BusinessError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(message: str) -> BusinessError:
    return BusinessError(INVALID_PARAMETER, message)


def json_param(params: Mapping[str, str], name: str, kind: type) -> Any:
    text = params.get(name)
    if text is None or not text.strip():
        raise invalid(f"缺少参数 {name} (missing parameter {name})")
    try:
        value = json.loads(text)
    except ValueError:
        raise invalid(f"参数 {name} 不是合法的 JSON ({name} is not valid JSON)") from None
    if not isinstance(value, kind):
        raise invalid(f"参数 {name} 应为 JSON {'对象' if kind is dict else '数组'} ({name} has the wrong JSON type)")
    return value


def integer(value: Any, name: str, default: int | None = None) -> int:
    """A Long/Integer parameter: a JSON number or a string of digits (clients send both)."""
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().lstrip("-").isdigit():
        raise invalid(f"{name}={value!r} 不是整数 (not an integer)")
    return int(value)


def text(query: Mapping[str, Any], name: str, required: bool = False) -> str | None:
    """A String parameter, stripped; ``None`` when blank and optional."""
    value = query.get(name)
    if value in (None, ""):
        if required:
            raise invalid(f"{name} 不能为空 ({name} is required)")
        return None
    if not isinstance(value, str):
        raise invalid(f"{name}={value!r} 应为字符串 ({name} must be a string)")
    if required and not value.strip():
        raise invalid(f"{name} 不能为空 ({name} is required)")
    return value.strip() or None


def flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def country(query: Mapping[str, Any]) -> str:
    value = query.get("country")
    if not isinstance(value, str) or not value.strip():
        raise invalid("country 不能为空 (country is required, e.g. en)")
    if value.strip().lower() == "zh":
        raise invalid("country 不支持 zh (zh is not accepted; use en, ja, ko...)")
    return value


def price(query: Mapping[str, Any], name: str) -> Decimal | None:
    """``priceStart``/``priceEnd``: Strings by the page; a JSON number is read too."""
    value = query.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid(f"{name}={value!r} 不是价格 (not a price; give a number such as 12.5)") from None
    if not amount.is_finite() or amount < 0:
        raise invalid(f"{name}={value!r} 不能为负 (must be a non-negative number)")
    return amount


def price_band(query: Mapping[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    start, end = price(query, "priceStart"), price(query, "priceEnd")
    if start is not None and end is not None and start > end:
        raise invalid(f"priceStart={start} 大于 priceEnd={end} (priceStart above priceEnd)")
    return start, end


def filters(query: Mapping[str, Any]) -> tuple[str, ...]:
    """``filter``: comma-separated names; the sandbox knows :data:`search.FILTER_FLAGS` and refuses others."""
    value = query.get("filter")
    if value in (None, ""):
        return ()
    names = sorted({item.strip() for item in str(value).split(",") if item.strip()})
    unknown = [name for name in names if name not in FILTER_FLAGS]
    if unknown:
        raise invalid(
            f"filter={value!r} 含未知过滤项 {', '.join(unknown)} (unknown filter; use any of {', '.join(FILTER_FLAGS)})"
        )
    return tuple(names)


def sort(query: Mapping[str, Any]) -> tuple[str, str] | None:
    """``sort``: JSON text of one field and a direction, ``{"price":"asc"}``."""
    value = query.get("sort")
    if value in (None, ""):
        return None
    pairs = value
    if isinstance(value, str):
        if not value.strip().startswith("{"):
            raise invalid(f'sort={value!r} 应为 JSON (must be JSON text such as {{"price":"asc"}})')
        try:
            pairs = json.loads(value)
        except ValueError:
            raise invalid(f"sort={value!r} 不是合法的 JSON (sort is not valid JSON)") from None
    if not isinstance(pairs, dict) or len(pairs) != 1:
        raise invalid(f'sort={value!r} 只能有一个字段 (give one field, e.g. {{"price":"asc"}})')
    ((name, direction),) = pairs.items()
    if name not in SORT_COLUMNS or str(direction).lower() not in ("asc", "desc"):
        raise invalid(f"sort={value!r} 不支持 (use one of {', '.join(SORT_COLUMNS)} with asc or desc)")
    return name, str(direction).lower()


def categories(query: Mapping[str, Any], with_list: bool) -> list[int]:
    """``categoryId`` (Long) and, where the page has it, ``categoryIdList`` ("2,45"): a union."""
    found = []
    if query.get("categoryId") not in (None, ""):
        found.append(integer(query.get("categoryId"), "categoryId"))
    if with_list:
        listed = query.get("categoryIdList")
        if listed not in (None, "") and not isinstance(listed, str):
            raise invalid(f'categoryIdList={listed!r} 应为逗号分隔的字符串 (must be text such as "2,45")')
        for item in str(listed or "").split(","):
            if item.strip():
                found.append(integer(item.strip(), "categoryIdList"))
    return found


def facet(query: Mapping[str, Any]) -> facets.Facet | None:
    """``snId``: one navigation id (several at once are UNCONFIRMED by the pages, and refused)."""
    value = query.get("snId")
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise invalid(f'snId={value!r} 应为字符串 (snId must be a string such as "978:1352")')
    if "," in value:
        raise invalid(f"snId={value!r} 只能有一个导航 (give one navigation id per call)")
    try:
        return facets.parse(value)
    except ValueError as error:
        raise invalid(f"snId 格式错误 ({error})") from None


def _count(entry: Mapping[str, Any], name: str) -> int | None:
    value = entry.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise invalid(f"saleFilterList.{name}={value!r} 应为非负整数 (must be a whole number)")
    return int(str(value).strip())


def sale_ranges(query: Mapping[str, Any]) -> tuple[SaleRange, ...]:
    """``saleFilterList``: ``[{"saleType","saleStart","saleEnd"}]``, all Strings, entries intersected.

    Given as a JSON list inside ``offerQueryParam`` (as the page's sample) or as JSON text.
    """
    value = query.get("saleFilterList")
    if value in (None, "", []):
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise invalid("saleFilterList 不是合法的 JSON (saleFilterList is not valid JSON)") from None
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise invalid(
            'saleFilterList 应为对象数组 (saleFilterList must be a list of {"saleType","saleStart","saleEnd"} objects)'
        )
    ranges = []
    for entry in value:
        sale_type = entry.get("saleType")
        if sale_type not in SALE_COLUMNS:
            raise invalid(f"saleFilterList.saleType={sale_type!r} 不支持 (use one of {', '.join(SALE_COLUMNS)})")
        start, end = _count(entry, "saleStart"), _count(entry, "saleEnd")
        if start is not None and end is not None and start > end:
            raise invalid(f"saleFilterList: saleStart={start} 大于 saleEnd={end} (saleStart above saleEnd)")
        ranges.append(SaleRange(sale_type, start, end))
    return tuple(ranges)
