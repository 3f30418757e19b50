"""Follow offers over time: look again at what the latest crawl found, and write what changed.

By default the monitor asks the latest crawl's queries again (its keywords
and sellers with their filters, from the ``queries`` table) on the listing
tier, 50 offers a call, and fetches details only where a listing shows a
change since the offer's last detail (``-a details=changed``, its default;
the others are carried forward). The latest crawl's offers that no search
finds again (gone from the results, or found by an image search, which
cannot be asked again) get a detail call each, which also tells which are
gone. So a monitored keyword costs its pages plus its changed and vanished
offers, not one call per offer. With ``-a ids_file`` every id gets a detail
call. What changed is the changes pipeline's to write (``HARVEST_CHANGES``,
on for this spider): from listings (``changes.source = listing``) and from
details (``detail``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
from scrapy import Request
from scrapy.exceptions import DontCloseSpider

from ..dataset.snapshot import latest_crawl_id
from ..dataset.storage import from_settings
from ..exceptions import ArgumentError, ConfigurationError
from ..history.previous import PreviousSnapshot, previous_snapshot
from ..inputs.lines import check_has_a_line
from ..inputs.offer_ids import parse_offer_id
from ..open1688 import endpoints
from ..open1688.queries import SearchQuery, parse_filters, parse_sort
from ..stages.details import Wanted
from ..stages.search import SearchPager
from .offers import OffersSpider

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

#: Search APIs whose queries can be asked again from their ``queries`` row (an image search needs the picture).
ASKED_AGAIN = (endpoints.KEYWORD_SEARCH.key, endpoints.SELLER_OFFERS.key)


class Watch:
    """The offers of the snapshot watched, and which of them a search of this crawl found again.

    It sits between the search pager and the detail fetcher (it is the pager's offer sink): every offer a
    search finds is marked seen (a bit per snapshot offer), then handed on.
    """

    def __init__(self, snapshot: PreviousSnapshot, details: Any) -> None:
        self.ids = np.unique(np.fromiter(snapshot.offer_ids(), dtype=np.int64))
        self.seen = np.zeros(len(self.ids), dtype=bool)
        self.details = details
        #: The offers not found again, once the searches are done (None before), and how far they were sent.
        self._unseen: np.ndarray | None = None
        self._sent = 0

    def want(self, wanted: Iterable[Wanted]) -> list[Request]:
        wanted = list(wanted)
        found = np.fromiter((w.offer_id for w in wanted), dtype=np.int64, count=len(wanted))
        self.seen[np.searchsorted(self.ids, found[np.isin(found, self.ids)])] = True
        return self.details.want(wanted)

    def next_unseen(self, count: int) -> list[int]:
        """The next ``count`` offers no search found again (the first call takes stock: searches are over)."""
        if self._unseen is None:
            self._unseen = self.ids[~self.seen]
            logger.info(
                "%d offers of the latest crawl were not found again by its queries: fetching their details",
                len(self._unseen),
            )
        chunk = self._unseen[self._sent : self._sent + count].tolist()
        self._sent += len(chunk)
        return chunk


class MonitorSpider(OffersSpider):
    name = "monitor"
    description = "looks again at the latest crawl's queries and offers (or -a ids_file) and writes what changed"
    arguments = {
        "ids_file": "a file with one offer id per line to watch (default: what the latest crawl found)",
        "details": "which offers found again get a detail call: changed (default), new, all or none",
        "dry_run": "1: search and plan the details, fetch and write nothing, print what they would cost",
    }
    custom_settings = {"HARVEST_CHANGES": True}
    plans_details = True
    default_details = "changed"
    # Its default work (the latest crawl's queries and offers) is read from the dataset, not queued: not distributed.
    unit_fields = frozenset()

    watch: Watch | None = None
    #: Offers not found again sent for their details per idle turn.
    unseen_chunk: int = 1000

    @classmethod
    def validate(cls, arguments: Mapping[str, Any]) -> None:
        if arguments.get("ids_file"):
            check_has_a_line(
                str(arguments["ids_file"]), "ids_file", "offer id", lambda text: parse_offer_id(text) is not None
            )

    @classmethod
    def validate_inputs(cls, arguments: Mapping[str, Any], settings: BaseSettings) -> None:
        if arguments.get("ids_file"):
            return
        storage = from_settings(settings)
        try:
            latest = latest_crawl_id(storage)
        except OSError as error:
            raise ConfigurationError(
                f"cannot read HARVEST_DATA_DIR={storage.show()} "
                f"({(str(error).splitlines() or [type(error).__name__])[0][:300]}): check it "
                "exists and can be read (`scrapy doctor` checks it)"
            ) from None
        if latest is None:
            raise ArgumentError(
                f"nothing to monitor: HARVEST_DATA_DIR={storage.show()} holds no crawl yet; run a keyword, image, "
                "offers or seller crawl into it first, or give -a ids_file=PATH"
            )

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        snapshot = None if kwargs.get("ids_file") else previous_snapshot(crawler)
        if snapshot is not None:
            spider.watch = Watch(snapshot, spider.details)
        spider.pager = SearchPager.for_spider(crawler, spider, {}, offers=spider.watch or spider.details)
        # A minute of calls at the app's pace (at least 1,000): the idle turns between chunks stay a small share.
        spider.unseen_chunk = max(1000, int(60 * crawler.settings.getfloat("OPEN1688_QPS")))
        return spider

    def units(self) -> Iterator[dict[str, Any]]:
        """The queries to ask again, then (once they are done) the snapshot's offers they did not find."""
        snapshot = previous_snapshot(self.crawler)
        if getattr(self, "ids_file", None) or snapshot is None:
            yield from super().units()
            return
        queries = [row for row in snapshot.queries if row.get("source_api") in ASKED_AGAIN]
        logger.info(
            "Watching the %d offers of crawl %s: asking its %d queries again, then the offers they do not find",
            len(self.watch.ids) if self.watch else 0,
            snapshot.crawl_id,
            len(queries),
        )
        for row in queries:
            yield {"query": row}

    def seeds(self, unit: Mapping[str, Any]) -> Iterator[Request]:
        row = unit.get("query")
        if row is None:
            yield from super().seeds(unit)
            return
        yield self.pager.first_page(query_of(row))

    def idle(self) -> None:
        """The searches (and their details) are done: fetch the offers they did not find again, a chunk per idle
        turn, so a snapshot of millions is never queued at once."""
        if self.watch is not None:
            chunk = self.watch.next_unseen(self.unseen_chunk)
            if chunk:
                engine = self.crawler.engine
                assert engine is not None
                for request in self.details.want([Wanted(offer_id) for offer_id in chunk]):
                    engine.crawl(request)
                raise DontCloseSpider
        super().idle()


def query_of(row: Mapping[str, Any]) -> SearchQuery:
    """A query as the ``queries`` table recorded it, to ask again."""
    price_start, price_end = row.get("price_start"), row.get("price_end")
    return SearchQuery(
        keyword=row.get("keyword") or None,
        seller_open_id=row.get("seller_open_id") or None,
        price_start=Decimal(price_start) if price_start is not None else None,
        price_end=Decimal(price_end) if price_end is not None else None,
        category_id=row.get("category_id"),
        sort=parse_sort(row.get("sort")),
        filters=parse_filters(row.get("filter")),
    )
