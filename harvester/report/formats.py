"""Numbers, sizes, durations and times as a person reads them in the report."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

Number = int | float

_UNITS = ("", " k", " M", " G", " T", " P", " E")
_BYTES = ("B", "KB", "MB", "GB", "TB", "PB", "EB")


def number(value: Any) -> Number:
    """A stat as a number; 0 for anything else, so a report of an odd or hand-edited document still renders."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return 0


def count(value: Number) -> str:
    """Exact, with thousands separators: tables show every digit."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def compact(value: Number) -> str:
    """Three significant figures and a unit (12.3 k, 4.56 G): fits beside a bar however large."""
    magnitude = abs(value)
    step = 0
    while magnitude >= 999.5 and step < len(_UNITS) - 1:
        magnitude /= 1000
        step += 1
    if magnitude >= 999.5:
        return f"{value:.2e}"
    sign = "-" if value < 0 else ""
    if step == 0 and float(magnitude).is_integer():
        return f"{sign}{int(magnitude)}"
    return f"{sign}{magnitude:.3g}{_UNITS[step]}"


def size(value: Number) -> str:
    """Bytes in the largest unit below 1024 of it."""
    magnitude = float(value)
    step = 0
    while magnitude >= 1024 and step < len(_BYTES) - 1:
        magnitude /= 1024
        step += 1
    return f"{int(magnitude)} B" if step == 0 else f"{magnitude:.1f} {_BYTES[step]}"


def duration(seconds: Number) -> str:
    """``9.2 s``, ``4 min 05 s``, ``2 h 03 min``, ``3 d 04 h``: precise enough for a crawl of any length."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours:02d} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s"


def clock(seconds: Number) -> str:
    """An axis label: time since the crawl started (``45s``, ``12m``, ``3h20m``, ``2d06h``)."""
    whole = int(round(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        minutes, secs = divmod(whole, 60)
        return f"{minutes}m" + (f"{secs:02d}s" if secs else "")
    if whole < 86400:
        hours, rest = divmod(whole, 3600)
        return f"{hours}h" + (f"{rest // 60:02d}m" if rest // 60 else "")
    days, rest = divmod(whole, 86400)
    return f"{days}d" + (f"{rest // 3600:02d}h" if rest // 3600 else "")


def when(value: Any) -> str:
    """An ISO timestamp from the stats as ``2025-01-01 12:00:00 UTC``; other text as it is."""
    if not isinstance(value, str):
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if moment.tzinfo is not None else "")
