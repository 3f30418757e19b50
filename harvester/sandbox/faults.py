"""Injected trouble for product-API calls: which call gets which fault, and what the fault looks like.

A fault is chosen from a keyed hash of the fault seed and the call's number,
so the n-th product call of a run always meets the same fault; only a QoS
burst carries state (the calls after its start are refused too).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .config import FaultConfig
from .scramble import Hasher
from .wire import STALL, Answer, dumps, gateway_error, html_page, json_answer

(
    SERVER_ERROR,
    HTML_ERROR,
    TIMEOUT,
    MALFORMED,
    SLOW,
    QOS_BURST,
    HUGE,
    DEEP,
    WRONG_TYPES,
    GBK,
    ISP_ERROR,
    ISP_TIMEOUT,
) = FaultConfig.SHARES
#: Faults that replace the answer (the call never reaches the API); the others alter a real answer.
REPLACING = (SERVER_ERROR, HTML_ERROR, TIMEOUT, DEEP, ISP_ERROR, ISP_TIMEOUT)
#: The gateway's codes and messages when the service behind it fails or is too slow (messages UNCONFIRMED).
ISP_ANSWERS = {
    ISP_ERROR: ("gw.ISPInvokeError", "Remote service invoke error"),
    ISP_TIMEOUT: ("gw.ISPInvokeTimeout", "Remote service invoke timeout"),
}
_DEPTH = 100_000


class FaultPlan:
    def __init__(self, config: FaultConfig):
        self.config = config
        self._hasher = Hasher(config.seed, "faults")
        self._burst_left = 0

    def decide(self, call: int) -> str | None:
        """The fault the ``call``-th product call meets, or ``None``."""
        if self._burst_left:
            self._burst_left -= 1
            return QOS_BURST
        draw = (self._hasher(call) & 0xFFFFFFFF) / (1 << 32)
        cumulative = 0.0
        for kind in FaultConfig.SHARES:
            cumulative += getattr(self.config, kind)
            if draw < cumulative:
                if kind == QOS_BURST:
                    self._burst_left = self.config.qos_burst_length - 1
                return kind
        return None

    def expires_tokens_before(self, call: int) -> bool:
        return call in self.config.expire_tokens_after

    def replacement(self, kind: str, call: int, request_id: str) -> Answer:
        """The answer a replacing fault gives instead of the API's."""
        variant = (self._hasher(call) >> 32) % 3
        if kind == TIMEOUT:
            return dataclasses.replace(html_page(504, "Gateway Time-out"), delay=STALL)
        if kind == DEEP:
            return Answer(200, b'{"result":' + b"[" * _DEPTH + b"]" * _DEPTH + b"}")
        if kind == HTML_ERROR:
            return html_page(502, "Bad Gateway") if variant < 2 else html_page(504, "Gateway Time-out")
        if kind in ISP_ANSWERS:
            code, message = ISP_ANSWERS[kind]
            return gateway_error(self.config.isp_status, code, message, request_id)
        if variant == 0:
            return json_answer(
                {
                    "error_code": "500",
                    "error_message": "Internal Server Error",
                    "exception": "Internal Server Error",
                    "request_id": request_id,
                },
                500,
            )
        if variant == 1:
            return json_answer(
                {
                    "error_code": "isp.temp-unavailable",
                    "error_message": "Service temporarily unavailable",
                    "exception": "Service temporarily unavailable",
                    "request_id": request_id,
                },
                503,
            )
        return html_page(502, "Bad Gateway")

    def alter(self, kind: str, answer: Answer, call: int) -> Answer:
        """A real answer made slow, cut short, bloated, mistyped or re-encoded."""
        if kind == SLOW:
            return dataclasses.replace(answer, delay=self.config.slow_seconds)
        if kind == HUGE:
            padding = max(0, self.config.huge_bytes - len(answer.body) - 16)
            return dataclasses.replace(answer, body=answer.body[:-1] + b',"padding":"' + b"x" * padding + b'"}')
        if kind == WRONG_TYPES:
            return dataclasses.replace(answer, body=dumps(_mistyped(json.loads(answer.body))))
        if kind == GBK:
            text = answer.body.decode("utf-8")
            return dataclasses.replace(answer, body=text.encode("gb18030"), content_type="application/json;charset=GBK")
        cut = max(1, len(answer.body) * (20 + (self._hasher(call) >> 40) % 60) // 100)
        return dataclasses.replace(answer, body=answer.body[:cut])


def _mistyped(document: Any) -> Any:
    """Break the types of every product-looking object: lists become strings, stock negative, prices "面议"."""
    if isinstance(document, list):
        return [_mistyped(item) for item in document]
    if not isinstance(document, dict):
        return document
    broken = {}
    for key, value in document.items():
        if key in ("skuInfos", "productSkuInfos", "priceRanges", "priceRangeList", "images", "attributes"):
            broken[key] = "[]" if not value else str(value)[:40]
        elif key in ("amountOnSale", "stock"):
            broken[key] = -abs(int(value)) - 1 if isinstance(value, (int, str)) and str(value).isdigit() else -5
        elif key in ("price", "consignPrice"):
            broken[key] = "面议"
        else:
            broken[key] = _mistyped(value)
    return broken
