"""Seen-sets: which offers (and sellers) this crawl has already kept.

The de-duplication pipeline only needs :class:`SeenSet`'s two methods, so a
Redis-backed set (one per crawl id, shared by the workers of a distributed
crawl) can replace the in-memory one through ``HARVEST_SEEN_SET`` without
touching the pipeline. Implementations are built with
``build_from_crawler(cls, crawler, name=...)``; ``name`` tells apart the
sets one crawl keeps (``offers``, ``sellers``).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Hashable, Iterable
from typing import Protocol, Self, runtime_checkable

from scrapy.crawler import Crawler

_BUCKETS = 256
_MASK = _BUCKETS - 1
_MIN_RECENT = 64
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


class SeenSet(Protocol):
    def add(self, key: Hashable) -> bool:
        """Record ``key``; True when it was new, False when it had been seen."""

    def add_many(self, keys: Iterable[Hashable]) -> list[bool]:
        """:meth:`add` for many keys in one round trip (what a networked set needs to be fast)."""


class SeenSetUnavailable(Exception):
    """A networked seen-set could not answer. The set has already stopped the crawl (it knows why and how to
    say it); its caller only drops what it could not check, which a later run fetches again."""


@runtime_checkable
class NetworkedSeenSet(SeenSet, Protocol):
    """A seen-set behind a network round trip: callers one key at a time await it rather than block on it."""

    async def add_async(self, key: Hashable) -> bool:
        """:meth:`SeenSet.add`, awaited; raises :class:`SeenSetUnavailable` when the network is gone."""

    async def close(self) -> None: ...


class MemorySeenSet:
    """A seen-set of int64 ids at ~16 bytes per id (a Python ``set`` of ints takes ~60).

    Ids are spread over 256 buckets (by their low bits); each bucket keeps a
    sorted ``array('q')`` searched by bisection plus a small ``set`` of recent
    additions that is merged into the array when it reaches an eighth of the
    array's size. Merges are bucket-sized, so memory never spikes to the size
    of the whole set. Keys that are not int64 (seller ids) go to a plain set.
    """

    def __init__(self) -> None:
        self._sorted: list[array[int]] = [array("q") for _ in range(_BUCKETS)]
        self._recent: list[set[int]] = [set() for _ in range(_BUCKETS)]
        self._other: set[Hashable] = set()
        self._size = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, name: str) -> Self:
        return cls()

    def __len__(self) -> int:
        return self._size

    def add(self, key: Hashable) -> bool:
        if type(key) is not int or not _INT64_MIN <= key <= _INT64_MAX:
            if key in self._other:
                return False
            self._other.add(key)
            self._size += 1
            return True
        bucket = key & _MASK
        recent = self._recent[bucket]
        if key in recent:
            return False
        stored = self._sorted[bucket]
        at = bisect_left(stored, key)
        if at < len(stored) and stored[at] == key:
            return False
        recent.add(key)
        self._size += 1
        if len(recent) > _MIN_RECENT and len(recent) > len(stored) >> 3:
            merged = stored.tolist()
            merged += recent
            merged.sort()
            self._sorted[bucket] = array("q", merged)
            self._recent[bucket] = set()
        return True

    def add_many(self, keys: Iterable[Hashable]) -> list[bool]:
        add = self.add
        return [add(key) for key in keys]
