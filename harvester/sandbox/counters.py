"""What the sandbox saw, for tests and benchmarks: calls by API and outcome, peak rate, calls in each
second, details served.

Details served are counted per offer in a byte array indexed by offer index
(saturating at 255), so proving "no offer was fetched twice" over a
million-offer crawl costs one megabyte, not a dict of a million ints.
"""

from __future__ import annotations

from collections import Counter, deque
from typing import Any

#: Seconds of the calls-per-second series kept (a benchmark's steady rate needs its middle part, not a day).
SERIES_SECONDS = 3600


class Counters:
    def __init__(self, catalogue_size: int):
        self._size = catalogue_size
        self.reset()

    def reset(self) -> None:
        self.calls_total = 0
        self.by_api: Counter[str] = Counter()
        self.by_code: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.max_calls_per_second = 0
        self._window: deque[float] = deque()
        #: Calls per whole second of the gateway's clock, the last SERIES_SECONDS seconds of them.
        self._series: deque[list[int]] = deque(maxlen=SERIES_SECONDS)
        self._served = bytearray(self._size)
        self.detail_served_total = 0
        self.detail_served_distinct = 0
        self.detail_served_duplicates = 0
        self.images_served = 0
        self.videos_served = 0

    def call(self, api: str, code: str, now: float) -> None:
        """One call to ``/openapi/...`` and how it was answered (``ok``, an error code, ``fault.<kind>``)."""
        self.calls_total += 1
        self.by_api[api] += 1
        self.by_code[code] += 1
        window = self._window
        window.append(now)
        while window[0] <= now - 1.0:
            window.popleft()
        if len(window) > self.max_calls_per_second:
            self.max_calls_per_second = len(window)
        second = int(now)
        series = self._series
        if series and series[-1][0] == second:
            series[-1][1] += 1
        else:
            series.append([second, 1])

    def fault(self, kind: str) -> None:
        self.faults[kind] += 1

    def detail_served(self, index: int) -> None:
        served = self._served[index]
        if served < 255:
            self._served[index] = served + 1
        self.detail_served_total += 1
        if served == 0:
            self.detail_served_distinct += 1
        elif served == 1:
            self.detail_served_duplicates += 1

    def times_served(self, index: int) -> int:
        return self._served[index]

    def snapshot(self) -> dict[str, Any]:
        return {
            "calls_total": self.calls_total,
            "calls_by_api": dict(self.by_api),
            "calls_by_code": dict(self.by_code),
            "faults": dict(self.faults),
            "max_calls_per_second": self.max_calls_per_second,
            "calls_per_second": [list(entry) for entry in self._series],
            "detail_served_total": self.detail_served_total,
            "detail_served_distinct": self.detail_served_distinct,
            "detail_served_duplicates": self.detail_served_duplicates,
            "images_served": self.images_served,
            "videos_served": self.videos_served,
        }
