"""Compare every offer of a crawl with the previous snapshot and write what changed (``HARVEST_CHANGES``)."""

from __future__ import annotations

import heapq
import logging
from collections import Counter
from decimal import Decimal
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from ..crawl.identity import crawl_identity
from ..crawl.seen import MemorySeenSet
from ..history.changes import (
    FROM_DETAIL,
    FROM_LISTING,
    FieldChange,
    ListingState,
    compare,
    compare_listing,
    gone,
    state_of,
)
from ..history.previous import PreviousSnapshot, previous_snapshot
from ..items import Change, Listing, MissingOffer, Product

logger = logging.getLogger(__name__)

PREFIX = "harvester/changes/"


class ChangesPipeline:
    """Attaches to each Product and each Listing the :class:`Change` rows against the latest earlier crawl of the
    dataset (``source`` detail or listing), and to each MissingOffer that crawl had the ``offer`` change (listed ->
    missing); the dataset writer puts them in the ``changes`` table. What counts as a change is
    ``harvester.history.changes``'s to say.

    At the end it logs a summary: offers compared and changed, changes by field, the biggest price moves.
    Stats: ``harvester/changes/previous_crawl_id``, ``.../compared``, ``.../offers_changed``,
    ``.../new_offers`` (not in the previous crawl), ``.../gone``, ``.../rows``, ``.../fields/<field>``.
    """

    def __init__(self, crawler: Crawler, moves: int, month_sold_tolerance: float) -> None:
        self.crawler = crawler
        self._month_sold_tolerance = month_sold_tolerance
        self._inc = crawler.stats.inc_value  # type: ignore[union-attr]
        self._crawl_id = crawl_identity(crawler).crawl_id
        self._moves = moves
        self.previous: PreviousSnapshot | None = None
        self._fields: Counter[str] = Counter()
        #: Offers compared and offers changed, each once however many of their listings and details were.
        self._compared = MemorySeenSet()
        self._changed = MemorySeenSet()
        #: The largest price moves, one per offer (its listing and its detail may both show one): a min-heap of
        #: (|move|, offer_id), each offer in it once, so entries never tie; the change of each offer in it.
        self._biggest: list[tuple[Decimal, int]] = []
        self._biggest_change: dict[int, FieldChange] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("HARVEST_CHANGES"):
            raise NotConfigured  # off unless asked for: no warning for it
        settings = crawler.settings
        return cls(
            crawler, settings.getint("HARVEST_CHANGES_SUMMARY_MOVES"), settings.getfloat("HARVEST_MONTH_SOLD_TOLERANCE")
        )

    def open_spider(self) -> None:
        self.previous = previous_snapshot(self.crawler)
        if self.previous is None:
            logger.warning("No earlier crawl under HARVEST_DATA_DIR: every offer is new, no changes to find")
            return
        self.crawler.stats.set_value(PREFIX + "previous_crawl_id", self.previous.crawl_id)  # type: ignore[union-attr]
        logger.info("Comparing with crawl %s (%d offers)", self.previous.crawl_id, len(self.previous))

    def process_item(self, item: Any) -> Any:
        kind = type(item)
        if kind is Product:
            self._compare(item)
        elif kind is Listing:
            self._compare_listing(item)
        elif kind is MissingOffer:
            self._gone(item)
        return item

    def _compare(self, product: Product) -> None:
        before = self.previous.state(product.offer_id) if self.previous is not None else None
        if before is None:
            self._inc(PREFIX + "new_offers")
            return
        state, previous_crawled_at = before
        self._seen_compared(product.offer_id)
        found = compare(state, state_of(product))
        if not found:
            return
        product.changes = [
            self._row(product.offer_id, change, previous_crawled_at, product.crawled_at, FROM_DETAIL)
            for change in found
        ]
        self._count(product.offer_id, found)

    def _compare_listing(self, listing: Listing) -> None:
        before = self.previous.listing_state(listing.offer_id) if self.previous is not None else None
        if before is None:
            return
        state, previous_crawled_at = before
        self._seen_compared(listing.offer_id)
        now = ListingState(listing.price, listing.modified_at, listing.month_sold)
        found = compare_listing(state, now, self._month_sold_tolerance)
        if not found:
            return
        listing.changes = [
            self._row(listing.offer_id, change, previous_crawled_at, listing.crawled_at, FROM_LISTING)
            for change in found
        ]
        self._count(listing.offer_id, found)

    def _gone(self, missing: MissingOffer) -> None:
        before = self.previous.state(missing.offer_id) if self.previous is not None else None
        if before is None:
            return
        self._inc(PREFIX + "gone")
        change = gone()
        missing.changes = [self._row(missing.offer_id, change, before[1], missing.crawled_at, FROM_DETAIL)]
        self._count(missing.offer_id, [change])

    def _row(
        self, offer_id: int, change: FieldChange, previous_crawled_at: Any, crawled_at: Any, source: str
    ) -> Change:
        return Change(
            offer_id=offer_id,
            field=change.field,
            old_value=change.old_value,
            new_value=change.new_value,
            previous_crawled_at=previous_crawled_at,
            crawled_at=crawled_at,
            sku_id=change.sku_id,
            crawl_id=self._crawl_id,
            previous_crawl_id=self.previous.crawl_id if self.previous is not None else None,
            source=source,
        )

    def _seen_compared(self, offer_id: int) -> None:
        if self._compared.add(offer_id):
            self._inc(PREFIX + "compared")

    def _count(self, offer_id: int, changes: list[FieldChange]) -> None:
        if self._changed.add(offer_id):
            self._inc(PREFIX + "offers_changed")
        self._inc(PREFIX + "rows", len(changes))
        for change in changes:
            self._fields[change.field] += 1
            self._inc(PREFIX + "fields/" + change.field)
        moves = [change for change in changes if change.move is not None]
        if moves and self._moves > 0:
            biggest = max(moves, key=lambda change: abs(change.move))  # type: ignore[arg-type]
            self._keep_move(offer_id, abs(biggest.move), biggest)  # type: ignore[arg-type]

    def _keep_move(self, offer_id: int, size: Decimal, change: FieldChange) -> None:
        known = self._biggest_change.get(offer_id)
        if known is not None:
            if size > abs(known.move):  # type: ignore[arg-type]
                at = next(i for i, (_, held) in enumerate(self._biggest) if held == offer_id)
                self._biggest[at] = (size, offer_id)
                heapq.heapify(self._biggest)
                self._biggest_change[offer_id] = change
            return
        entry = (size, offer_id)
        if len(self._biggest) < self._moves:
            heapq.heappush(self._biggest, entry)
        elif entry > self._biggest[0]:
            _, dropped = heapq.heapreplace(self._biggest, entry)
            del self._biggest_change[dropped]
        else:
            return
        self._biggest_change[offer_id] = change

    def close_spider(self) -> None:
        if self.previous is None:
            return
        logger.info("Changes: %s", self.summary())

    def summary(self) -> str:
        assert self.previous is not None
        stats = self.crawler.stats.get_stats()  # type: ignore[union-attr]
        compared = stats.get(PREFIX + "compared", 0) + stats.get(PREFIX + "gone", 0)
        changed = stats.get(PREFIX + "offers_changed", 0)
        parts = [f"{changed:,} of {compared:,} offers changed since crawl {self.previous.crawl_id}"]
        if self._fields:
            parts.append(", ".join(f"{field} {count:,}" for field, count in self._fields.most_common()))
        new = stats.get(PREFIX + "new_offers", 0)
        if new:
            parts.append(f"{new:,} offers not in that crawl")
        if self._biggest:
            moves = sorted(self._biggest, reverse=True)
            parts.append(
                "biggest price moves: "
                + "; ".join(_describe(offer_id, self._biggest_change[offer_id]) for _, offer_id in moves)
            )
        return "; ".join(parts)


def _describe(offer_id: int, change: FieldChange) -> str:
    where = f"offer {offer_id}" + (f" sku {change.sku_id}" if change.sku_id is not None else "")
    percent = change.move * 100  # type: ignore[operator]
    return f"{where} {change.field} {change.old_value} -> {change.new_value} ({percent:+.1f}%)"
