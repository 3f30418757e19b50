"""Offer ids as users give them: digits, or an offer page's URL pasted from a browser.

``https://detail.1688.com/offer/624108453870.html`` is how people usually
copy an offer; accepting it saves them a cleaning step and a failed crawl.
Anything else is refused with the text that was not understood, so a
typo costs one line of output instead of a wasted call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from ..exceptions import ArgumentError
from .lines import BadLine, stream_lines

_INT64_MAX = 2**63 - 1
_OFFER_URL = re.compile(r"(?:https?://)?(?:[\w-]+\.)*1688\.com/offer/(\d+)\.html(?:[?#]\S*)?", re.IGNORECASE)
EXAMPLE = "624108453870"


def parse_offer_id(text: str) -> int | None:
    """The offer id in ``text`` (digits or an offer URL), or None when it holds none."""
    text = text.strip()
    if not text.isdecimal() or not text.isascii():
        match = _OFFER_URL.fullmatch(text)
        if match is None:
            return None
        text = match.group(1)
    number = int(text)
    return number if 0 < number <= _INT64_MAX else None


def parse_offer_ids(text: str, argument: str) -> list[int]:
    """Comma-separated ids (full-width commas too); ``ArgumentError`` naming the first that is not one."""
    ids = []
    for part in text.replace("，", ",").split(","):
        if not part.strip():
            continue
        offer_id = parse_offer_id(part)
        if offer_id is None:
            raise ArgumentError(
                f"-a {argument}: {part.strip()[:60]!r} is not an offer id; give digits such as {EXAMPLE} "
                "or offer URLs, separated by commas"
            )
        ids.append(offer_id)
    return ids


def stream_offer_ids(path: str, on_bad: Callable[[BadLine], None]) -> Iterator[int]:
    """The ids of a file with one id (or offer URL) per line, read lazily; bad lines go to ``on_bad``."""
    for line in stream_lines(path):
        if isinstance(line, BadLine):
            on_bad(line)
            continue
        number, text = line
        offer_id = parse_offer_id(text)
        if offer_id is None:
            on_bad(BadLine(number, f"{text[:40]!r} is not an offer id"))
        else:
            yield offer_id
