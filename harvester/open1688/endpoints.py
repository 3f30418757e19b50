"""The catalogue of gateway APIs the harvester calls, and how their calls are built.

Every call, from a spider, the synchronous client or the sandbox's own tests,
is built here so that the path layout and the parameter encoding (nested
values as compact JSON with Chinese left unescaped) exist exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from . import signing

DEFAULT_GATEWAY = "https://gw.open.1688.com"


@dataclass(frozen=True)
class Endpoint:
    """One API: where it lives, whether it is signed, and where its answer keeps the data."""

    key: str
    namespace: str
    name: str
    version: int = 1
    protocol: str = "param2"
    signed: bool = True
    needs_token: bool = True
    #: Path of keys from the answer document to the data a caller wants.
    result_path: tuple[str, ...] = ()
    #: The answer is a bare JSON value, not an object (system.currentTime's string).
    bare: bool = False

    @property
    def qualified_name(self) -> str:
        """How the 1688 console names the API when it is requested for an app."""
        return f"{self.namespace}:{self.name}-{self.version}"

    def url_path(self, app_key: str) -> str:
        """The signed part of the URL: ``param2/1/{namespace}/{name}/{appKey}``."""
        if not app_key:
            raise ValueError("an app key is required: set OPEN1688_APP_KEY")
        return f"{self.protocol}/{self.version}/{self.namespace}/{self.name}/{app_key}"

    def url(self, gateway: str, app_key: str) -> str:
        return f"{gateway.rstrip('/')}/openapi/{self.url_path(app_key)}"


def encode_value(value: Any) -> str:
    """The wire form of one parameter value.

    Objects and lists become compact JSON with non-ASCII kept as is: the
    gateway signs the raw characters, so ``\\u4fdd`` escapes would sign a
    different string from the one a Chinese-aware server reconstructs.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (Mapping, list, tuple)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    raise TypeError(f"cannot send a parameter of type {type(value).__name__}")


def encode_params(params: Mapping[str, Any]) -> dict[str, str]:
    """Encode business parameters, dropping ``None`` so optional filters can be passed blank."""
    return {key: encode_value(value) for key, value in params.items() if value is not None}


@dataclass(frozen=True)
class Call:
    """A call ready to send: the URL and the unsigned business form."""

    endpoint: Endpoint
    url: str
    url_path: str
    params: dict[str, str]

    def signed_params(self, *, secret: str, access_token: str | None, timestamp_ms: int) -> dict[str, str]:
        """The full form for one attempt.

        A fresh timestamp and signature are computed per attempt; the business
        parameters are left untouched so that they alone identify the call.
        """
        form = dict(self.params)
        if self.endpoint.needs_token:
            if not access_token:
                raise ValueError(
                    f"{self.endpoint.name} needs an access token: run `scrapy auth` or set OPEN1688_ACCESS_TOKEN"
                )
            form[signing.ACCESS_TOKEN_PARAM] = access_token
        if self.endpoint.signed:
            form[signing.TIMESTAMP_PARAM] = str(timestamp_ms)
            form[signing.SIGNATURE_PARAM] = signing.sign(self.url_path, form, secret)
        return form

    def body(self, form: Mapping[str, str]) -> str:
        return urlencode(form)


def build_call(endpoint: Endpoint, params: Mapping[str, Any], *, gateway: str, app_key: str) -> Call:
    return Call(
        endpoint=endpoint,
        url=endpoint.url(gateway, app_key),
        url_path=endpoint.url_path(app_key),
        params=encode_params(params),
    )


_CROSSBORDER = "com.alibaba.fenxiao.crossborder"
_NESTED_RESULT = ("result", "result")

KEYWORD_SEARCH = Endpoint("keyword_search", _CROSSBORDER, "product.search.keywordQuery", result_path=_NESTED_RESULT)
#: Search navigation: the facets (``snId`` values) of a keyword.
KEYWORD_NAVIGATION = Endpoint(
    "keyword_navigation", _CROSSBORDER, "product.search.keywordSNQuery", result_path=_NESTED_RESULT
)
IMAGE_UPLOAD = Endpoint("image_upload", _CROSSBORDER, "product.image.upload", result_path=_NESTED_RESULT)
IMAGE_SEARCH = Endpoint("image_search", _CROSSBORDER, "product.search.imageQuery", result_path=_NESTED_RESULT)
PRODUCT_DETAIL = Endpoint(
    "product_detail", _CROSSBORDER, "product.search.queryProductDetail", result_path=_NESTED_RESULT
)
SELLER_OFFERS = Endpoint(
    "seller_offers", _CROSSBORDER, "product.search.querySellerOfferList", result_path=_NESTED_RESULT
)
#: Offers of the app's cross-border listing relation only, without SKUs or prices (PROTOCOL.md section 9): no
#: detail API, so the harvester never calls it; the sandbox answers it as the official page describes.
PRODUCT_LIST = Endpoint(
    "product_list", "com.alibaba.product", "alibaba.cross.productList", result_path=("productList",)
)
#: Enrichment APIs (PROTOCOL.md section 11): China-domestic freight of one offer to an address.
FREIGHT_ESTIMATE = Endpoint("freight_estimate", _CROSSBORDER, "product.freight.estimate", result_path=_NESTED_RESULT)
#: Per-day trends of one offer: units sold (its parameter is spelled ``tendQueryParam``), the 30-day median price
#: and the repurchase rate (``trendQueryParam``).
SELL_TREND = Endpoint(
    "sell_trend", _CROSSBORDER, "product.analyze.getPerdaySellQuantityTrendNew", result_path=_NESTED_RESULT
)
PRICE_TREND = Endpoint(
    "price_trend", _CROSSBORDER, "product.analyze.getThirtyDayMedianPriceTrendNew", result_path=_NESTED_RESULT
)
REPURCHASE_TREND = Endpoint(
    "repurchase_trend", _CROSSBORDER, "product.analyze.getRepurchaseRateTrendNew", result_path=_NESTED_RESULT
)
#: The trend APIs by the metric the ``trends`` table names, with the parameter each page names.
TRENDS: dict[str, tuple[Endpoint, str]] = {
    "sell": (SELL_TREND, "tendQueryParam"),
    "price": (PRICE_TREND, "trendQueryParam"),
    "repurchase": (REPURCHASE_TREND, "trendQueryParam"),
}
#: The category tree, one level a call (``categoryID`` 0: the first level); no user authorisation. Its answer is
#: ``{succes (sic), errorCode, errorMsg, categoryInfo[]}``.
CATEGORY = Endpoint(
    "category", "com.alibaba.product", "alibaba.category.get", needs_token=False, result_path=("categoryInfo",)
)
#: A category's names in a language, with its children; categories whose name holds a word.
CATEGORY_TRANSLATION = Endpoint(
    "category_translation", _CROSSBORDER, "category.translation.getById", result_path=_NESTED_RESULT
)
CATEGORY_SEARCH = Endpoint(
    "category_search", _CROSSBORDER, "category.translation.getByKeyword", result_path=_NESTED_RESULT
)
#: Hot search keywords of a category (Chinese, to search with); no user authorisation.
TOP_KEYWORDS = Endpoint(
    "top_keywords", _CROSSBORDER, "product.search.topKeyword", needs_token=False, result_path=_NESTED_RESULT
)
GET_TOKEN = Endpoint("get_token", "system.oauth2", "getToken", protocol="http", signed=False, needs_token=False)
POSTPONE_TOKEN = Endpoint("postpone_token", "system.oauth2", "postponeToken", needs_token=False)
CURRENT_TIME = Endpoint("current_time", "system", "currentTime", needs_token=False, bare=True)

CATALOGUE: dict[str, Endpoint] = {
    e.key: e
    for e in (
        KEYWORD_SEARCH,
        KEYWORD_NAVIGATION,
        IMAGE_UPLOAD,
        IMAGE_SEARCH,
        PRODUCT_DETAIL,
        SELLER_OFFERS,
        PRODUCT_LIST,
        FREIGHT_ESTIMATE,
        SELL_TREND,
        PRICE_TREND,
        REPURCHASE_TREND,
        CATEGORY,
        CATEGORY_TRANSLATION,
        CATEGORY_SEARCH,
        TOP_KEYWORDS,
        GET_TOKEN,
        POSTPONE_TOKEN,
        CURRENT_TIME,
    )
}
BY_PATH: dict[tuple[str, int, str, str], Endpoint] = {
    (e.protocol, e.version, e.namespace, e.name): e for e in CATALOGUE.values()
}
