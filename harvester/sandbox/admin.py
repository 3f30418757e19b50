"""The admin API under ``/_sandbox/``: what tests and benchmarks use to observe and steer a running sandbox.

    GET  /_sandbox/stats          counters, epoch and the catalogue's date at it (``today``), budget (JSON)
    GET  /_sandbox/config         the configuration (credentials left out)
    POST /_sandbox/config         change it: a JSON object of SandboxConfig fields; ``faults`` may be partial
    POST /_sandbox/reset          counters, budget spent, rate window and fault sequence start again,
                                  and the pre-issued demo tokens are valid again
    POST /_sandbox/drift          advance the epoch: ``{"epochs": n}`` (default 1) or set it: ``{"epoch": n}``
    GET  /_sandbox/drift          the drift log (:mod:`driftlog`) between two epochs, bounded: query
                                  ``from`` (default 0), ``to`` (default the current epoch), and either
                                  ``keyword`` (every offer the keyword finds at ``from``, no cap) or a page
                                  of catalogue positions, ``cursor`` (default 0) and ``limit`` (default and
                                  most :data:`DRIFT_PAGE`); answers ``{"from", "to", "drift_share", "scope",
                                  "offers", "next_cursor", "changed_offers", "by_kind", "events"}``
    POST /_sandbox/expire_tokens  expire every access token (``{"refresh_tokens": true}``: refresh tokens too)
    GET  /_sandbox/credentials    app key, secret and the pre-issued tokens

Answers are JSON; a bad request answers 400 ``{"error": message}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import driftlog
from .config import ConfigError
from .wire import Answer, json_answer

if TYPE_CHECKING:
    from .gateway import Gateway

PREFIX = "/_sandbox/"
#: Catalogue positions one page of the drift log covers at most: the log builds two records of each offer it
#: lists (about a millisecond each), a twentieth of them per epoch at the default share, so a page is a second
#: or two of the sandbox's time, during which it answers nothing else.
DRIFT_PAGE = 20_000


def _body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError("the body must be a JSON object")
    return document


def _drift_log(gateway: Gateway, query: Mapping[str, str]) -> dict[str, Any]:
    unknown = sorted(set(query) - {"from", "to", "keyword", "cursor", "limit"})
    if unknown:
        raise ValueError(
            f"unknown drift log parameter(s) {', '.join(unknown)}; use from, to, keyword or cursor and limit"
        )
    catalogue = gateway.catalogue
    first, last = int(query.get("from", 0)), int(query.get("to", gateway.config.epoch))
    keyword = query.get("keyword")
    if keyword is not None:
        if {"cursor", "limit"} & set(query):
            raise ValueError("give keyword, or cursor and limit, not both")
        ids = catalogue.search(keyword=keyword, epoch=first)
        events, scope, offers, cursor = catalogue.drift_log(first, last, ids), {"keyword": keyword}, len(ids), None
    else:
        start, limit = int(query.get("cursor", 0)), int(query.get("limit", DRIFT_PAGE))
        if not 1 <= limit <= DRIFT_PAGE:
            raise ValueError(f"limit must be 1 to {DRIFT_PAGE}")
        events, cursor = catalogue.drift_page(first, last, start, limit)
        scope, offers = {"cursor": start, "limit": limit}, max(0, min(catalogue.size, start + limit) - start)
    return {
        "from": first,
        "to": last,
        "drift_share": catalogue.drift_share,
        "scope": scope,
        "offers": offers,
        "next_cursor": cursor,
        **driftlog.summary(events),
        "events": [event.to_dict() for event in events],
    }


def handle(gateway: Gateway, method: str, path: str, body: bytes, query: Mapping[str, str] | None = None) -> Answer:
    """Answer an admin call; ``query`` holds the URL's query parameters (the drift log's)."""
    action = path[len(PREFIX) :].strip("/")
    try:
        values = _body(body) if method == "POST" else {}
        if (method, action) == ("GET", "stats"):
            return json_answer(gateway.state())
        if (method, action) == ("GET", "config"):
            return json_answer(gateway.config.to_dict())
        if (method, action) == ("POST", "config"):
            return json_answer(gateway.configure(values).to_dict())
        if (method, action) == ("POST", "reset"):
            gateway.reset()
            return json_answer(gateway.state())
        if (method, action) == ("GET", "drift"):
            return json_answer(_drift_log(gateway, query or {}))
        if (method, action) == ("POST", "drift"):
            if "epoch" in values:
                gateway.configure({"epoch": int(values["epoch"])})
            else:
                gateway.advance_epoch(int(values.get("epochs", 1)))
            return json_answer({"epoch": gateway.config.epoch})
        if (method, action) == ("POST", "expire_tokens"):
            expired = {"access_tokens": gateway.tokens.expire_access_tokens()}
            if values.get("refresh_tokens"):
                expired["refresh_tokens"] = gateway.tokens.expire_refresh_tokens()
            return json_answer(expired)
        if (method, action) == ("GET", "credentials"):
            return json_answer(gateway.config.credentials())
    except (ConfigError, ValueError, TypeError) as error:
        return json_answer({"error": str(error)}, 400)
    return json_answer({"error": f"no admin endpoint {method} {path}"}, 404)
