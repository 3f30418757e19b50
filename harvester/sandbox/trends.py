"""Per-day trends of one offer (``product.analyze.*``): units sold, the 30-day median price, the repurchase rate.

Every value follows the offer's truth. Epoch e answers as of the
catalogue's day e (:func:`sales.today`: 2025-06-30 at epoch 0), whose data
is complete; days after it have no data yet and answer ``""``, as the
pages' example ends, and so do days before the offer was created.

- units sold (``getPerdaySellQuantityTrendNew``): the day's sales of
  :mod:`sales`: the last 7, 14 and 30 days of the series add up to the
  offer's ``sales7d``, 14-day sales and ``monthSold``;
- 30-day median price (``getThirtyDayMedianPriceTrendNew``): the lower
  median of the offer's lowest price over the 30 days ending that day
  (the days it existed), the price of each day after day 0 being the
  drifted offer's; ``"12.5"`` as prices are written;
- repurchase rate (``getRepurchaseRateTrendNew``): the offer's repurchase
  rate (``"12%"``, as ``repurchaseRate`` in search) from day 0 on, and a
  point or two around it, drawn per day, before.

The pages' limits, enforced as business errors: dates ``yyyyMMdd``;
``endDate`` not before ``startDate`` and at most a month after it (the
same day of the next month, or that month's last day); ``startDate`` at
most 90 days back (today and the 89 days before it: "at most 90 days of
data can be queried"), and not after today (nothing to answer).
"""

from __future__ import annotations

import calendar
import statistics
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from .drift import Day
from .noise import price_text
from .sales import DAY_ZERO, HISTORY_DAYS
from .scramble import Hasher

SELL, PRICE, REPURCHASE = "sell", "price", "repurchase"
METRICS = (SELL, PRICE, REPURCHASE)
#: Days of data the trend APIs answer, today included.
DAYS_BACK = 90
#: Days a median price looks back over, the day itself included.
MEDIAN_DAYS = 30
DATE_FORMAT = "%Y%m%d"


class TrendRequestError(ValueError):
    """Dates a trend API refuses; the message says which rule and what to send."""


def parse_date(text: str, name: str) -> date:
    if len(text) != 8 or not text.isdigit():
        raise TrendRequestError(f"{name}={text!r} 应为 yyyyMMdd (give a date such as 20250630)")
    try:
        return datetime.strptime(text, DATE_FORMAT).date()
    except ValueError:
        raise TrendRequestError(f"{name}={text!r} 不是有效日期 (not a calendar date)") from None


def month_after(day: date) -> date:
    """The same day of the next month, or that month's last day."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_window(start: date, end: date, today: date) -> None:
    """The pages' limits on a request's dates, relative to the catalogue's ``today``."""
    if end < start:
        raise TrendRequestError(f"endDate {end:%Y%m%d} 早于 startDate {start:%Y%m%d} (endDate before startDate)")
    if end > month_after(start):
        raise TrendRequestError(
            f"startDate 与 endDate 不能超过1个月 (at most one month apart: endDate "
            f"{month_after(start):%Y%m%d} at the latest for startDate {start:%Y%m%d})"
        )
    earliest = today - timedelta(days=DAYS_BACK - 1)
    if start < earliest:
        raise TrendRequestError(
            f"最多查询90天内的数据 (at most 90 days back: startDate {earliest:%Y%m%d} at the "
            f"earliest, today being {today:%Y%m%d})"
        )
    if start > today:
        raise TrendRequestError(f"startDate {start:%Y%m%d} 晚于今天 {today:%Y%m%d} (no data after today)")


class TrendSeries:
    """One offer's facts the trends read: its sales and prices day by day, its creation and repurchase rate."""

    def __init__(self, seed: int):
        self._wiggle = Hasher(seed, "repurchase-trend")

    def values(
        self,
        metric: str,
        index: int,
        start: date,
        end: date,
        *,
        today: int,
        created: int,
        past: Sequence[int | None],
        days: Sequence[Day],
        price: Decimal,
        repurchase: int,
    ) -> list[str]:
        """The metric's value of each day from ``start`` to ``end`` (``""`` where there is none).

        ``today`` and ``created`` are day numbers (day 0 is :data:`sales.DAY_ZERO`); ``past`` the units of days
        -89..0, ``days`` the days 1..``today`` of the drift; ``price`` the epoch-0 lowest price and
        ``repurchase`` the repurchase rate, percent.
        """
        if metric not in METRICS:
            raise ValueError(f"unknown trend metric {metric!r}")
        first, last = (start - DAY_ZERO).days, (end - DAY_ZERO).days
        values = []
        for day in range(first, last + 1):
            if day > today or day < created:
                values.append("")
            elif metric == SELL:
                sold = past[day + HISTORY_DAYS - 1] if day <= 0 else days[day - 1].sold
                values.append(str(sold or 0))
            elif metric == PRICE:
                prices = [
                    price if x <= 0 else days[x - 1].price for x in range(max(created, day - MEDIAN_DAYS + 1), day + 1)
                ]
                values.append(price_text(statistics.median_low(prices)))
            else:
                values.append(f"{self._repurchase(index, day, repurchase)}%")
        return values

    def _repurchase(self, index: int, day: int, rate: int) -> int:
        if day >= 0:
            return rate
        return min(100, max(0, rate + self._wiggle(index, -day) % 5 - 2))
