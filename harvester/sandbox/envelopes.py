"""Each product API's answer envelope, as its page names it, for successes and business errors (HTTP 200).

PROTOCOL.md section 4 and the pages: most APIs wrap ``{success, code,
message, result}`` in ``result``; keywordSNQuery and the analyze APIs say
``retCode``/``retMsg``; ``alibaba.cross.productList`` answers ``{success,
message, productList}`` at the top; ``alibaba.category.get`` answers
``{succes (sic), errorCode, errorMsg, categoryInfo}`` at the top. A
``success`` the page types Boolean is a ``"true"``/``"false"`` string for
about one call in five (as relayed answers send it), chosen by the call's
business parameters so that a replay is answered identically; one typed
String is always a string.

Success codes are the pages' examples: ``"200"`` (keywordQuery, detail),
``"S0000"`` (keywordSNQuery, freight, category translation), ``"S000"``
(the analyze APIs' pages write three zeros); where the page gives none
(topKeyword, image upload and search) ``"200"``; productList and
category.get send none, and category.get no message either.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from harvester.open1688 import endpoints, signing

from .wire import JSON_TYPE, Answer, dumps

OK_MESSAGE = "成功"
_PROTOCOL_PARAMS = {signing.SIGNATURE_PARAM, signing.TIMESTAMP_PARAM, signing.ACCESS_TOKEN_PARAM}


@dataclass(frozen=True)
class Envelope:
    #: The key the envelope sits in, or ``None`` at the top level.
    wrapper: str | None
    success: str
    #: The error code's key, or ``None`` (productList has none).
    code: str | None
    message: str
    #: The key of the data.
    payload: str
    #: The code of a success, or ``None``: not sent.
    ok_code: str | None
    #: ``success`` typed String on the page.
    string_success: bool = False
    #: The message of a success, or ``None``: not sent.
    ok_message: str | None = OK_MESSAGE


RESULT = Envelope("result", "success", "code", "message", "result", "200")
_STRING_RESULT = Envelope("result", "success", "code", "message", "result", "200", string_success=True)
_RET = Envelope("result", "success", "retCode", "retMsg", "result", "S0000")
_ANALYZE = Envelope("result", "success", "retCode", "retMsg", "result", "S000")
_S0000 = Envelope("result", "success", "code", "message", "result", "S0000")
PRODUCT_LIST = Envelope(None, "success", None, "message", "productList", None)
_CATEGORY = Envelope(
    None, "succes", "errorCode", "errorMsg", "categoryInfo", None, string_success=True, ok_message=None
)
#: ``category.translation.getById`` as its own sample answers: the envelope beside ``result``, the category.
TRANSLATION_AS_SAMPLE = Envelope(None, "success", "code", "message", "result", "S0000")

_BY_KEY = {
    endpoints.KEYWORD_NAVIGATION.key: _RET,
    endpoints.IMAGE_SEARCH.key: _STRING_RESULT,
    endpoints.IMAGE_UPLOAD.key: _STRING_RESULT,
    endpoints.PRODUCT_LIST.key: PRODUCT_LIST,
    endpoints.FREIGHT_ESTIMATE.key: _S0000,
    endpoints.SELL_TREND.key: _ANALYZE,
    endpoints.PRICE_TREND.key: _ANALYZE,
    endpoints.REPURCHASE_TREND.key: _ANALYZE,
    endpoints.CATEGORY.key: _CATEGORY,
    endpoints.CATEGORY_TRANSLATION.key: _S0000,
    endpoints.CATEGORY_SEARCH.key: _S0000,
    endpoints.TOP_KEYWORDS.key: _STRING_RESULT,
}


def of(endpoint: endpoints.Endpoint, translation_shape: str = "table") -> Envelope:
    """The envelope of an API; ``translation_shape`` ``sample`` gives getById its sample's envelope."""
    if endpoint.key == endpoints.CATEGORY_TRANSLATION.key and translation_shape == "sample":
        return TRANSLATION_AS_SAMPLE
    return _BY_KEY.get(endpoint.key, RESULT)


def draw(params: Mapping[str, str]) -> int:
    """A number fixed by the call's business parameters: the same call always meets the same noise."""
    business = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in _PROTOCOL_PARAMS)
    return zlib.crc32(business.encode("utf-8"))


def success(envelope: Envelope, params: Mapping[str, str], value: bool) -> bool | str:
    """``success`` as its page types it; a Boolean one is a string for about one call in five."""
    if envelope.string_success or draw(params) % 5 == 0:
        return "true" if value else "false"
    return value


def ok(envelope: Envelope, params: Mapping[str, str], payload: bytes) -> Answer:
    """A success carrying ``payload`` (UTF-8 JSON, joined as is: answers are never re-encoded)."""
    head = {envelope.success: success(envelope, params, True)}
    if envelope.ok_code is not None:
        head[envelope.code] = envelope.ok_code  # type: ignore[index]
    if envelope.ok_message is not None:
        head[envelope.message] = envelope.ok_message
    body = dumps(head)[:-1] + b',"%s":%s}' % (envelope.payload.encode("ascii"), payload)
    if envelope.wrapper is not None:
        body = b'{"%s":%s}' % (envelope.wrapper.encode("ascii"), body)
    return Answer(200, body, JSON_TYPE)


def error(envelope: Envelope, params: Mapping[str, str], code: str, message: str) -> Answer:
    """A business error: ``success`` false, the code (where the envelope has one) and the message."""
    document: dict[str, object] = {envelope.success: success(envelope, params, False)}
    if envelope.code is not None:
        document[envelope.code] = code
    document[envelope.message] = message
    if envelope.wrapper is not None:
        document = {envelope.wrapper: document}
    return Answer(200, dumps(document), JSON_TYPE)
