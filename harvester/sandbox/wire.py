"""What goes back on the wire: an HTTP answer, and the gateway's standard error bodies.

The gateway core returns :class:`Answer` values and never touches a socket;
the Twisted adapter writes them (after ``delay`` seconds, or never for a
stall). Error bodies follow PROTOCOL.md section 4.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import orjson

STALL: Literal["stall"] = "stall"
JSON_TYPE = "application/json;charset=UTF-8"
HTML_TYPE = "text/html;charset=utf-8"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    #: Seconds to wait before answering, or :data:`STALL`: hold the request without answering.
    delay: float | Literal["stall"] = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


def dumps(document: Any) -> bytes:
    """Compact UTF-8 JSON with Chinese left as is, as the gateway sends it.

    orjson, because encoding is most of what rendering a detail costs; it writes floats in their
    shortest form, as the standard library does (``12.3``, ``200.0``, ``0.001``).
    """
    return orjson.dumps(document)


def json_answer(document: Any, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    return Answer(status, dumps(document), headers=headers)


def gateway_error(
    status: int, code: str, message: str, request_id: str, headers: tuple[tuple[str, str], ...] = ()
) -> Answer:
    return json_answer(
        {"error_code": code, "error_message": message, "exception": message, "request_id": request_id},
        status,
        headers,
    )


def html_page(status: int, reason: str) -> Answer:
    """An nginx/Tengine error page, as a proxy in front of the gateway sends it."""
    title = f"{status} {reason}"
    body = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n"
    )
    return Answer(status, body.encode("ascii"), HTML_TYPE)
