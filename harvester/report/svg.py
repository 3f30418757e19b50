"""Charts as inline SVG drawn in Python: the report shows them with no script, no network and no library.

Every text that reaches a chart passes through ``html.escape``: labels
are keywords and gateway codes, i.e. data, and must never become markup.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from html import escape

from .figures import Bar, Interval, groups_of
from .formats import clock, compact, count

WIDTH = 720
#: Okabe-Ito colours, told apart by colour-blind readers too; one per group, in order of appearance.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
CALLS_COLOUR, RETRIES_COLOUR, QUOTA_COLOUR = PALETTE[0], PALETTE[1], PALETTE[3]
GRID_COLOUR = "#dddddd"
#: Room for a bar label, in character columns (a CJK character takes two).
LABEL_COLUMNS = 32


def _open(kind: str, height: int, title: str) -> str:
    return (
        f'<svg class="chart" data-chart="{kind}" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" font-family="system-ui, sans-serif" font-size="12" fill="#222">'
        f"<title>{escape(title)}</title>"
    )


def nice_step(span: float, ticks: int = 5) -> float:
    """A round tick spacing (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks`` ticks over ``span``."""
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if raw <= m * power * (1 + 1e-9))


#: Time-axis spacings, in seconds, that read as round on a clock.
_CLOCK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def time_step(span: float, ticks: int = 6) -> float:
    """A tick spacing of the time axis: round seconds, minutes or hours (whole days past that)."""
    raw = span / ticks
    if raw <= _CLOCK_STEPS[-1]:
        return float(next(step for step in _CLOCK_STEPS if raw <= step))
    return nice_step(span / 86400, ticks) * 86400


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fit(text: str, columns: int = LABEL_COLUMNS) -> str:
    """``text`` cut to ``columns`` display columns, with an ellipsis when cut (the tooltip keeps it whole)."""
    if _width(text) <= columns:
        return text
    kept, used = [], 0
    for char in text:
        used += _width(char)
        if used > columns - 1:
            break
        kept.append(char)
    return "".join(kept) + "…"


def _legend(entries: Sequence[tuple[str, str]], y: int, x: int = 8) -> str:
    parts = []
    for name, colour in entries:
        parts.append(
            f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{y}">{escape(name)}</text>'
        )
        x += 28 + 7 * _width(name)
    return f'<g class="legend">{"".join(parts)}</g>'


Scale = Callable[[float], float]


def _steps(intervals: Sequence[Interval], rate: str, x: Scale, y: Scale) -> str:
    """A step line: each interval's average rate held flat across the interval."""
    points = []
    for interval in intervals:
        value = getattr(interval, rate)
        points.append(f"{x(interval.start):.1f},{y(value):.1f} {x(interval.end):.1f},{y(value):.1f}")
    return " ".join(points)


def rate_chart(intervals: Sequence[Interval], quota: float) -> str:
    """Calls per second (and retries per second, when there were any) over time, against the quota line."""
    height, left, right, top, bottom = 260, 56, 16, 28, 32
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    start, span = intervals[0].start, max(intervals[-1].end - intervals[0].start, 1e-9)
    retried = any(i.retries > 0 for i in intervals)
    peak = max(max(i.calls for i in intervals), max(i.retries for i in intervals), quota)
    y_step = nice_step(peak if peak > 0 else 1)
    y_max = y_step * max(1, math.ceil(peak / y_step - 1e-9))

    def x(t: float) -> float:
        return left + (t - start) / span * plot_w

    def y(value: float) -> float:
        return top + plot_h - value / y_max * plot_h

    parts = [_open("rate", height, "Calls per second against the quota")]
    for k in range(round(y_max / y_step) + 1):
        value = k * y_step
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{GRID_COLOUR}"/><text x="{left - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{compact(value)}</text>'
        )
    x_step = time_step(span)
    for k in range(int(span / x_step + 1e-9) + 1):
        parts.append(
            f'<text x="{x(start + k * x_step):.1f}" y="{height - 10}" text-anchor="middle">{clock(k * x_step)}</text>'
        )
    legend = [("calls/s", CALLS_COLOUR)] + ([("retries/s", RETRIES_COLOUR)] if retried else [])
    if quota > 0:
        legend.append((f"quota {compact(quota)}/s", QUOTA_COLOUR))
        parts.append(
            f'<line class="quota" x1="{left}" x2="{left + plot_w}" y1="{y(quota):.1f}" y2="{y(quota):.1f}" '
            f'stroke="{QUOTA_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
    parts.append(
        f'<polyline class="series calls" points="{_steps(intervals, "calls", x, y)}" fill="none" '
        f'stroke="{CALLS_COLOUR}" stroke-width="2"/>'
    )
    if retried:
        parts.append(
            f'<polyline class="series retries" points="{_steps(intervals, "retries", x, y)}" fill="none" '
            f'stroke="{RETRIES_COLOUR}" stroke-width="1.5"/>'
        )
    parts.append(_legend(legend, 14, left))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(kind: str, title: str, bars: Sequence[Bar]) -> str:
    """One horizontal bar per figure, scaled to the largest, coloured by group, its value at its end."""
    groups = groups_of(bars)
    colours = {group: PALETTE[i % len(PALETTE)] for i, group in enumerate(groups)}
    row, label_w, value_w = 24, 8 + 7 * LABEL_COLUMNS, 64
    legend_h = 24 if len(groups) > 1 else 4
    height = legend_h + row * len(bars) + 4
    largest = max((bar.value for bar in bars), default=0) or 1
    parts = [_open(kind, height, title)]
    if len(groups) > 1:
        parts.append(_legend([(group, colours[group]) for group in groups], 14))
    for i, bar in enumerate(bars):
        top = legend_h + i * row
        width = max(bar.value, 0) / largest * (WIDTH - label_w - value_w)
        width = max(width, 1.0) if bar.value > 0 else 0.0
        tooltip = f"{bar.detail or bar.label}: {count(bar.value)}"
        parts.append(
            f'<g class="row"><title>{escape(tooltip)}</title>'
            f'<text x="{label_w - 8}" y="{top + 16}" text-anchor="end">{escape(fit(bar.label))}</text>'
            f'<rect class="bar" x="{label_w}" y="{top + 4}" width="{width:.1f}" height="{row - 8}" '
            f'fill="{colours[bar.group]}"/>'
            f'<text x="{label_w + width + 6:.1f}" y="{top + 16}">{compact(bar.value)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
