"""The numbers the HTML report shows, picked out of a report document: no HTML here.

Everything comes from the JSON document the crawl wrote, so the page can
be rebuilt from that file alone and never shows a figure the file lacks.
Rates are computed from the cumulative samples of the time series.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..crawl import stats as keys
from .formats import Number, number

Stats = Mapping[str, Any]

#: ``twisted.internet.error.TimeoutError``: what exception reasons look like (gateway codes have one dot at most).
_QUALIFIED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*){2,}")
#: Bars per group of the errors chart; a hostile gateway could invent any number of error codes.
MAX_REASONS = 10


@dataclass(frozen=True)
class Interval:
    """Average rates between two samples of the time series, in events per second."""

    start: float
    end: float
    calls: float
    retries: float


@dataclass(frozen=True)
class Bar:
    #: Bars of one group share a colour and a legend entry.
    group: str
    label: str
    value: Number
    #: The full text behind a shortened label, or what the figure counts exactly.
    detail: str = ""


@dataclass(frozen=True)
class TableFigures:
    name: str
    rows: Number
    files: Number
    bytes: Number
    lost_rows: Number


def stats_of(document: Mapping[str, Any]) -> Stats:
    stats = document.get("stats")
    return stats if isinstance(stats, Mapping) else {}


def intervals(series: Iterable[Any], max_intervals: int) -> list[Interval]:
    """Per-interval call and retry rates, at most ``max_intervals`` of them, none shorter than half the usual one.

    Neighbouring samples are merged where there are too many, and the short
    last interval (the closing sample comes whenever the crawl ends) joins
    the one before, so one call in a few milliseconds does not show as a spike.
    """
    samples: list[tuple[float, Number, Number]] = []
    for point in series:
        if not isinstance(point, Mapping):
            continue
        sample = (
            float(number(point.get("t"))),
            number(point.get("calls")),
            number(point.get("retries")) + number(point.get("throttled_retries")),
        )
        if not samples or sample[0] > samples[-1][0]:
            samples.append(sample)
    if len(samples) < 2:
        return []
    gaps = sorted(b[0] - a[0] for a, b in zip(samples, samples[1:]))
    step = max((samples[-1][0] - samples[0][0]) / max_intervals, gaps[len(gaps) // 2] / 2)
    edges = [samples[0]]
    for sample in samples[1:-1]:
        if sample[0] - edges[-1][0] >= step:
            edges.append(sample)
    if len(edges) > 1 and samples[-1][0] - edges[-1][0] < step:
        edges[-1] = samples[-1]
    else:
        edges.append(samples[-1])
    return [
        Interval(a[0], b[0], (b[1] - a[1]) / (b[0] - a[0]), (b[2] - a[2]) / (b[0] - a[0]))
        for a, b in zip(edges, edges[1:])
    ]


def _label(reason: str) -> tuple[str, str]:
    """(label, detail): an exception's qualified name is labelled by its class name, the rest as it is."""
    return (reason.rsplit(".", 1)[1], reason) if _QUALIFIED.fullmatch(reason) else (reason, "")


def _by_reason(stats: Stats, group: str, prefix: str) -> list[Bar]:
    """The group's non-zero counts, largest first, the smallest beyond ``MAX_REASONS`` added up."""
    found = sorted(
        ((key[len(prefix) :], number(value)) for key, value in stats.items() if key.startswith(prefix)),
        key=lambda pair: (-pair[1], pair[0]),
    )
    found = [(reason, value) for reason, value in found if value]
    bars = []
    for reason, value in found[:MAX_REASONS]:
        label, detail = _label(reason)
        bars.append(Bar(group, label, value, detail))
    rest = found[MAX_REASONS:]
    if rest:
        bars.append(Bar(group, f"{len(rest)} other reasons", sum(value for _, value in rest)))
    return bars


def error_bars(stats: Stats) -> list[Bar]:
    """Gateway answers by code, exceptions by class, retries by reason, given-up calls, token refreshes."""
    bars = _by_reason(stats, "gateway answers", keys.API_ANSWERS + "/")
    bars += _by_reason(stats, "exceptions", keys.API_EXCEPTIONS + "/")
    bars += _by_reason(stats, "retries", keys.API_RETRY_REASONS + "/")
    throttled = number(stats.get(keys.API_THROTTLED_RETRIES))
    if throttled:
        bars.append(
            Bar("retries", "throttled (slow down)", throttled, "calls the gateway told to slow down, sent again")
        )
    bars += _by_reason(stats, "given up", keys.API_GAVE_UP + "/")
    refreshes = number(stats.get(keys.API_TOKEN_REFRESHES))
    if refreshes:
        bars.append(Bar("token refreshes", "token refreshes", refreshes, "calls replayed after refreshing the token"))
    return bars


def coverage_bars(stats: Stats) -> list[Bar]:
    """Offers: what the gateway reported, what the crawl found and fetched, and where the rest went."""
    return [
        Bar(
            "gateway",
            "reported by the gateway",
            number(stats.get(keys.SEARCH_REPORTED)),
            "totalRecords of each query's first page, added up (offers found by two queries count twice)",
        ),
        Bar("crawl", "found", number(stats.get(keys.DETAILS_WANTED)), "distinct offers the crawl set out to fetch"),
        Bar("crawl", "with details", number(stats.get(keys.DETAILS_FETCHED))),
        Bar("gone", "missing (gone)", number(stats.get(keys.DETAILS_MISSING)), "the gateway no longer has the offer"),
        *enrichment_bars(stats),
        *(Bar("gaps", gap.label, number(stats.get(gap.key)), gap.detail) for gap in keys.GAPS),
    ]


def enrichment_bars(stats: Stats) -> list[Bar]:
    """What the enrichment asked for (freight, trends, the category tree) came to: none when it was not asked."""
    bars = []
    if number(stats.get(keys.FREIGHT_PLANNED)):
        bars += [
            Bar(
                "enrichment",
                "freight estimates",
                number(stats.get(keys.FREIGHT_ESTIMATES)),
                f"product.freight.estimate answers (freight table), of {number(stats.get(keys.FREIGHT_PLANNED)):,} "
                "planned",
            ),
            Bar(
                "enrichment",
                "freight past the cap",
                number(stats.get(keys.FREIGHT_CAPPED)),
                "offers not estimated: HARVEST_FREIGHT_MAX_CALLS reached",
            ),
        ]
    if number(stats.get(keys.TRENDS_PLANNED)):
        bars += [
            Bar(
                "enrichment",
                "trend series",
                number(stats.get(keys.TRENDS_SERIES)),
                f"product.analyze.* answers (trends table: {number(stats.get(keys.TRENDS_POINTS)):,} days), of "
                f"{number(stats.get(keys.TRENDS_PLANNED)):,} calls planned",
            ),
            Bar(
                "enrichment",
                "trend calls past the cap",
                number(stats.get(keys.TRENDS_CAPPED)),
                "calls not made: HARVEST_TRENDS_MAX_CALLS reached",
            ),
        ]
    if number(stats.get(keys.CATEGORIES_CALLS)):
        bars.append(
            Bar(
                "enrichment",
                "categories",
                number(stats.get(keys.CATEGORIES_ROWS)),
                f"rows of the categories table, from {number(stats.get(keys.CATEGORIES_CALLS)):,} "
                "alibaba.category.get calls",
            )
        )
    return bars


def query_bars(document: Mapping[str, Any]) -> list[Bar]:
    """The top queries by search hits, then the rest as one bar."""
    queries = document.get("queries")
    if not isinstance(queries, Mapping):
        return []
    bars = []
    for entry in queries.get("top") or ():
        if not isinstance(entry, Mapping):
            continue
        overcount = number(entry.get("overcount"))
        bars.append(
            Bar(
                "queries",
                str(entry.get("query", "")),
                number(entry.get("hits")),
                f"counted among many queries: up to {overcount:,} too many" if overcount else "",
            )
        )
    others = queries.get("others")
    if isinstance(others, Mapping) and number(others.get("hits")):
        how_many = number(others.get("queries"))
        label = f"{how_many:,} other queries" if how_many else "other queries"
        bars.append(Bar("others", label, number(others.get("hits"))))
    return bars


#: Per-table dataset counts, in TableFigures' order.
_TABLE_COUNTS = (keys.DATASET_ROWS, keys.DATASET_FILES, keys.DATASET_BYTES, keys.DATASET_LOST_ROWS)


def dataset_tables(stats: Stats) -> list[TableFigures]:
    names = sorted(
        {
            key.rsplit("/", 1)[1]
            for key in stats
            if any(key.startswith(base + "/") and key.count("/") == base.count("/") + 1 for base in _TABLE_COUNTS)
        }
    )
    return [TableFigures(name, *(number(stats.get(f"{base}/{name}")) for base in _TABLE_COUNTS)) for name in names]


def groups_of(bars: Sequence[Bar]) -> list[str]:
    """Group names in order of first appearance: the legend, and the colour index of each group."""
    return list(dict.fromkeys(bar.group for bar in bars))
