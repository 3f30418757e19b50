"""The CPU ceiling: offers/s with the quota off (``OPEN1688_QPS=0``), 1 worker and 2, and where the CPU goes.

With no quota the crawl runs as fast as its CPU lets it, so this is the
figure an optimisation moves. The crawl's own CPU time per 1,000 offers is
reported apart from the sandbox's (both share the machine's cores, but a
real gateway costs the harvester nothing). The 1-worker crawl is run a
second time under cProfile and its top functions, by cumulative and by own
time, are written to ``profile-top10.txt``, so the next optimisation starts
from evidence.
"""

from __future__ import annotations

import io
import pstats
import subprocess
from pathlib import Path

from harvester.sandbox.testing import ROOT

from . import distributed
from .report import Row
from .runs import Harvests

SECTION = "cpu"
CHART = "Offers/s, quota off"


def measure(harvests: Harvests, catalogue: int, keyword: str, profile_to: Path) -> list[Row]:
    one = harvests.get(catalogue, keyword)
    where = f"{keyword} in a {catalogue:,}-offer sandbox catalogue"
    rows = [
        Row("offers/s, quota off, 1 worker", one.offers / one.usage.wall, "offers/s",
            f"{where}: {one.offers:,} offers in {one.usage.wall:.1f} s (start-up included)", SECTION,
            (CHART, "1 worker")),
        *_cpu_rows("1 worker", one.usage.cpu, one.sandbox_cpu, one.offers),
        *_two_workers(harvests.work, catalogue, keyword, timeout=max(120.0, 4 * one.usage.wall)),
    ]
    raw = harvests.work / "crawl.prof"
    profiled = harvests.run(catalogue, keyword, profile=raw)
    top, seconds, total = write_top10(raw, profile_to, f"scrapy crawl keyword -a keywords={keyword} "
                      f"-s OPEN1688_QPS=0, {where}, {profiled.offers:,} offers, 1 worker")
    rows.append(Row("cProfile of the 1-worker crawl: top function by own time (I/O wait aside)", top, "",
                    f"{seconds:.1f} s of the {total:.1f} s profiled (main thread); top 10 by cumulative and own "
                    f"time in {profile_to.relative_to(ROOT)}", SECTION))
    return rows


def _cpu_rows(label: str, crawl_cpu: float, sandbox_cpu: float, offers: int) -> list[Row]:
    per = 1000 / max(offers, 1)
    return [
        Row(f"crawl CPU per 1,000 offers, {label}", crawl_cpu * per, "CPU s",
            "user + system of the scrapy process(es), every thread", SECTION),
        Row(f"sandbox CPU per 1,000 offers, {label}", sandbox_cpu * per, "CPU s",
            "the gateway's share of the same cores (a real gateway costs us none)", SECTION),
    ]


def _two_workers(work: Path, catalogue: int, keyword: str, timeout: float) -> list[Row]:
    """Two distributed workers on the same crawl; a "not available" row when they cannot run or do not finish.

    Workers that never stop must not eat the suite's time budget: after ``timeout`` they are killed.
    """
    reason = distributed.unavailable()
    if reason is None:
        try:
            usage, offers, sandbox_cpu = distributed.harvest(work, catalogue, keyword, workers=2, timeout=timeout)
        except subprocess.TimeoutExpired:
            reason = f"the 2 distributed workers had not finished after {timeout:.0f} s (killed)"
        except RuntimeError as error:
            reason = f"distributed crawl failed: {error}"
    if reason is not None:
        return [Row("offers/s, quota off, 2 workers", None, "offers/s", reason, SECTION)]
    return [
        Row("offers/s, quota off, 2 workers", offers / usage.wall, "offers/s",
            f"scrapy crawl keyword --distributed x 2, one private redis-server: {offers:,} offers in "
            f"{usage.wall:.1f} s", SECTION, (CHART, "2 workers")),
        *_cpu_rows("2 workers", usage.cpu, sandbox_cpu, offers),
    ]


def _waiting(function: tuple[str, int, str]) -> bool:
    """The reactor's wait for I/O (epoll/select): time spent idle, not working."""
    filename, _, name = function
    return filename == "~" and ("poll" in name or "select" in name)


def write_top10(profile: Path, out: Path, title: str) -> tuple[str, float, float]:
    """The top 10 functions by cumulative and by own time, as pstats prints them; the top one by own time.

    Returned: that function's name, its own seconds, and the seconds profiled in all.

    The top one skips the reactor's wait for I/O, which is idle time, not work.
    """
    stats = pstats.Stats(str(profile))
    text = io.StringIO()
    text.write(f"cProfile of: {title}\n")
    text.write("Only the main thread (the reactor: spider, middlewares, pipelines) is profiled; the dataset "
               "writer's thread is not.\n")
    stats.stream = text  # type: ignore[attr-defined]
    for heading, order, only in (("cumulative time, the harvester's own functions", "cumulative", "/harvester/"),
                                 ("own time, every function", "tottime", "")):
        text.write(f"\n=== top 10 by {heading} ===\n")
        stats.sort_stats(order).print_stats(only, 10)
    out.write_text(text.getvalue(), encoding="utf-8")
    working = [item for item in stats.stats.items() if not _waiting(item[0])]  # type: ignore[attr-defined]
    (filename, line, name), figures = max(working, key=lambda item: item[1][2])
    label = name if filename == "~" else f"{name} ({Path(filename).name}:{line})"
    return label, figures[2], stats.total_tt  # type: ignore[attr-defined]
