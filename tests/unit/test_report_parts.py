"""The report's bounded counters and its number formats."""

from __future__ import annotations

import random

import pytest

from harvester.crawl import exitcodes
from harvester.report.exits import MEANINGS, exit_status
from harvester.report.formats import clock, compact, count, duration, number, size, when
from harvester.report.series import ThinnedSeries
from harvester.report.topcounts import TopCounter


def test_top_counter_is_exact_within_its_capacity() -> None:
    counter = TopCounter(capacity=10)
    for key, times in (("茶具", 380), ("算盘", 60), ("风筝", 900)):
        for _ in range(times):
            counter.add(key)
    assert counter.exact and counter.distinct == 3 and counter.total == 1340
    assert [(c.key, c.count, c.overcount) for c in counter.top(2)] == [("风筝", 900, 0), ("茶具", 380, 0)]


def test_top_counter_past_its_capacity_keeps_heavy_keys_within_the_stated_bound() -> None:
    rng = random.Random(5)
    stream = ["heavy-a"] * 3000 + ["heavy-b"] * 2000 + [f"rare-{i}" for i in range(5000)]
    rng.shuffle(stream)
    counter = TopCounter(capacity=50)
    for key in stream:
        counter.add(key)
    assert not counter.exact and counter.distinct is None
    assert counter.total == len(stream)
    top = {c.key: c for c in counter.top(2)}
    assert set(top) == {"heavy-a", "heavy-b"}
    for key, true_count in (("heavy-a", 3000), ("heavy-b", 2000)):
        assert top[key].count - top[key].overcount <= true_count <= top[key].count
    assert sum(c.count for c in counter.top(50)) == counter.total


def test_thinned_series_stays_bounded_and_evenly_spaced() -> None:
    series = ThinnedSeries(limit=10)
    for tick in range(1000):
        series.tick({"t": tick})
    series.close({"t": 1000.5})
    times = [p["t"] for p in series.points]
    assert len(times) <= 11
    gaps = {b - a for a, b in zip(times[:-1], times[1:-1])}
    assert len(gaps) == 1, gaps
    assert times[0] == 0 and times[-1] == 1000.5


def test_thinned_series_needs_room() -> None:
    with pytest.raises(ValueError):
        ThinnedSeries(limit=1)


def test_every_exit_status_has_a_meaning() -> None:
    codes = {value for name, value in vars(exitcodes).items() if name.isupper() and isinstance(value, int)}
    assert codes == set(MEANINGS)
    assert exit_status({"finish_reason": "finished", "harvester/details/lost": 2}) == {
        "code": exitcodes.INCOMPLETE,
        "meaning": MEANINGS[exitcodes.INCOMPLETE],
    }


@pytest.mark.parametrize(
    "value,text",
    [
        (0, "0"),
        (999, "999"),
        (1000, "1 k"),
        (12_345, "12.3 k"),
        (999_999, "1 M"),
        (2.5, "2.5"),
        (10**18, "1 E"),
        (10**24, "1.00e+24"),
        (-1500, "-1.5 k"),
    ],
)
def test_compact(value, text) -> None:
    assert compact(value) == text


def test_formats() -> None:
    assert count(10**18) == "1,000,000,000,000,000,000" and count(2.5) == "2.50"
    assert size(512) == "512 B" and size(3 * 1024**3) == "3.0 GB"
    assert duration(9.24) == "9.2 s" and duration(245) == "4 min 05 s" and duration(7380) == "2 h 03 min"
    assert duration(3 * 86400 + 4 * 3600) == "3 d 04 h"
    assert clock(45) == "45s" and clock(90) == "1m30s" and clock(7200) == "2h" and clock(4500) == "1h15m"
    assert clock(5 * 86400) == "5d" and clock(86400 + 6 * 3600) == "1d06h"
    assert when("2025-01-01T12:00:00+00:00") == "2025-01-01 12:00:00 UTC" and when(None) == ""
    assert [number(v) for v in (3, 2.5, True, "7", None, float("nan"), float("inf"))] == [3, 2.5, 1, 0, 0, 0, 0]
