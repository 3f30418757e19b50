"""Search hits per query in bounded memory: the report's "offers per query".

A keywords file may hold a million keywords; counting each exactly would
grow with the input, while the report only shows the top few. The
Space-Saving algorithm (Metwally, Agrawal, El Abbadi, 2005) keeps
``capacity`` counters: exact while there are no more distinct keys than
that, and afterwards every count is an upper bound whose possible excess
is kept beside it. The sum of the counters stays the exact total.
"""

from __future__ import annotations

from typing import NamedTuple


class Count(NamedTuple):
    key: str
    count: int
    #: How much ``count`` may exceed the true count (0 while the counter is exact).
    overcount: int


class TopCounter:
    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError("a top counter needs room for at least one key")
        self.capacity = capacity
        self.total = 0
        #: False once a key was evicted: counts are then upper bounds.
        self.exact = True
        self._counts: dict[str, int] = {}
        self._overcounts: dict[str, int] = {}

    def add(self, key: str, amount: int = 1) -> None:
        self.total += amount
        counts = self._counts
        if key in counts:
            counts[key] += amount
            return
        if len(counts) < self.capacity:
            counts[key] = amount
            self._overcounts[key] = 0
            return
        # Full: the smallest counter goes to the new key, which inherits its count as possible excess.
        victim = min(counts, key=counts.__getitem__)
        floor = counts.pop(victim)
        del self._overcounts[victim]
        counts[key] = floor + amount
        self._overcounts[key] = floor
        self.exact = False

    @property
    def distinct(self) -> int | None:
        """How many different keys were counted; None once that is no longer known."""
        return len(self._counts) if self.exact else None

    def top(self, n: int) -> list[Count]:
        """The ``n`` largest counts, largest first (ties by key, so reports are reproducible)."""
        ranked = sorted(self._counts.items(), key=lambda pair: (-pair[1], pair[0]))[:n]
        return [Count(key, count, self._overcounts[key]) for key, count in ranked]
