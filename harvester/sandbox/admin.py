"""The admin API under ``/_sandbox/``: what tests and benchmarks use to observe and steer a running sandbox.

    GET  /_sandbox/stats          counters, epoch, budget (JSON)
    GET  /_sandbox/config         the configuration (credentials left out)
    POST /_sandbox/config         change it: a JSON object of SandboxConfig fields; ``faults`` may be partial
    POST /_sandbox/reset          counters, budget spent, rate window and fault sequence start again,
                                  and the pre-issued demo tokens are valid again
    POST /_sandbox/drift          advance the epoch: ``{"epochs": n}`` (default 1) or set it: ``{"epoch": n}``
    POST /_sandbox/expire_tokens  expire every access token (``{"refresh_tokens": true}``: refresh tokens too)
    GET  /_sandbox/credentials    app key, secret and the pre-issued tokens

Answers are JSON; a bad request answers 400 ``{"error": message}``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .config import ConfigError
from .wire import Answer, json_answer

if TYPE_CHECKING:
    from .gateway import Gateway

PREFIX = "/_sandbox/"


def _body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    document = json.loads(body)
    if not isinstance(document, dict):
        raise ValueError("the body must be a JSON object")
    return document


def handle(gateway: Gateway, method: str, path: str, body: bytes) -> Answer:
    action = path[len(PREFIX):].strip("/")
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
