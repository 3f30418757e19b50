"""A time series of cumulative crawl stats that stays small however long the crawl runs.

A sample every few seconds is what a short crawl needs to show its rate,
but a day-long harvest would leave tens of thousands of them in the JSON
report and the chart. Samples are cumulative, so dropping every other one
loses resolution only, never a total: when the series is full it is
thinned and the spacing doubles, keeping it evenly spaced.
"""

from __future__ import annotations

from typing import Any

Sample = dict[str, Any]


class ThinnedSeries:
    """At most ``limit`` evenly spaced samples, plus the closing one."""

    def __init__(self, limit: int):
        if limit < 2:
            raise ValueError("a time series needs room for at least 2 samples")
        self.limit = limit
        self.points: list[Sample] = []
        #: Record every ``_stride``-th tick; doubles each time the series is thinned.
        self._stride = 1
        self._ticks = 0

    def tick(self, sample: Sample) -> None:
        """A regular sample, taken every interval; kept when it falls on the current spacing."""
        if self._ticks % self._stride == 0:
            self.points.append(sample)
            if len(self.points) > self.limit:
                # Kept samples sit on multiples of the new stride, so later ones stay evenly spaced.
                self.points = self.points[::2]
                self._stride *= 2
        self._ticks += 1

    def close(self, sample: Sample) -> None:
        """The sample taken when the crawl ends, kept whatever the spacing: it holds the totals."""
        self.points.append(sample)
