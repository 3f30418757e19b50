"""The official API pages' models (``tests/fixtures/official/<doc>.json``), and checking an answer against one.

Each fixture holds a page's request and response tables (field path ->
type as the page writes it; ``[]`` marks list items), its input and output
samples, and where they come from (``_source``: repository, path, commit).
:func:`problems` lists what in an answer the page does not allow: a key the
page does not document, an envelope key missing, or a wire type the page's
type does not admit. Types are read as the wire sends them, which is looser
than the pages in the ways the relayed real answers show (listed below).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "official"

KEYWORD_QUERY = "com.alibaba.fenxiao.crossborder.product.search.keywordQuery-1"
IMAGE_QUERY = "com.alibaba.fenxiao.crossborder.product.search.imageQuery-1"
SELLER_OFFERS = "com.alibaba.fenxiao.crossborder.product.search.querySellerOfferList-1"
KEYWORD_NAVIGATION = "com.alibaba.fenxiao.crossborder.product.search.keywordSNQuery-1"
PRODUCT_DETAIL = "com.alibaba.fenxiao.crossborder.product.search.queryProductDetail-1"
PRODUCT_LIST = "com.alibaba.product.alibaba.cross.productList-1"
IMAGE_UPLOAD = "com.alibaba.fenxiao.crossborder.product.image.upload-1"
FREIGHT = "com.alibaba.fenxiao.crossborder.product.freight.estimate-1"
SELL_TREND = "com.alibaba.fenxiao.crossborder.product.analyze.getPerdaySellQuantityTrendNew-1"
PRICE_TREND = "com.alibaba.fenxiao.crossborder.product.analyze.getThirtyDayMedianPriceTrendNew-1"
REPURCHASE_TREND = "com.alibaba.fenxiao.crossborder.product.analyze.getRepurchaseRateTrendNew-1"
CATEGORY = "com.alibaba.product.alibaba.category.get-1"
CATEGORY_TRANSLATION = "com.alibaba.fenxiao.crossborder.category.translation.getById-1"
CATEGORY_SEARCH = "com.alibaba.fenxiao.crossborder.category.translation.getByKeyword-1"
TOP_KEYWORDS = "com.alibaba.fenxiao.crossborder.product.search.topKeyword-1"
DOCS = (
    KEYWORD_QUERY,
    IMAGE_QUERY,
    SELLER_OFFERS,
    KEYWORD_NAVIGATION,
    PRODUCT_DETAIL,
    PRODUCT_LIST,
    IMAGE_UPLOAD,
    FREIGHT,
    SELL_TREND,
    PRICE_TREND,
    REPURCHASE_TREND,
    CATEGORY,
    CATEGORY_TRANSLATION,
    CATEGORY_SEARCH,
    TOP_KEYWORDS,
)

_STRINGS = {"String", "java.lang.String"}
_WHOLE = {"Long", "java.lang.Long", "Integer", "java.lang.Integer"}
_DECIMAL = {"Double", "java.lang.Double", "BigDecimal"}
_BOOLEAN = {"Boolean", "boolean", "java.lang.Boolean"}

# Where the wire is looser than a page's type, and the source that shows it (PROTOCOL.md):
# - Long/Integer: relayed real answers send most whole numbers as strings ("skuId":"4878065068300",
#   "quoteType":"1", paging "total":"2000"): digit strings are accepted;
# - BigInteger (``productSaleInfo.foreignCurrencyPrice``): the page's own example is 3.50, so any number;
# - ``success`` typed Boolean: relayed answers send "true"/"false" as well.
# Every value may be null: relayed real answers carry many nulls (a path that must not be is ``required``).


@cache
def load(doc: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{doc}.json").read_text(encoding="utf-8"))


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, value) below a document, list items under ``path[]``."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            yield child, item
            yield from walk(item, child)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item, f"{path}[]")


def _digits(value: Any) -> bool:
    return isinstance(value, str) and value.lstrip("-").isdigit()


def allowed(kind: str, value: Any, path: str) -> bool:
    """Whether a non-null wire value fits the page's type, as loosely as relayed answers show."""
    if kind.startswith("message:"):
        return isinstance(value, list if kind.endswith("[]") else dict)
    if kind.endswith("[]"):
        return isinstance(value, list) and all(value_ok(kind[:-2], item, path) for item in value)
    return value_ok(kind, value, path)


def value_ok(kind: str, value: Any, path: str) -> bool:
    if kind in _STRINGS:
        return isinstance(value, str)
    if kind in _WHOLE:
        return (isinstance(value, int) and not isinstance(value, bool)) or _digits(value)
    if kind in _DECIMAL or kind == "BigInteger":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind in _BOOLEAN:
        return isinstance(value, bool) or (path.rsplit(".", 1)[-1] == "success" and value in ("true", "false"))
    raise AssertionError(f"{path}: the fixture has a type the checker does not know: {kind}")


def problems(doc: str, answer: Any, required: tuple[str, ...] = ()) -> list[str]:
    """What in ``answer`` the page does not allow; ``required``: paths that must be present and not null."""
    fields = load(doc)["response_fields"]
    found: list[str] = []
    seen = set()
    for path, value in walk(answer):
        if value is not None:
            seen.add(path)
        kind = fields.get(path)
        if kind is None:
            found.append(f"{path}: not on the page")
        elif value is not None and not allowed(kind, value, path):
            found.append(f"{path}: {type(value).__name__} {value!r:.60} where the page says {kind}")
    top = {path for path in fields if "." not in path}
    if not set(answer) <= top:
        found.append(f"top-level keys {sorted(answer)} are not the page's {sorted(top)}")
    for path in required:
        if path not in seen:
            found.append(f"{path}: missing or null")
    return found
