"""What both tiers share before an answer becomes a row: its offer id, or a Reject that keeps it whole."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..items import Reject
from .scalars import INT64_MAX, parse_int


def offer_id_of(data: dict) -> int | None:
    """``offerId`` (a Long, often sent as a string), or None when it cannot be an offer's id."""
    offer_id = data.get("offerId")
    if type(offer_id) is not int:
        offer_id = parse_int(offer_id)
    if offer_id is None or not 0 < offer_id <= INT64_MAX:
        return None
    return offer_id


def reject(data: Any, source_api: str, reason: str, fetched_at: datetime, crawl_id: str | None) -> Reject:
    """The record as JSON text with the reason it could not be used, so it can be replayed once the normaliser
    learns it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return Reject(text, source_api, reason, fetched_at, crawl_id)
