"""Follow offers over time: re-fetch those of the latest crawl (or a list) and write what changed.

The offers come from the latest crawl in the dataset, or from ``-a
ids_file``; each costs one ``queryProductDetail`` call. The comparison
itself is the changes pipeline's (``HARVEST_CHANGES``, on for this spider).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..dataset.snapshot import latest_crawl_id
from ..exceptions import ArgumentError
from ..history.previous import previous_snapshot
from ..inputs.lines import check_has_a_line
from ..inputs.offer_ids import parse_offer_id, stream_offer_ids
from .offers import OffersSpider

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


class MonitorSpider(OffersSpider):
    name = "monitor"
    description = "re-fetches the offers of the latest crawl (or -a ids_file) and writes what changed"
    arguments = {
        "ids_file": "a file with one offer id per line to watch (default: the offers of the latest crawl)",
    }
    custom_settings = {"HARVEST_CHANGES": True}
    # Its default work (the latest crawl's offers) is read from the local dataset, not queued: not distributed.
    unit_fields = frozenset()

    @classmethod
    def validate(cls, arguments: Mapping[str, Any]) -> None:
        if arguments.get("ids_file"):
            check_has_a_line(str(arguments["ids_file"]), "ids_file", "offer id",
                             lambda text: parse_offer_id(text) is not None)

    @classmethod
    def validate_inputs(cls, arguments: Mapping[str, Any], settings: BaseSettings) -> None:
        data_dir = Path(settings["HARVEST_DATA_DIR"]).expanduser()
        if not arguments.get("ids_file") and latest_crawl_id(data_dir) is None:
            raise ArgumentError(
                f"nothing to monitor: HARVEST_DATA_DIR={data_dir} holds no crawl yet; run a keyword, image, "
                "offers or seller crawl into it first, or give -a ids_file=PATH"
            )

    def _ids(self) -> Iterator[int]:
        path = getattr(self, "ids_file", None)
        if path:
            yield from stream_offer_ids(path, lambda line: self._bad_line(path, line))
            return
        snapshot = previous_snapshot(self.crawler)
        if snapshot is None:
            logger.error("Nothing to monitor: no earlier crawl under HARVEST_DATA_DIR (give -a ids_file=PATH)")
            return
        logger.info("Watching the %d offers of crawl %s", len(snapshot), snapshot.crawl_id)
        yield from snapshot.offer_ids()
