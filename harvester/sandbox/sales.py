"""Units an offer sells each day: the series behind ``monthSold``, ``sales7d`` and the sales trend.

Day 0 is the day the epoch-0 catalogue describes (:data:`offers.SNAPSHOT`)
and drift epoch e is day e, so "today" moves on a day with every epoch. The
90 days up to day 0 are split from the listing's figures: the last 7, 14
and 30 days add up exactly to ``sales_7d``, ``sales_14d`` and
``month_sold``, each earlier month (while the offer existed) to the month
``total_sales`` implies, and nothing is sold before the offer was created.
Each day after day 0, a published offer sells about a thirtieth of its
epoch-0 month (60% to 140% of it, drawn per day, fractions settled by a
draw, so the expectation is exact); an offer that sold nothing in its
epoch-0 month sells nothing later either, and an offer not published that
day sells nothing. The 7-, 14- and 30-day figures of epoch e are sums over
the days up to day e: they move a little every epoch for every offer that
sells, as real sales do. Every value is a keyed draw: the same day of the
same offer always sold the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from .listing import Listing
from .offers import SNAPSHOT
from .scramble import Draws, Hasher

#: The day the epoch-0 catalogue describes; epoch e is this day plus e days.
DAY_ZERO: date = SNAPSHOT.date()
#: Days of history before day 0 the series knows (the trend APIs look back at most 90 days).
HISTORY_DAYS = 90
#: Per-day multipliers of the average daily sales, in percent: uniform over this range.
_DAILY_LOW, _DAILY_HIGH = 60, 140


def today(epoch: int) -> date:
    """The catalogue's date at a drift epoch: the last complete day its answers describe."""
    return DAY_ZERO + timedelta(days=epoch)


def _split(total: int, days: int, draws: Draws) -> list[int]:
    """``total`` units over ``days`` days, by drawn weights, remainders to the largest fractions."""
    weights = [1 + draws.bits(3) for _ in range(days)]
    whole = sum(weights)
    shares = [total * weight for weight in weights]
    split = [share // whole for share in shares]
    left = total - sum(split)
    for position in sorted(range(days), key=lambda p: (-(shares[p] % whole), p))[:left]:
        split[position] += 1
    return split


class SalesSeries:
    def __init__(self, seed: int):
        self._split = Hasher(seed, "sales-split")
        self._daily = Hasher(seed, "sales-day")

    def past(self, index: int, listing: Listing) -> list[int | None]:
        """Units sold on days -89..0 (position 0 is day -89); ``None`` before the offer existed."""
        created = -listing.create_days
        month = listing.month_sold
        earlier = listing.create_days // 30
        per_month = (listing.total_sales - month) // earlier if earlier else 0
        # (first day, last day, units): the last 7, 14 and 30 days, then two earlier months.
        segments = (
            (-6, 0, listing.sales_7d),
            (-13, -7, listing.sales_14d - listing.sales_7d),
            (-29, -14, month - listing.sales_14d),
            (-59, -30, per_month if earlier >= 1 else 0),
            (-89, -60, per_month if earlier >= 2 else 0),
        )
        series: list[int | None] = [None] * HISTORY_DAYS
        for number, (first, last, units) in enumerate(segments):
            first = max(first, created)
            if first > last:
                continue
            days = last - first + 1
            for offset, sold in enumerate(_split(units, days, Draws(self._split, index, number))):
                series[first + offset + HISTORY_DAYS - 1] = sold
        return series

    def day(self, index: int, listing: Listing, day: int) -> int:
        """Units a published offer sells on a day after day 0."""
        h = self._daily(index, day)
        percent = _DAILY_LOW + (h & 0xFF) % (_DAILY_HIGH - _DAILY_LOW + 1)
        whole, fraction = divmod(listing.month_sold * percent, 3000)
        return whole + (1 if (h >> 8 & 0xFFFF) * 3000 < fraction * 0x10000 else 0)


def window(past: Sequence[int | None], later: Sequence[int], last: int, days: int) -> int:
    """Units sold in the ``days`` days ending on day ``last``; ``later`` holds days 1, 2, ... ."""
    if last - days + 1 < 1 - HISTORY_DAYS or last > len(later):
        raise ValueError(f"days {last - days + 1}..{last} are outside the series")
    total = 0
    for day in range(last - days + 1, last + 1):
        sold = past[day + HISTORY_DAYS - 1] if day <= 0 else later[day - 1]
        total += sold or 0
    return total
