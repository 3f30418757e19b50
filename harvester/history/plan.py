"""Which offers found by a search need a detail call, and why: ``-a details=all|new|changed|none``.

On the real protocol a detail costs one call per offer while a search page
lists 50 offers with their prices, sales and dates, so a re-harvest spends
detail calls only where they buy new information:

- ``all``: every offer's detail (a first harvest);
- ``none``: the listing tier only (``listings``, ``search_hits``), no detail;
- ``new``: offers no earlier crawl of the dataset has a detail of;
- ``changed``: ``new``, plus offers whose listing changed since their last
  detail (any price of ``priceInfo`` the product row kept, ``modifyDate``, or
  ``monthSold`` by more than ``HARVEST_MONTH_SOLD_TOLERANCE``), plus offers
  whose last detail is older than ``HARVEST_DETAIL_MAX_AGE`` seconds.

Some search items carry no ``modifyDate`` (a real relayed answer had eight
fields only): an edit that leaves their lowest price and sales alone (one
SKU's price, the stock) cannot show. ``HARVEST_UNDATED_LISTINGS`` chooses:
``compare`` judges them by what they show (cheap; such an edit waits for
``HARVEST_DETAIL_MAX_AGE``), ``fetch`` fetches each again (exact SKU prices
in every snapshot, a detail call per undated offer).

An offer not fetched is carried forward (``harvester.history.carry``): the
crawl's ``products`` and ``skus`` hold it from its last detail, with that
detail's crawl in ``detail_crawl_id``, so the latest crawl alone is a
complete snapshot. Why an offer is fetched or carried is counted under
``harvester/plan/...`` and shown by the summary and the report.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..crawl import stats as keys
from ..crawl.identity import crawl_identity
from ..dataset.storage import storage_of
from ..normalise import parse_money
from ..normalise.scalars import CHINA_OFFSET
from .details import DetailIndex, LastDetail

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


#: ``HARVEST_UNDATED_LISTINGS``: what details=changed does with an offer whose listing has no modifyDate.
UNDATED_LISTINGS = ("compare", "fetch")


class Mode(enum.Enum):
    ALL = "all"
    NEW = "new"
    CHANGED = "changed"
    NONE = "none"


class Reason(enum.Enum):
    """Why an offer's detail is fetched (the first four) or not (the last two)."""

    ALL = "all"
    NEW = "new"
    CHANGED = "changed"
    STALE = "stale"
    #: Its listing has no modifyDate and HARVEST_UNDATED_LISTINGS=fetch.
    UNDATED = "undated"
    UNCHANGED = "unchanged"
    LISTING_ONLY = "listing_only"

    @property
    def fetch(self) -> bool:
        return self not in (Reason.UNCHANGED, Reason.LISTING_ONLY)


def parse_flag(value: Any, name: str) -> bool:
    text = str(value if value is not None else "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{name}={value!r}: give 1 or 0")


def parse_mode(value: Any) -> Mode:
    text = str(value or "all").strip().lower()
    try:
        return Mode(text)
    except ValueError:
        raise ValueError(f"details={value!r}: use one of {', '.join(m.value for m in Mode)}") from None


class DetailPlan:
    def __init__(
        self,
        mode: Mode,
        index: DetailIndex | None,
        *,
        month_sold_tolerance: float,
        max_age: float,
        fetch_undated: bool = False,
        now: datetime | None = None,
    ):
        self.mode = mode
        self.index = index
        self.month_sold_tolerance = month_sold_tolerance
        self.fetch_undated = fetch_undated
        self.max_age = timedelta(seconds=max_age)
        self.now = now or datetime.now(UTC)

    @classmethod
    def for_crawl(cls, crawler: Crawler, arguments: Mapping[str, Any], default: str = "all") -> DetailPlan:
        """The plan of a searching spider's ``-a details`` (``default`` when not given); the dataset's details are
        indexed only when needed."""
        settings = crawler.settings
        mode = parse_mode(arguments.get("details") or default)
        index = None
        if mode in (Mode.NEW, Mode.CHANGED):
            index = DetailIndex.load(storage_of(crawler), excluding=crawl_identity(crawler).crawl_id)
            logger.info("details=%s: %s offers of earlier crawls have a detail", mode.value, f"{len(index):,}")
        return cls(
            mode,
            index,
            month_sold_tolerance=settings.getfloat("HARVEST_MONTH_SOLD_TOLERANCE"),
            max_age=settings.getfloat("HARVEST_DETAIL_MAX_AGE"),
            fetch_undated=settings.get("HARVEST_UNDATED_LISTINGS", "compare").strip().lower() == "fetch",
        )

    def decide(self, offer_id: int, listing: dict[str, Any] | None) -> tuple[Reason, LastDetail | None]:
        """Whether to fetch ``offer_id``'s detail, given the listing fields its search showed (None: an id list)."""
        if self.mode is Mode.NONE:
            return Reason.LISTING_ONLY, None
        if self.mode is Mode.ALL or listing is None or self.index is None:
            return Reason.ALL, None
        last = self.index.get(offer_id)
        if last is None:
            return Reason.NEW, None
        if self.mode is Mode.NEW:
            return Reason.UNCHANGED, last
        if self.now - last.detailed_at > self.max_age:
            return Reason.STALE, last
        if self.changed(last, listing):
            return Reason.CHANGED, last
        if self.fetch_undated and not listing.get("modifyDate"):
            return Reason.UNDATED, last
        return Reason.UNCHANGED, last

    def changed(self, last: LastDetail, listing: dict[str, Any]) -> bool:
        price = _money(
            (listing.get("priceInfo") or {}).get("price") if isinstance(listing.get("priceInfo"), dict) else None
        )
        if price is not None and price != last.listing_price:
            return True
        modified = _china_time(listing.get("modifyDate"))
        if modified is not None and modified != last.modified_at:
            return True
        sold = _int(listing.get("monthSold"))
        if sold is not None and last.month_sold is not None:
            base = max(last.month_sold, 1)
            if abs(sold - last.month_sold) / base > self.month_sold_tolerance:
                return True
        return False


def _money(value: Any) -> Decimal | None:
    price = parse_money(value) if value is not None else None
    return price if isinstance(price, Decimal) else None


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _china_time(value: Any) -> datetime | None:
    """``2024-04-20 08:00:00`` (China time) as the UTC moment the dataset stores."""
    try:
        return datetime.strptime(str(value).strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) - CHINA_OFFSET
    except ValueError:
        return None


def plan_summary(stats: Mapping[str, Any]) -> str | None:
    """One line on what the plan decided and what it cost (or would cost, in a dry run); None for ``all``
    outside a dry run (the crawl's summary says it all then)."""
    mode = stats.get(keys.PLAN_MODE)
    if not mode or (mode == Mode.ALL.value and not stats.get(keys.PLAN_DRY_RUN)):
        return None
    count = {reason: int(stats.get(f"{keys.PLAN}/{reason.value}", 0)) for reason in Reason}
    fetched = sum(n for reason, n in count.items() if reason.fetch)
    parts = ", ".join(f"{count[reason]:,} {reason.value.replace('_', ' ')}" for reason in Reason if count[reason])
    pages = int(stats.get(keys.SEARCH_PAGES_PLANNED, 0))
    if stats.get(keys.PLAN_DRY_RUN):
        carried = count[Reason.UNCHANGED]
        return (
            f"dry run of details={mode}: {pages:,} search pages; {fetched:,} detail calls it would cost "
            f"({parts or 'no offer'}); {carried:,} unchanged offers it would carry forward"
        )
    return f"details={mode}: {parts or 'no offer'}; {fetched:,} detail calls and {pages:,} search pages"
