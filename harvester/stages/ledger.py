"""What the slices of a split add up to: the proof that a capped query was truncated, or that offers slipped away.

A query split along a partition (price bands, categories, sales ranges) has
children that share no offer. When every child's first page has answered,
their totals are compared with the total the parent reported: more proves the
parent was truncated (the split was needed), equal proves it was not, and less
means offers fell between the slices (a gap, counted). The ledger keeps the
running sums; children answer in any order, and in a distributed crawl on any
worker (``harvester.distributed.splits``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, Self

from ..crawl.resume import resume
from ..open1688.queries import SearchQuery

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def split_key(query: SearchQuery) -> str:
    """A stable name for a query (the same in every worker and after a restart)."""
    return hashlib.blake2b(repr(query).encode("utf-8"), digest_size=12).hexdigest()


@dataclass(frozen=True)
class Verdict:
    #: What the parent reported (capped at the search cap).
    reported: int
    #: What its children reported together.
    children: int


class SplitLedger(Protocol):
    def open(self, parent: str, reported: int, children: int) -> None:
        """A parent was split into ``children`` disjoint slices; idempotent (a resumed crawl may split it again)."""

    def answered(self, parent: str, total: int) -> Verdict | None:
        """A child's first page reported ``total``; the verdict once the last child has answered."""


class MemorySplitLedger:
    """One process's ledger: enough for a crawl that is not distributed. The splits still open when a run stops
    are handed to the next run of the same JOBDIR, whose slices answer the rest."""

    def __init__(self) -> None:
        self._open: dict[str, list[int]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ledger = cls()
        ledger._open.update(resume(crawler).hand_over("split_ledger", lambda: ledger._open) or {})
        return ledger

    def open(self, parent: str, reported: int, children: int) -> None:
        self._open.setdefault(parent, [reported, children, 0])

    def answered(self, parent: str, total: int) -> Verdict | None:
        entry = self._open.get(parent)
        if entry is None:
            return None
        entry[1] -= 1
        entry[2] += total
        if entry[1] > 0:
            return None
        del self._open[parent]
        return Verdict(entry[0], entry[2])
