"""The benchmark suite: every benchmark in one command, one table, JSON and a PNG chart.

    python -m benchmarks                       # all of it, ~22 min on 2 cores (half of it the 100,000-offer crawl)
    python -m benchmarks --only naive,quota    # some of it
    python -m benchmarks --quick               # a tiny smoke run (~1-2 min), figures meaningless
    python -m benchmarks --full                # a real 1,000,000-offer crawl instead of the pipeline-only row
    python -m benchmarks --update-readme       # ... and rewrite the README's benchmarks section
    python -m benchmarks --render-only --update-readme   # redraw table, chart and README from summary.json

Benchmarks (``--only`` names): ``naive`` (against the tutorial-style script),
``quota`` (against the calls-per-second limit), ``cpu`` (the CPU ceiling and
a profile), ``scale`` (memory and disk at 10,000 to 1,000,000 offers),
``distributed`` (1, 2 and 3 workers with the quota off, 3 with it on),
``incremental`` (re-harvests with ``-a details=changed`` against ``details=all``
after 1% to 20% of the offers drifted: calls, recall, issue 16's goals),
``media`` (a keyword crawl with ``-a media=main,sku``: pictures referenced against stored).

A complete default run writes ``benchmarks/results/summary.json``,
``summary.png`` and ``profile-top10.txt``; ``--only`` and ``--quick`` runs
write to ``benchmarks/results/tmp/`` instead, so a partial or smoke run can
never pass for the suite's figures. A benchmark that fails is reported as a
row saying so, the others still run, and the exit status is 1.

Not in the suite, because they measure parts rather than the harvest:
``python -m benchmarks.sandbox_throughput`` (the sandbox gateway alone),
``python -m benchmarks.pipeline_throughput --repeat N --baseline REV``
(comparing the write path against an older revision) and
``python -m benchmarks.fault_soak`` (a long harvest against a gateway that
fails in every way it can: a test of survival, not a figure).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import against_naive, cpu_ceiling, distributed_scaling, incremental, keyword_quota, media_bulk, scale
from .common import RESULTS, machine_info
from .report import Row, readme_section, render_table, replace_section, rows_of, summary, write_json, write_png
from .runs import Harvests

README = Path(__file__).resolve().parents[1] / "README.md"
CHART_IN_README = "benchmarks/results/summary.png"


@dataclass(frozen=True)
class Plan:
    """The sizes of one suite run."""

    naive_keyword: str = "紫砂茶具"
    naive_qps: float = 10.0
    quota_keyword: str = "保温杯"
    quota_seconds: float = 30.0
    #: Harvested whole at 100 QPS (calls against the minimum): 5,037 offers, ~5,150 calls, about a minute.
    complete_keyword: str = "儿童保温杯"
    #: Offers of the 1-worker CPU-ceiling crawl (also the first scale crawl).
    ceiling_offers: int = 10_000
    crawled: tuple[int, ...] = (10_000, 100_000)
    #: Offers through the pipeline path alone (``None``: none).
    pipeline: int | None = 1_000_000
    distributed: distributed_scaling.Sizes = distributed_scaling.Sizes()
    incremental: incremental.Sizes = incremental.Sizes()
    #: The media crawl: a keyword whose offers show SKU pictures, and its search pages of 50.
    media_keyword: str = "发夹"
    media_pages: int = 4


FULL = Plan()
QUICK = Plan(
    naive_keyword="算盘",
    quota_seconds=3.0,
    complete_keyword="算盘",
    ceiling_offers=250,
    crawled=(250, 1_000),
    pipeline=2_000,
    distributed=distributed_scaling.Sizes(free_keywords=("紫砂茶具",), keywords=("算盘",)),
    incremental=incremental.Sizes(keyword="毛笔", shares=(0.05, 0.1), search_cap=200),
    media_pages=1,
)
SECTIONS = ("naive", "quota", "cpu", "scale", "distributed", "incremental", "media")


def benchmarks(plan: Plan, work: Path, out: Path, cleanup: ExitStack) -> dict[str, Callable[[], list[Row]]]:
    """Each section's measurement; what sections share (crawls, the distributed cluster) stops with ``cleanup``."""
    harvests = Harvests(work)
    scaling = distributed_scaling.Scaling(work, plan.distributed)
    cleanup.callback(scaling.close)
    return {
        "naive": lambda: against_naive.measure(work / "naive", plan.naive_keyword, plan.naive_qps),
        "quota": lambda: keyword_quota.measure(
            work / "quota", plan.quota_keyword, plan.quota_seconds, complete_keyword=plan.complete_keyword
        ),
        "cpu": lambda: cpu_ceiling.measure(
            harvests, plan.ceiling_offers * scale.CATALOGUE_PER_OFFER, scale.KEYWORD, out / "profile-top10.txt", scaling
        ),
        "scale": lambda: scale.measure(harvests, plan.crawled, plan.pipeline),
        "distributed": lambda: distributed_scaling.measure(scaling),
        "incremental": lambda: incremental.measure(work / "incremental", plan.incremental),
        "media": lambda: media_bulk.measure(work / "media", plan.media_keyword, plan.media_pages),
    }


def run(names: list[str], plan: Plan, out: Path, keep: bool) -> tuple[list[Row], bool]:
    """Run the named benchmarks in order; their rows, and whether they all succeeded."""
    work = Path(tempfile.mkdtemp(prefix="harvester-bench-"))
    rows: list[Row] = []
    ok = True
    started = time.perf_counter()
    try:
        with ExitStack() as cleanup:
            steps = benchmarks(plan, work, out, cleanup)
            for name in names:
                print(f"[{time.perf_counter() - started:5.0f} s] {name} ...", file=sys.stderr, flush=True)
                try:
                    rows += steps[name]()
                except Exception as error:  # one broken benchmark must not throw away the others' figures
                    traceback.print_exc()
                    first_line = (str(error).splitlines() or [""])[0]
                    rows.append(
                        Row(f"{name}: benchmark failed", None, "", f"{type(error).__name__}: {first_line}", name)
                    )
                    ok = False
    finally:
        if keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return rows, ok


def publish(document: dict, out: Path, update_readme: bool) -> None:
    """Print the table, save JSON and PNG beside each other, and rewrite the README section when asked."""
    rows = rows_of(document)
    print(render_table(rows))
    write_json(document, out / "summary.json")
    write_png(
        rows,
        out / "summary.png",
        f"harvester benchmarks, {document['measured_at'][:10]}, {document['machine']['cores']} cores",
    )
    print(f"\n{len(rows)} rows in {document['duration_seconds']:.0f} s; written to {out}/summary.json and summary.png")
    if update_readme:
        README.write_text(
            replace_section(README.read_text(encoding="utf-8"), readme_section(document, CHART_IN_README)),
            encoding="utf-8",
        )
        print(f"README section rewritten: {README}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help=f"comma-separated benchmarks among {','.join(SECTIONS)}")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run, figures meaningless")
    parser.add_argument("--full", action="store_true", help="crawl 1,000,000 offers for real (over an hour more)")
    parser.add_argument("--update-readme", action="store_true", help="rewrite the README's benchmarks section")
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="measure nothing: re-render table, chart (and README) from results/summary.json",
    )
    parser.add_argument("--keep-work", action="store_true", help="keep the crawls' data folder")
    options = parser.parse_args(argv)
    names = [name.strip() for name in options.only.split(",")] if options.only else list(SECTIONS)
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose among {', '.join(SECTIONS)}")
    partial = options.quick or names != list(SECTIONS)
    if options.update_readme and partial:
        parser.error("--update-readme takes a complete run (no --only, no --quick): the README shows the suite")
    if options.render_only:
        publish(json.loads((RESULTS / "summary.json").read_text(encoding="utf-8")), RESULTS, options.update_readme)
        return 0

    plan = QUICK if options.quick else FULL
    if options.full:
        plan = dataclasses.replace(plan, crawled=(*plan.crawled, 1_000_000), pipeline=None)
    out = RESULTS / "tmp" if partial else RESULTS
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    measured_at = datetime.now(UTC)
    rows, ok = run(names, plan, out, options.keep_work)
    command = (
        "python -m benchmarks"
        + "".join(f" {flag}" for flag, on in (("--quick", options.quick), ("--full", options.full)) if on)
        + (f" --only {options.only}" if options.only else "")
    )
    document = summary(
        rows, measured_at=measured_at, machine=machine_info(), seconds=time.perf_counter() - started, command=command
    )
    publish(document, out, options.update_readme and ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
