"""Details of offers given by id: a list on the command line, or a file of millions read as calls go out."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from scrapy import Request

from ..crawl import stats as keys
from ..exceptions import ArgumentError
from ..inputs.lines import BadLine, check_has_a_line
from ..inputs.offer_ids import EXAMPLE, parse_offer_id, parse_offer_ids, stream_offer_ids
from ..stages.details import Wanted
from ..stages.enrichment import ARGUMENTS as ENRICHMENT_ARGUMENTS
from .base import HarvestSpider

logger = logging.getLogger(__name__)

#: Bad input lines logged one by one; past this many they are only counted (harvester/input/bad_lines).
LOGGED_BAD_LINES = 100
#: Offer ids per unit of work: a unit costs that many detail calls (one per offer).
IDS_PER_UNIT = 50


class OffersSpider(HarvestSpider):
    name = "offers"
    description = "details and SKUs of offers given by id (a list, or a file of millions read lazily)"
    arguments = {
        "ids": f"comma-separated offer ids or offer URLs, e.g. {EXAMPLE}",
        "ids_file": "a file with one offer id (or offer URL) per line; bad lines are reported and skipped",
        **ENRICHMENT_ARGUMENTS,
    }
    enriches = True
    unit_fields = frozenset(("ids",))
    unit_subject = "ids"

    @classmethod
    def validate(cls, arguments: Mapping[str, Any]) -> None:
        ids = parse_offer_ids(str(arguments.get("ids") or ""), "ids")
        if not ids and not arguments.get("ids_file"):
            raise ArgumentError(f"no offer id: give -a ids={EXAMPLE},... or -a ids_file=PATH (one id per line)")
        if arguments.get("ids_file"):
            check_has_a_line(
                str(arguments["ids_file"]), "ids_file", "offer id", lambda text: parse_offer_id(text) is not None
            )

    def _ids(self) -> Iterator[int]:
        """Every id given, lazily: a file is read only as far as the crawl has got."""
        yield from parse_offer_ids(str(getattr(self, "ids", "") or ""), "ids")
        path = getattr(self, "ids_file", None)
        if path:
            yield from stream_offer_ids(path, lambda line: self._bad_line(path, line))

    def _bad_line(self, path: str, line: BadLine) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(keys.INPUT_BAD_LINES)
        count = stats.get_value(keys.INPUT_BAD_LINES)
        if count <= LOGGED_BAD_LINES:
            logger.warning("%s line %d skipped: %s", path, line.number, line.reason)
        if count == LOGGED_BAD_LINES:
            logger.warning("%s: further bad lines are only counted (harvester/input/bad_lines)", path)

    def units(self) -> Iterator[dict[str, Any]]:
        """Ids in units of ``IDS_PER_UNIT``, read from their source only as fast as calls go out."""
        chunk: list[int] = []
        for offer_id in self._ids():
            chunk.append(offer_id)
            if len(chunk) >= IDS_PER_UNIT:
                yield {"ids": chunk}
                chunk = []
        if chunk:
            yield {"ids": chunk}

    def seeds(self, unit: Mapping[str, Any]) -> Iterator[Request]:
        ids = unit.get("ids")
        if isinstance(ids, str):
            ids = parse_offer_ids(ids, "ids")
        if not isinstance(ids, list) or not ids:
            raise ArgumentError("a unit of the offers spider needs ids: a list of offer ids or comma-separated text")
        wanted = []
        for value in ids:
            offer_id = value if type(value) is int and value > 0 else parse_offer_id(str(value))
            if offer_id is None:
                raise ArgumentError(f"{str(value)[:40]!r} is not an offer id")
            wanted.append(Wanted(offer_id))
        yield from self.details.want(wanted)
