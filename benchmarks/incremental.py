"""Incremental re-harvests: what ``-a details=changed`` costs and catches after the catalogue drifts.

A first harvest (``details=all``) of a keyword past the search cap, then, for
each drift share (1%, 5%, 10%, 20% of offers edited on the way into the
next day), a sandbox of that share moved on one epoch and two re-harvests
of the keyword side by side: ``details=changed`` into a copy of the first
harvest's dataset, ``details=all`` into an empty one. A sandbox's drift share
is fixed for its life but epoch 0 is the same whatever the share, so one first
harvest serves every share. Also measured: ``details=none`` (the listing
tier alone: offers per call) and ``dry_run=1`` (the plan's predicted detail
calls, against the ones the real re-harvest made).

Calls are the sandbox's own count of the product-API calls answered
(``calls_by_api``): they are what the quota and a paid call package count,
and, unlike times, are exact on a shared machine. Recall is measured
against the sandbox's drift log (``GET /_sandbox/drift?from=0&to=1&keyword=``):
a change is caught when the re-harvest's crawl holds the offer from a
detail fetched after it (its ``detail_crawl_id`` is the re-harvest's own), or
no longer holds it when the offer is gone. Price changes are the events that
moved any price (offer, tier or SKU). The snapshot check reads the latest
crawl alone (``latest_snapshot``) and compares every offer's SKU prices with
the catalogue's truth at epoch 1 (the sandbox's seed, in this process),
and its offers with the ones the keyword finds at epoch 1.

Goals (issue 16), printed as rows: at 5% drift a ``details=changed``
re-harvest costs at most a tenth of a full one and catches at least 99% of
the price changes; at 10%, it makes at most 1.25 x (search pages + changed
offers) calls and its crawl alone holds every offer with exact current SKU
prices.

    python -m benchmarks.incremental [--keyword 儿童保温杯] [--shares 0.01 0.05 0.1 0.2]   (from the repository root)

``python -m benchmarks --only incremental`` runs it as part of the suite.
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from secrets import token_hex
from typing import Any

from harvester.crawl import stats as keys
from harvester.dataset.snapshot import latest_snapshot
from harvester.history.plan import Reason
from harvester.open1688 import endpoints
from harvester.sandbox.catalogue import Catalogue, UnknownOffer
from harvester.sandbox.drift import GONE
from harvester.sandbox.noise import Noise
from harvester.sandbox.process import SandboxProcess

from . import runs
from .report import Row, render_table

SECTION = "incremental"
#: Bars: details=changed at each drift share, and details=all once.
CHART = "Re-harvest calls after drift"
#: Drift-log fields that are prices (offer, tiers, SKUs).
PRICE_FIELDS = frozenset({"price", "consign_price", "promotion_price", "price_tiers"})
SEARCH_API = endpoints.KEYWORD_SEARCH.name
DETAIL_API = endpoints.PRODUCT_DETAIL.name


@dataclass(frozen=True)
class Sizes:
    """What the benchmark harvests."""

    #: A keyword past the 2,000-result search cap (儿童保温杯: 5,037 offers in the default catalogue).
    keyword: str = "儿童保温杯"
    shares: tuple[float, ...] = (0.01, 0.05, 0.10, 0.20)
    #: The sandbox's search cap (``None``: its default, 2,000); a small keyword passes a small cap.
    search_cap: int | None = None
    #: Also re-harvest with ``details=all`` at every share (off: the first harvest stands for a full one).
    compare_all: bool = True
    #: Also a ``dry_run=1`` re-harvest at every share, to compare its plan with what was spent.
    dry_run: bool = True


@dataclass
class Harvest:
    """One crawl of the keyword and what the sandbox answered it."""

    mode: str
    crawl_id: str
    stats: dict[str, Any]
    #: Product-API calls answered, in all and by API name.
    calls: int
    by_api: dict[str, int]
    data_dir: Path

    @property
    def pages(self) -> int:
        return self.by_api.get(SEARCH_API, 0)

    @property
    def details(self) -> int:
        return self.by_api.get(DETAIL_API, 0)

    @property
    def offers(self) -> int:
        """Offers the crawl holds: fetched, carried forward, or (``details=none``) listed."""
        rows = self.stats.get(f"{keys.DATASET_ROWS}/{'listings' if self.mode == 'none' else 'products'}", 0)
        return int(rows)


@dataclass
class Recall:
    """Drift events of the keyword's offers, and how many a re-harvest caught."""

    events: int = 0
    caught: int = 0
    price_events: int = 0
    price_caught: int = 0
    #: Price changes missed on offers whose search items are sparse (no ``modifyDate``: only a move of the
    #: lowest price can show there; ``OPEN1688_SANDBOX_SPARSE_LISTING_SHARE``).
    price_missed_sparse: int = 0
    #: By kind of change (``price``, ``stock``, ...): [events, caught, missed on sparse search items].
    by_kind: dict[str, list[int]] = field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.caught / self.events if self.events else 1.0

    @property
    def price_share(self) -> float:
        return self.price_caught / self.price_events if self.price_events else 1.0


@dataclass
class Snapshot:
    """The latest crawl alone against the catalogue's truth."""

    offers: int
    #: Offers the keyword finds at the epoch that the crawl lacks, and offers it holds that it does not find.
    missing: int
    extra: int
    #: Offers whose SKU prices (sku id -> price; the one implicit row of an offer without SKUs) differ from the truth.
    wrong_prices: int

    @property
    def exact(self) -> bool:
        return not (self.missing or self.extra or self.wrong_prices)


@dataclass
class Level:
    """One drift share: its re-harvests, what changed and what they caught."""

    share: float
    changed: Harvest
    #: ``details=all`` at the same epoch (``None`` when not compared).
    full: Harvest | None
    #: Offers the drift log names (changed in any way, gone included).
    changed_offers: int
    recall: Recall
    full_recall: Recall | None
    snapshot: Snapshot
    #: Detail calls and search pages a ``dry_run=1`` planned (``None`` when not run).
    planned: tuple[int, int] | None
    #: Offers the keyword finds whose search items are sparse (what fetching them every time would cost at most).
    sparse_offers: int = 0
    #: details=changed with HARVEST_UNDATED_LISTINGS=fetch (sparse items fetched every time), and its snapshot.
    undated: Harvest | None = None
    undated_snapshot: Snapshot | None = None


def harvest(
    sandbox: SandboxProcess,
    data_dir: Path,
    keyword: str,
    mode: str,
    *,
    dry_run: bool = False,
    search_cap: int | None = None,
    undated: str = "compare",
) -> Harvest:
    """``scrapy crawl keyword -a details=mode`` with the quota off; calls from the sandbox's own counters."""
    args = {"keywords": keyword, "details": mode, **({"dry_run": "1"} if dry_run else {})}
    settings = {
        "OPEN1688_QPS": 0,
        "HARVEST_UNDATED_LISTINGS": undated,
        **({"OPEN1688_SEARCH_CAP": search_cap} if search_cap else {}),
    }
    # Its own crawl id, later than the copied first harvest's: the run reads its own report, not the copied one.
    crawl_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{token_hex(3)}"
    result = runs.crawl("keyword", data_dir, sandbox, args=args, settings=settings, crawl_id=crawl_id)
    return Harvest(
        mode, crawl_id, result.stats, result.served["calls_total"], dict(result.served["calls_by_api"]), data_dir
    )


def recall(events: Sequence[dict[str, Any]], data_dir: Path, crawl_id: str, sparse: Callable[[int], bool]) -> Recall:
    """Which drift events the crawl ``crawl_id`` caught: offers re-fetched by it, or gone from it.

    ``sparse`` says whether an offer's search items are sparse (to tell why a price change was missed).
    """
    products = latest_snapshot(
        data_dir, ["products"], crawl_id=crawl_id, columns={"products": ["offer_id", "detail_crawl_id"]}
    )["products"]
    held = dict(zip(products.column("offer_id").to_pylist(), products.column("detail_crawl_id").to_pylist()))
    found = Recall()
    for event in events:
        offer_id, kind = event["offer_id"], event["kind"]
        caught = offer_id not in held if kind == GONE else held.get(offer_id) == crawl_id
        priced = any(change["field"] in PRICE_FIELDS for change in event["changes"])
        found.events += 1
        found.caught += caught
        found.price_events += priced
        found.price_caught += priced and caught
        missed_sparse = not caught and sparse(offer_id)
        found.price_missed_sparse += priced and missed_sparse
        tally = found.by_kind.setdefault(kind, [0, 0, 0])
        tally[0] += 1
        tally[1] += caught
        tally[2] += missed_sparse
    return found


def snapshot(catalogue: Catalogue, keyword: str, epoch: int, data_dir: Path) -> Snapshot:
    """The newest crawl of ``data_dir`` alone against the truth at ``epoch``: offers held, SKU prices exact."""
    tables = latest_snapshot(
        data_dir,
        ["products", "skus"],
        columns={"products": ["offer_id"], "skus": ["offer_id", "sku_id", "spec_key", "price"]},
    )
    held = set(tables["products"].column("offer_id").to_pylist())
    wanted = {int(offer_id) for offer_id in catalogue.search(keyword=keyword, epoch=epoch)}
    prices: dict[int, dict[int | None, Decimal]] = {}
    for row in tables["skus"].to_pylist():
        prices.setdefault(row["offer_id"], {})[row["sku_id"] if row["spec_key"] else None] = row["price"]
    wrong = 0
    for offer_id in held & wanted:
        try:
            offer = catalogue.offer(offer_id, epoch)
        except UnknownOffer:
            wrong += 1
            continue
        truth: dict[int | None, Decimal] = (
            {sku.sku_id: sku.price for sku in offer.skus}
            if offer.skus
            else {None: min(tier.price for tier in offer.price_tiers)}
        )
        wrong += prices.get(offer_id) != truth
    return Snapshot(len(held), len(wanted - held), len(held - wanted), wrong)


def level(work: Path, first: Path, keyword: str, share: float, sizes: Sizes) -> Level:
    """A sandbox drifting ``share`` of the offers, moved to epoch 1, and the keyword re-harvested there."""
    arguments = ("--drift-share", f"{share:g}", *(("--search-cap", str(sizes.search_cap)) if sizes.search_cap else ()))
    name = f"drift-{share:g}"
    with SandboxProcess(arguments=arguments) as sandbox:
        epoch = sandbox.admin.drift(1)
        events = sandbox.admin.drift_log(0, epoch, keyword=keyword)["events"]
        planned = None
        if sizes.dry_run:
            shutil.copytree(first, work / name / "dry-run" / "data")
            dry = harvest(
                sandbox, work / name / "dry-run" / "data", keyword, "changed", dry_run=True, search_cap=sizes.search_cap
            )
            planned = (
                sum(int(dry.stats.get(f"{keys.PLAN}/{reason.value}", 0)) for reason in Reason if reason.fetch),
                int(dry.stats.get(keys.SEARCH_PAGES_PLANNED, 0)),
            )
        shutil.copytree(first, work / name / "changed" / "data")
        changed = harvest(sandbox, work / name / "changed" / "data", keyword, "changed", search_cap=sizes.search_cap)
        shutil.copytree(first, work / name / "undated" / "data")
        undated = harvest(
            sandbox, work / name / "undated" / "data", keyword, "changed", search_cap=sizes.search_cap, undated="fetch"
        )
        full = (
            harvest(sandbox, work / name / "all" / "data", keyword, "all", search_cap=sizes.search_cap)
            if sizes.compare_all
            else None
        )
        config = sandbox.initial_config
    catalogue = Catalogue(config["seed"], config["offers"], drift_share=share)
    noise = Noise(config["seed"], config["sparse_listing_share"])

    def sparse(offer_id: int) -> bool:
        return noise.for_offer(offer_id, 0).sparse_listing

    return Level(
        share=share,
        changed=changed,
        full=full,
        changed_offers=len({event["offer_id"] for event in events}),
        recall=recall(events, changed.data_dir, changed.crawl_id, sparse),
        full_recall=recall(events, full.data_dir, full.crawl_id, sparse) if full else None,
        snapshot=snapshot(catalogue, keyword, epoch, changed.data_dir),
        planned=planned,
        sparse_offers=sum(map(sparse, (int(offer_id) for offer_id in catalogue.search(keyword=keyword, epoch=epoch)))),
        undated=undated,
        undated_snapshot=snapshot(catalogue, keyword, epoch, undated.data_dir),
    )


def run(work: Path, sizes: Sizes) -> tuple[Harvest, Harvest, list[Level]]:
    """The first harvest, the listing-only harvest, and every drift share's re-harvests."""
    cap = ("--search-cap", str(sizes.search_cap)) if sizes.search_cap else ()
    with SandboxProcess(arguments=cap) as sandbox:
        first = harvest(sandbox, work / "first" / "data", sizes.keyword, "all", search_cap=sizes.search_cap)
        listing = harvest(sandbox, work / "none" / "data", sizes.keyword, "none", search_cap=sizes.search_cap)
    return first, listing, [level(work, first.data_dir, sizes.keyword, share, sizes) for share in sizes.shares]


def measure(work: Path, sizes: Sizes = Sizes()) -> list[Row]:
    first, listing, levels = run(work, sizes)
    return rows(sizes.keyword, first, listing, levels)


def _percent(share: float) -> str:
    return f"{share * 100:g}%"


def rows(keyword: str, first: Harvest, listing: Harvest, levels: Sequence[Level]) -> list[Row]:
    """The suite's rows: the harvests, each share's two re-harvests side by side, and the goals checked."""
    found = first.offers
    out = [
        Row(
            "first harvest, details=all: calls per offer",
            first.calls / max(found, 1),
            "calls/offer",
            f"{keyword}: {found:,} offers, {first.calls:,} calls ({first.pages:,} search pages, "
            f"{first.details:,} details, {first.calls - first.pages - first.details} navigation)",
            SECTION,
        ),
        Row(
            "listing only, details=none: offers per call",
            listing.offers / max(listing.calls, 1),
            "offers/call",
            f"{keyword}: {listing.offers:,} offers into listings with {listing.calls:,} calls, no detail "
            f"({listing.pages:,} search pages)",
            SECTION,
        ),
    ]
    for n, lv in enumerate(levels):
        full_calls = lv.full.calls if lv.full else first.calls
        label = f"re-harvest after {_percent(lv.share)} drift"
        out.append(
            Row(
                f"{label}, details=changed: calls",
                lv.changed.calls,
                "calls",
                f"{lv.changed.calls / max(lv.changed.offers, 1):.3f} calls/offer, {lv.changed.calls / full_calls:.1%} "
                f"of details=all; {lv.changed.pages:,} pages + {lv.changed.details:,} details for "
                f"{lv.changed_offers:,} offers changed; recall {lv.recall.caught:,}/{lv.recall.events:,} changes "
                f"({lv.recall.share:.1%}), price changes {lv.recall.price_caught:,}/{lv.recall.price_events:,} "
                f"({lv.recall.price_share:.1%}{_sparse_misses(lv.recall)}); by kind {_kinds(lv.recall)}",
                SECTION,
                (CHART, _percent(lv.share)),
            )
        )
        if lv.full is not None and lv.full_recall is not None:
            out.append(
                Row(
                    f"{label}, details=all: calls",
                    lv.full.calls,
                    "calls",
                    f"{lv.full.calls / max(lv.full.offers, 1):.3f} calls/offer; {lv.full.pages:,} pages + "
                    f"{lv.full.details:,} details; recall {lv.full_recall.share:.1%}, price changes "
                    f"{lv.full_recall.price_share:.1%}",
                    SECTION,
                    (CHART, "details=all") if n == 0 else None,
                )
            )
        snap = lv.snapshot
        out.append(
            Row(
                f"{label}, details=changed: latest crawl alone exact",
                "yes" if snap.exact else "no",
                "",
                f"{snap.offers:,} offers held; {snap.missing} missing, {snap.extra} not found any more, "
                f"{snap.wrong_prices} with SKU prices other than the catalogue's at epoch 1"
                + (f"; dry_run=1 planned {lv.planned[0]:,} details and {lv.planned[1]:,} pages" if lv.planned else ""),
                SECTION,
            )
        )
        if lv.undated is not None and lv.undated_snapshot is not None:
            snap = lv.undated_snapshot
            out.append(
                Row(
                    f"{label}, details=changed, HARVEST_UNDATED_LISTINGS=fetch: calls",
                    lv.undated.calls,
                    "calls",
                    f"{lv.undated.calls / full_calls:.1%} of details=all ({lv.undated.details:,} details); latest crawl "
                    f"alone {'exact' if snap.exact else 'NOT exact'}: {snap.missing} missing, {snap.wrong_prices} with "
                    "other SKU prices",
                    SECTION,
                )
            )
    out += goals(levels, first)
    return out


def _sparse_misses(found: Recall) -> str:
    missed = found.price_events - found.price_caught
    return f", {found.price_missed_sparse} of the {missed} missed on sparse search items" if missed else ""


def _kinds(found: Recall) -> str:
    """``price 40/40, stock 0/30, ...``: recall by kind of change (stock moves do not show in a listing)."""
    return ", ".join(f"{kind} {caught}/{events}" for kind, (events, caught, _) in sorted(found.by_kind.items()))


def goals(levels: Sequence[Level], first: Harvest) -> list[Row]:
    """Issue 16's goals, each a row saying met or not and by how much."""
    by_share = {round(lv.share, 4): lv for lv in levels}
    out = []
    five = by_share.get(0.05)
    if five is not None:
        full = five.full.calls if five.full else first.calls
        ratio = five.changed.calls / full
        out.append(
            Row(
                "goal, 5% drift: re-harvest calls / full harvest calls <= 0.1",
                ratio,
                "x",
                f"{'met' if ratio <= 0.1 else 'NOT met'}: {five.changed.calls:,} / {full:,}",
                SECTION,
            )
        )
        out.append(
            Row(
                "goal, 5% drift: price changes caught >= 99%",
                five.recall.price_share * 100,
                "%",
                f"{'met' if five.recall.price_share >= 0.99 else 'NOT met'}: {five.recall.price_caught:,} of "
                f"{five.recall.price_events:,}{_sparse_misses(five.recall)}; {five.sparse_offers:,} of the "
                "keyword's offers have sparse search items",
                SECTION,
            )
        )
    ten = by_share.get(0.1)
    if ten is not None:
        bound = 1.25 * (ten.changed.pages + ten.changed_offers)
        out.append(
            Row(
                "goal, 10% drift: calls / (search pages + changed offers) <= 1.25",
                ten.changed.calls / (ten.changed.pages + ten.changed_offers),
                "x",
                f"{'met' if ten.changed.calls <= bound else 'NOT met'}: {ten.changed.calls:,} calls, bound "
                f"{math.floor(bound):,} = 1.25 x ({ten.changed.pages:,} + {ten.changed_offers:,})",
                SECTION,
            )
        )
        out.append(
            Row(
                "goal, 10% drift: latest crawl alone holds every offer, exact SKU prices",
                "met" if ten.snapshot.exact else "NOT met",
                "",
                f"{ten.snapshot.offers:,} offers; {ten.snapshot.missing} missing, {ten.snapshot.wrong_prices} "
                "with other SKU prices",
                SECTION,
            )
        )
        if ten.undated is not None and ten.undated_snapshot is not None:
            exact, within = ten.undated_snapshot.exact, ten.undated.calls <= bound
            out.append(
                Row(
                    "goal, 10% drift, HARVEST_UNDATED_LISTINGS=fetch: exact, calls within the bound",
                    "met" if exact and within else "NOT met",
                    "",
                    f"{'exact' if exact else 'NOT exact'}; {ten.undated.calls:,} calls against the bound "
                    f"{math.floor(bound):,}",
                    SECTION,
                )
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keyword", default=Sizes.keyword)
    parser.add_argument("--shares", type=float, nargs="+", default=Sizes.shares, help="drift shares to measure")
    parser.add_argument("--search-cap", type=int, default=None, help="the sandbox's search cap (default 2,000)")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-incremental-"))
    try:
        print(render_table(measure(work, Sizes(options.keyword, tuple(options.shares), options.search_cap))))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
