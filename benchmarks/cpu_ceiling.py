"""The CPU ceiling: offers/s with the quota off (``OPEN1688_QPS=0``), 1 worker and 2, and where the CPU goes.

With no quota the crawl runs as fast as its CPU lets it, so this is the
figure an optimisation moves. The crawl's own CPU time per 1,000 offers is
reported apart from the sandbox's (both share the machine's cores, but a
real gateway costs the harvester nothing). The 2-worker figure is the
distributed section's run, made once per suite (its CPU is reported there).
The 1-worker crawl is run a second time under cProfile and its top
functions, by cumulative and by own time, are written to
``profile-top10.txt``, so the next optimisation starts from evidence.
"""

from __future__ import annotations

import io
import pstats
import subprocess
from pathlib import Path

from tests.support.crawls import ROOT

from .distributed_scaling import Scaling
from .report import Row
from .runs import Harvests

SECTION = "cpu"
CHART = "Offers/s, quota off"


def measure(harvests: Harvests, catalogue: int, keyword: str, profile_to: Path, scaling: Scaling) -> list[Row]:
    one = harvests.get(catalogue, keyword)
    where = f"{keyword} in a {catalogue:,}-offer sandbox catalogue"
    rows = [
        Row(
            "offers/s, quota off, 1 worker",
            one.offers / one.usage.wall,
            "offers/s",
            f"{where}: {one.offers:,} offers in {one.usage.wall:.1f} s (start-up included)",
            SECTION,
            (CHART, "1 worker"),
        ),
        Row(
            "crawl CPU per 1,000 offers, 1 worker",
            one.usage.cpu * 1000 / one.offers,
            "CPU s",
            "user + system of the scrapy process, every thread",
            SECTION,
        ),
        Row(
            "sandbox CPU per 1,000 offers, 1 worker",
            one.sandbox_cpu * 1000 / one.offers,
            "CPU s",
            "the gateway's share of the same cores (a real gateway costs us none)",
            SECTION,
        ),
        *_two_workers(scaling),
    ]
    raw = harvests.work / "crawl.prof"
    profiled = harvests.run(catalogue, keyword, profile=raw)
    top, seconds, total = write_top10(
        raw,
        profile_to,
        f"scrapy crawl keyword -a keywords={keyword} -s OPEN1688_QPS=0, {where}, {profiled.offers:,} offers, 1 worker",
    )
    rows.append(
        Row(
            "cProfile of the 1-worker crawl: top function by own time (I/O wait aside)",
            top,
            "",
            f"{seconds:.1f} s of the {total:.1f} s profiled (main thread); top 10 by cumulative and own "
            f"time in {profile_to.relative_to(ROOT)}",
            SECTION,
        )
    )
    return rows


def _two_workers(scaling: Scaling) -> list[Row]:
    """The distributed section's 2-worker run (made once per suite); "not available" when it cannot be made."""
    try:
        run = scaling.quota_off(2)
    except (RuntimeError, subprocess.TimeoutExpired) as error:  # no redis-server, a worker failed or never ended
        return [Row("offers/s, quota off, 2 workers", None, "offers/s", f"distributed crawl failed: {error}", SECTION)]
    return [
        Row(
            "offers/s, quota off, 2 workers",
            run.offers_per_second,
            "offers/s",
            f"the distributed section's run: scrapy crawl keyword --distributed x 2, one private redis-server, "
            f"{','.join(scaling.sizes.free_keywords)}: {run.offers:,} offers in {run.seconds:.1f} s from the "
            "enqueue (start-up left out)",
            SECTION,
            (CHART, "2 workers"),
        )
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
    text.write(
        "Only the main thread (the reactor: spider, middlewares, pipelines) is profiled; the dataset "
        "writer's thread is not.\n"
    )
    stats.stream = text  # type: ignore[attr-defined]
    for heading, order, only in (
        ("cumulative time, the harvester's own functions", "cumulative", "/harvester/"),
        ("own time, every function", "tottime", ""),
    ):
        text.write(f"\n=== top 10 by {heading} ===\n")
        stats.sort_stats(order).print_stats(only, 10)
    out.write_text(text.getvalue(), encoding="utf-8")
    working = [item for item in stats.stats.items() if not _waiting(item[0])]  # type: ignore[attr-defined]
    (filename, line, name), figures = max(working, key=lambda item: item[1][2])
    label = name if filename == "~" else f"{name} ({Path(filename).name}:{line})"
    return label, figures[2], stats.total_tt  # type: ignore[attr-defined]
