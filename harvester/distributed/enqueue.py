"""Units for the Redis list of a distributed crawl, built and checked as the spiders check their arguments.

Each spider's own ``validate`` (the checks ``scrapy crawl`` makes of ``-a``
arguments) judges every unit before it is queued, so a payload a worker
would skip is refused here, with a line a person can act on. Offer ids come
in units of ``IDS_PER_UNIT`` (one detail call each), as the offers spider
makes them from a file; a file of ids is streamed, never loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from itertools import islice
from typing import Any

from ..exceptions import ArgumentError
from ..inputs.lines import BadLine, check_readable, stream_lines
from ..inputs.offer_ids import parse_offer_id, stream_offer_ids
from ..spiders.image import ImageSpider
from ..spiders.keyword import FILTER_ARGUMENTS, KeywordSpider
from ..spiders.offers import IDS_PER_UNIT
from ..spiders.seller import SellerSpider

#: Spiders whose units can be queued, and the option that names each unit's subject.
SPIDERS = ("keyword", "offers", "image", "seller")

OnBad = Callable[[str, BadLine], None]


def _values(words: list[str], path: str | None, on_bad: OnBad) -> Iterator[str]:
    """The words given, then the lines of ``path`` (blank ones skipped, unreadable ones reported)."""
    yield from words
    if path:
        check_readable(path, "file")
        for line in stream_lines(path):
            if isinstance(line, BadLine):
                on_bad(path, line)
            else:
                yield line[1]


def keyword_units(
    words: list[str], path: str | None, filters: Mapping[str, Any], on_bad: OnBad
) -> Iterator[dict[str, Any]]:
    KeywordSpider.validate({"keywords": "-", **filters})
    for keyword in _values(words, path, on_bad):
        KeywordSpider.validate({"keywords": keyword.replace(",", " "), **filters})
        yield {"keyword": keyword, **{name: filters.get(name) for name in FILTER_ARGUMENTS}}


def image_units(
    words: list[str], path: str | None, keyword: str | None, crop: str | None, on_bad: OnBad
) -> Iterator[dict[str, Any]]:
    for image in _values(words, path, on_bad):
        ImageSpider.validate({"image": image, "keyword": keyword, "crop": crop})
        yield {"image": image, "keyword": keyword, "crop": crop}


def seller_units(words: list[str], path: str | None, keyword: str | None, on_bad: OnBad) -> Iterator[dict[str, Any]]:
    for seller in _values(words, path, on_bad):
        SellerSpider.validate({"seller_open_id": seller, "keyword": keyword})
        yield {"seller_open_id": seller, "keyword": keyword}


def offer_units(words: list[str], path: str | None, on_bad: OnBad) -> Iterator[dict[str, Any]]:
    def ids() -> Iterator[int]:
        for word in words:
            offer_id = parse_offer_id(word)
            if offer_id is None:
                raise ArgumentError(f"{word[:40]!r} is not an offer id (digits, or an offer URL)")
            yield offer_id
        if path:
            check_readable(path, "file")
            yield from stream_offer_ids(path, lambda line: on_bad(path, line))

    stream = ids()
    while chunk := list(islice(stream, IDS_PER_UNIT)):
        yield {"ids": chunk}
