"""Merge what several image searches found into one ranked list.

Rule: offers found by more of the images come first; among those found by
as many, the best (lowest) position any image gave them; then the lowest
sum of their positions; then the offer id, so a rank never depends on the
order answers arrived in. A position counts across pages (page 2, item 3 of
50 per page is position 53). Each offer carries its rank and the images that
found it, best match first (``products.search_rank``, ``products.found_by``;
``products.query`` is the best of them), and every hit stays in
``search_hits`` with its page and position.

Ranking needs every result list first, so offers are held here (a few
thousand per image at most: the gateway's cap) until every search is done,
then their details are asked for, best first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from scrapy import Request

from ..items import SearchHit
from .details import Wanted


@dataclass
class _Found:
    #: Label of each query that found the offer -> its best position there.
    positions: dict[str, int] = field(default_factory=dict)
    #: How the first search found it (with the listing fields its product row takes).
    wanted: Wanted | None = None


class ResultRanking:
    """Takes offers from the search pager (it is the pager's offer sink) and the hits' positions; ranks on release."""

    def __init__(self, page_size: int):
        self.page_size = page_size
        self.released = False
        self._found: dict[int, _Found] = {}

    def hit(self, hit: SearchHit) -> None:
        position = (hit.page - 1) * self.page_size + hit.position
        positions = self._found.setdefault(hit.offer_id, _Found()).positions
        if position < positions.get(hit.query, position + 1):
            positions[hit.query] = position

    def want(self, wanted: Iterable[Wanted]) -> list[Request]:
        for offer in wanted:
            found = self._found.setdefault(offer.offer_id, _Found())
            if found.wanted is None:
                found.wanted = offer
        return []

    def release(self) -> list[Wanted]:
        """Every offer found, best first, carrying its rank and the queries that found it (once)."""
        self.released = True
        found = {offer_id: f for offer_id, f in self._found.items() if f.wanted is not None and f.positions}
        self._found = {}

        def order(offer_id: int) -> tuple[int, int, int, int]:
            positions = found[offer_id].positions.values()
            return -len(positions), min(positions), sum(positions), offer_id

        ranked = []
        for rank, offer_id in enumerate(sorted(found, key=order), start=1):
            positions = found[offer_id].positions
            queries = sorted(positions, key=lambda label: (positions[label], label))
            wanted = found[offer_id].wanted
            assert wanted is not None
            ranked.append(wanted._replace(query=queries[0], rank=rank, queries=queries))
        return ranked
