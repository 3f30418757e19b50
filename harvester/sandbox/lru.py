"""A bounded least-recently-used cache, weighed by whatever costs memory (entries, ids, characters).

The sandbox may run inside a crawl for hours; every cache it keeps (search
results, search columns, rendered answers, records, images, uploaded image
ids) is one of these, so its memory has a ceiling whatever the crawl does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    def __init__(self, limit: int, weigh: Callable[[V], int] = lambda value: 1):
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._limit = limit
        self._weigh = weigh
        self.weight = 0

    def __contains__(self, key: K) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, key: K) -> V:
        """The value (now the most recently used); ``KeyError`` when absent."""
        value = self._entries[key]
        self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> V:
        if key in self._entries:
            self.weight -= self._weigh(self._entries.pop(key))
        self._entries[key] = value
        self.weight += self._weigh(value)
        while self.weight > self._limit and len(self._entries) > 1:
            _key, dropped = self._entries.popitem(last=False)
            self.weight -= self._weigh(dropped)
        return value

    def clear(self) -> None:
        self._entries.clear()
        self.weight = 0
