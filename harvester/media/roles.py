"""``-a media=main,sku,description,video``: which media of each fetched offer a crawl downloads.

Checked with the other spider arguments, before any call: a typo is one
line naming the kinds there are, never a crawl that silently downloads
nothing.
"""

from __future__ import annotations

from typing import Any

from ..checks.guards import shown

MAIN, SKU, DESCRIPTION, VIDEO = "main", "sku", "description", "video"
#: Every kind, in the order rows of one offer are written.
ROLES = (MAIN, SKU, DESCRIPTION, VIDEO)
#: The spider argument, and what ``scrapy crawl`` says it means.
ARGUMENT = "media"
HELP = (
    "comma-separated media of each fetched offer to download into HARVEST_MEDIA_STORE: main, sku, description, "
    "video (any subset; rows in the media table)"
)


def parse_roles(value: Any) -> frozenset[str]:
    """The kinds ``-a media`` names (empty when not given); ValueError with what to give for anything else."""
    text = "" if value is None else str(value)
    given = [part.strip().lower() for part in text.replace("，", ",").split(",") if part.strip()]
    unknown = [part for part in given if part not in ROLES]
    if unknown:
        raise ValueError(
            f"-a media={shown(text)}: {shown(unknown[0])} is not a kind of media; give any of "
            f"{','.join(ROLES)} (e.g. -a media=main,sku)"
        )
    if text.strip() and not given:
        raise ValueError(f"-a media={shown(text)} names no media; give any of {','.join(ROLES)}")
    return frozenset(given)
