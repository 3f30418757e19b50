"""The keyword harvest against its quota: how close to OPEN1688_QPS, how few calls, how often throttled.

One sandbox process serves every run and enforces the same calls-per-second
limit the crawl is told to keep, counting the ``gw.QosAppFrequencyLimit``
answers it gives.

- calls/s achieved as a share of ``OPEN1688_QPS`` (5, 20, 100), measured over
  the steady part of the crawl from the crawl report's 1-second samples (the
  runs below 100 QPS are cut after ``--seconds``: at 5 calls/s a whole keyword
  takes many minutes and the rate is steady long before);
- calls made as a share of the minimum possible (pages of 50 + one detail call per offer),
  from the run at 100 QPS, which harvests the whole keyword;
- ``gw.QosAppFrequencyLimit`` answers per 1,000 calls, from the sandbox's counters.

    python -m benchmarks.keyword_quota [--keyword 保温杯] [--seconds 30]   (from the repository root)

``python -m benchmarks`` runs it as part of the suite.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harvester.crawl import stats as keys
from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import CrawlRun

from . import runs
from .report import Row, render_table

RATES = (5.0, 20.0, 100.0)
SECTION = "quota"
CHART = "Calls/s achieved"


def steady_rate(run: CrawlRun) -> float:
    """Calls per second between the first and the last change of the call counter, two seconds trimmed each end."""
    series = [(p["t"], p["calls"]) for p in run.report["series"]]
    moving = [i for i in range(1, len(series)) if series[i][1] != series[i - 1][1]]
    if len(moving) < 2:
        return 0.0
    start, end = series[moving[0]], series[moving[-1] - 1]
    trimmed = [(t, c) for t, c in series if start[0] + 2 <= t <= end[0] - 2]
    first, last = (trimmed[0], trimmed[-1]) if len(trimmed) >= 2 else (start, end)
    return (last[1] - first[1]) / max(last[0] - first[0], 1e-9)


def minimum_calls(stats: dict[str, Any]) -> int:
    """Pages of 50 for every offer found, and one ``queryProductDetail`` per offer: fewer calls cannot harvest it."""
    offers = stats.get(keys.DETAILS_WANTED, 0)
    return math.ceil(offers / 50) + offers


@dataclass
class RateRun:
    rate: float
    #: Steady calls/s.
    achieved: float
    #: Calls the crawl made (its own count) and the minimum possible; ``complete`` is False when time-limited.
    calls: int
    minimum: int
    complete: bool
    offers: int
    seconds: float
    max_in_one_second: int
    #: Calls the sandbox answered in all, and with ``gw.QosAppFrequencyLimit``.
    served: int
    throttled: int
    #: Throttled answers the crawl retried (its own count).
    retried: int


def rate_run(sandbox: SandboxProcess, data_dir: Path, keyword: str, rate: float, seconds: float | None) -> RateRun:
    """One crawl of ``keyword`` at ``OPEN1688_QPS=rate`` with the sandbox enforcing ``rate``; cut after ``seconds``."""
    sandbox.admin.config(qps=rate)
    limit = {"CLOSESPIDER_TIMEOUT": seconds} if seconds else {}
    try:
        result = runs.crawl(
            "keyword",
            data_dir,
            sandbox,
            args={"keywords": keyword},
            settings={"OPEN1688_QPS": rate, "HARVEST_REPORT_SAMPLE_INTERVAL": 1, **limit},
        )
    finally:
        sandbox.admin.config(qps=0)
    stats = result.stats
    return RateRun(
        rate=rate,
        achieved=steady_rate(result.run),
        calls=stats["harvester/quota/calls"],
        minimum=minimum_calls(stats),
        complete=not seconds,
        offers=result.offers,
        seconds=result.usage.wall,
        max_in_one_second=result.served["max_calls_per_second"],
        served=result.served["calls_total"],
        throttled=result.served["calls_by_code"].get("gw.QosAppFrequencyLimit", 0),
        retried=stats.get("harvester/api/throttled_retries", 0),
    )


def measure(
    work: Path, keyword: str, seconds: float, rates: tuple[float, ...] = RATES, complete_keyword: str | None = None
) -> list[Row]:
    """The suite's rows: share of QPS and throttling per rate, calls against the minimum from the complete run.

    Rates of 100 and more harvest the whole of ``complete_keyword`` (default ``keyword``); the others are cut.
    """
    rows: list[Row] = []
    complete_keyword = complete_keyword or keyword
    with SandboxProcess() as sandbox:
        done = [
            rate_run(sandbox, work / f"qps{rate:g}" / "data", keyword, rate, seconds)
            if rate < 100
            else rate_run(sandbox, work / f"qps{rate:g}" / "data", complete_keyword, rate, None)
            for rate in rates
        ]
    for run in done:
        extent = (
            f"{complete_keyword}, {run.offers:,} offers (whole keyword)"
            if run.complete
            else f"{keyword}, cut after {seconds:g} s"
        )
        rows.append(
            Row(
                f"calls/s at OPEN1688_QPS={run.rate:g}",
                run.achieved / run.rate * 100,
                "% of QPS",
                f"{run.achieved:.1f} calls/s steady, {run.offers / run.seconds:,.0f} offers/s over the whole "
                f"run; {extent}; at most "
                f"{run.max_in_one_second} calls in any 1 s (sandbox)",
                SECTION,
                (CHART, f"QPS {run.rate:g}"),
            )
        )
    for run in done:
        rows.append(
            Row(
                f"gw.QosAppFrequencyLimit at OPEN1688_QPS={run.rate:g}",
                run.throttled / max(run.served, 1) * 1000,
                "per 1,000 calls",
                f"sandbox answered {run.throttled} of {run.served:,} calls so; the crawl retried {run.retried}",
                SECTION,
            )
        )
    for run in done:
        if run.complete:
            rows.append(
                Row(
                    f"calls made / minimum possible ({complete_keyword})",
                    run.calls / run.minimum,
                    "x",
                    f"{run.calls:,} calls for {run.offers:,} offers; minimum {run.minimum:,} = pages of 50 "
                    "+ one detail call per offer",
                    SECTION,
                )
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keyword", default="保温杯")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the rate-limited runs below 100 QPS")
    parser.add_argument("--rates", type=float, nargs="+", default=RATES, help="OPEN1688_QPS values to measure")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-quota-"))
    print(render_table(measure(work, options.keyword, options.seconds, tuple(options.rates))))


if __name__ == "__main__":
    main()
