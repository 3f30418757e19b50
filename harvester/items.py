"""(Placeholder until the dataset branch lands: the spider-facing items only.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class RawOffer:
    source_api: str
    data: dict[str, Any]
    fetched_at: datetime
    query: str | None = None
    search_item: dict[str, Any] | None = None


@dataclass
class SearchHit:
    query: str
    offer_id: int
    page: int
    position: int
    found_at: datetime
