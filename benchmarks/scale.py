"""Scale: peak RSS and dataset size of crawls of 10,000, 100,000 and 1,000,000 offers.

Every crawl harvests the one keyword 保温杯 with the quota off, from sandbox
catalogues sized so that it finds the wanted number of offers (it matches 1
offer in 40: 400,000 offers give 10,000), so the crawls differ in size only:
same offers' shape, same splitting of the search past its 2,000-result cap.
What should grow with the crawl is the seen-set (~16 bytes an offer in
``MemorySeenSet``); everything else should be bounded by row groups and
queues. Peak RSS swings by tens of MB as row groups fill and are written, so
besides the peaks the largest crawl's RSS is sampled every 50 ms and its
trend fitted: growth per 100,000 offers well above the seen-set's is
memory the crawl keeps that it should not.

A real crawl of 1,000,000 offers makes a detail call per offer: over an hour
at the ~230 offers/s of the 100,000-offer crawl (measured 2026-12-06, 2
cores), far past the suite's budget: by default the 1,000,000 row is the
pipeline path alone (``pipeline_throughput``: normalise, de-duplicate,
Parquet, no network), labelled so; ``--full`` runs the real crawl instead.
"""

from __future__ import annotations

import argparse
from typing import Any

from tests.support.crawls import ROOT

from . import pipeline_throughput
from .keyword_quota import minimum_calls
from .report import Row
from .runs import CrawlResult, Harvests, dataset_bytes

SECTION = "scale"
CHART = "Peak RSS"
KEYWORD = "保温杯"
#: The catalogue holds this many offers for each one 保温杯 finds.
CATALOGUE_PER_OFFER = 40
#: Share of a crawl's wall time after which its memory is taken as settled (imports done, buffers filled once).
_SETTLED = 0.2
#: Bytes an offer id takes in the in-memory seen-set (see harvester.crawl.seen.MemorySeenSet).
SEEN_SET_BYTES = 16


def measure(harvests: Harvests, crawled: tuple[int, ...], pipeline: int | None) -> list[Row]:
    """Crawls of each size in ``crawled``; then ``pipeline`` offers through the pipeline path (``None``: skip)."""
    rows: list[Row] = []
    done: list[CrawlResult] = []
    for offers in crawled:
        result = harvests.get(offers * CATALOGUE_PER_OFFER, KEYWORD)
        done.append(result)
        label = _short(result.offers)
        rows += [
            Row(
                f"peak RSS, crawl of {result.offers:,} offers",
                result.usage.peak_rss / 2**20,
                "MB",
                f"{KEYWORD}, quota off: {result.offers / result.usage.wall:,.0f} offers/s, "
                f"{result.usage.cpu / result.offers * 1000:.2f} CPU s per 1,000 offers",
                SECTION,
                (CHART, label),
            ),
            Row(
                f"dataset on disk, crawl of {result.offers:,} offers",
                dataset_bytes(result.run.data_dir) / result.offers,
                "kB per 1,000 offers",
                "Parquet (zstd): products, skus, search_hits",
                SECTION,
            ),
            Row(
                f"calls made / minimum possible, crawl of {result.offers:,} offers",
                result.stats["harvester/quota/calls"] / minimum_calls(result.stats),
                "x",
                f"{result.stats['harvester/quota/calls']:,} calls for a minimum of {minimum_calls(result.stats):,}; "
                f"{_search(result.stats)}",
                SECTION,
            ),
        ]
    if len(done) >= 2:
        small, large = done[0], done[-1]
        grown = (large.usage.peak_rss - small.usage.peak_rss) / (large.offers - small.offers) * 100_000
        rows.append(
            Row(
                f"peak RSS growth, {_short(small.offers)} -> {_short(large.offers)} offers",
                grown / 2**20,
                "MB per 100,000 offers",
                f"the seen-set accounts for {_seen_set_mb(100_000):.1f} MB of it",
                SECTION,
            )
        )
    if done:
        rows.append(_trend(done[-1]))
    if pipeline:
        figures = pipeline_throughput.run_in(ROOT, argparse.Namespace(products=pipeline, pool=5_000, seed=1688))
        rows += [
            Row(
                f"peak RSS, {pipeline:,} offers through the pipeline only",
                figures["peak_rss_mb"],
                "MB",
                "normalise -> de-duplicate -> Parquet, no crawl (pipeline_throughput; a real crawl this size is "
                "`--full`)",
                SECTION,
                (CHART, f"{_short(pipeline)} (pipeline)"),
            ),
            Row(
                f"pipeline only: offers/s per CPU second, {pipeline:,} offers",
                figures["per_s_cpu"],
                "offers/s",
                f"{figures['per_s_wall']:,.0f} offers/s over wall time",
                SECTION,
            ),
            Row(
                f"dataset on disk, {pipeline:,} offers through the pipeline",
                figures["mb_written"] * 1e6 / pipeline,
                "kB per 1,000 offers",
                "products and skus only (no search_hits without a search)",
                SECTION,
            ),
        ]
    return rows


def _seen_set_mb(offers: int) -> float:
    return SEEN_SET_BYTES * offers / 2**20


def _trend(result: CrawlResult) -> Row:
    """Whether memory still grows once a crawl is under way: its RSS troughs' trend, per 100,000 offers.

    Offers are taken to come at an even pace over the wall time (start-up is a
    second or two of a crawl this size).
    """
    usage = result.usage
    per_offer = usage.rss_slope(after=_SETTLED) * usage.wall / result.offers
    low, high = usage.rss_range(after=_SETTLED)
    return Row(
        f"RSS trend within the crawl of {result.offers:,} offers",
        per_offer * 100_000 / 2**20,
        "MB per 100,000 offers",
        f"rise of the RSS troughs (row groups written) over the last "
        f"{1 - _SETTLED:.0%} of its wall time, while RSS swung between {low / 2**20:.0f} and "
        f"{high / 2**20:.0f} MB; the seen-set alone grows {_seen_set_mb(100_000):.1f} MB per 100,000",
        SECTION,
    )


def _search(stats: dict[str, Any]) -> str:
    pages, slices = stats.get("harvester/search/pages", 0), stats.get("harvester/search/slices", 0)
    if not slices:
        return f"{pages:,} search pages, no split"
    return f"{pages:,} search pages over {slices:,} slices (the search split past its 2,000-result cap)"


def _short(offers: int) -> str:
    """10000 -> 10k, 1000000 -> 1M (chart labels)."""
    if offers >= 1_000_000 and offers % 1_000_000 == 0:
        return f"{offers // 1_000_000}M"
    return f"{offers / 1000:.0f}k" if offers >= 1000 else str(offers)
