"""The keyword harvest against its quota: how close to OPEN1688_QPS, how few calls, where the CPU ceiling is.

One sandbox process serves every run. A first crawl at full speed renders
every offer of the keyword into the sandbox's cache, so the runs measured
afterwards see a gateway that answers in well under a millisecond and the
figures are the harvester's, not the sandbox's rendering cost.

- calls/s achieved as a share of ``OPEN1688_QPS`` (5, 20, 100), measured over
  the steady part of the crawl from the crawl report's 1-second samples, with
  the sandbox enforcing the same limit and counting ``gw.QosAppFrequencyLimit``;
- calls made as a share of the minimum possible (pages + ceil(offers / batch));
- offers/s and CPU seconds per 1,000 offers with the quota off.

    python -m benchmarks.keyword_quota [--keyword 保温杯] [--seconds 40]   (from the repository root)
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path
from typing import Any

from harvester.sandbox.testing import CrawlRun, SandboxProcess, crawl

from .common import child_timing, save, table

RATES = (5.0, 20.0, 100.0)


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


def minimum_calls(stats: dict[str, Any], batch: int = 20) -> int:
    offers = stats.get("harvester/details/wanted", 0)
    pages = math.ceil(offers / 50)
    return pages + math.ceil(offers / batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keyword", default="保温杯")
    parser.add_argument("--seconds", type=float, default=40.0, help="length of the rate-limited runs below 100 QPS")
    parser.add_argument("--rates", type=float, nargs="+", default=RATES, help="OPEN1688_QPS values to measure")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-quota-"))
    rows: list[list[Any]] = []
    with SandboxProcess() as sandbox:
        warm = crawl("keyword", work / "warm", sandbox=sandbox, args={"keywords": options.keyword},
                     settings={"OPEN1688_QPS": 0})
        assert warm.returncode == 0, warm.stderr[-2000:]

        sandbox.admin.reset()
        with child_timing() as timing:
            free = crawl("keyword", work / "free", sandbox=sandbox, args={"keywords": options.keyword},
                         settings={"OPEN1688_QPS": 0, "HARVEST_REPORT_SAMPLE_INTERVAL": 1})
        assert free.returncode == 0, free.stderr[-2000:]
        offers = free.stats["harvester/details/fetched"]
        calls = free.stats["harvester/quota/calls"]
        ceiling = ["quota off (CPU ceiling)", f"{calls / timing.wall:.1f}", "-", "-",
                   f"{calls / minimum_calls(free.stats):.3f}", "0", f"{offers / timing.wall:,.0f}",
                   f"{timing.cpu / offers * 1000:.2f}"]

        for rate in options.rates:
            sandbox.admin.reset()
            sandbox.admin.config(qps=rate)
            limit = {} if rate >= 100 else {"CLOSESPIDER_TIMEOUT": options.seconds}
            with child_timing() as timing:
                run = crawl("keyword", work / f"q{rate:g}", sandbox=sandbox, args={"keywords": options.keyword},
                            settings={"OPEN1688_QPS": rate, "HARVEST_REPORT_SAMPLE_INTERVAL": 1, **limit})
            served = sandbox.admin.stats()
            made = run.stats["harvester/quota/calls"]
            throttled = served["calls_by_code"].get("gw.QosAppFrequencyLimit", 0)
            achieved = steady_rate(run)
            complete = not limit
            rows.append([
                f"OPEN1688_QPS={rate:g}", f"{achieved:.2f}", f"{achieved / rate:.1%}", served["max_calls_per_second"],
                f"{made / minimum_calls(run.stats):.3f}" if complete else "(time-limited)",
                f"{throttled / max(served['calls_total'], 1) * 1000:.2f}",
                f"{run.stats.get('harvester/details/fetched', 0) / timing.wall:,.0f}",
                f"{timing.cpu / max(run.stats.get('harvester/details/fetched', 1), 1) * 1000:.2f}",
            ])
        sandbox.admin.config(qps=0)

    headers = ["run", "calls/s achieved", "share of QPS", "max calls in any 1 s (sandbox)",
               "calls / minimum", "QosAppFrequencyLimit per 1,000 calls", "offers/s", "CPU s per 1,000 offers"]
    rows.append(ceiling)
    print(table(headers, rows))
    save("keyword_quota", headers, rows, {"keyword": options.keyword})


if __name__ == "__main__":
    main()
