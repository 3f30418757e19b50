"""The harvester against the tutorial-style script (``naive_baseline``): same keyword, same QPS, same sandbox.

Both run as commands, one after the other, against one sandbox that
enforces the same calls-per-second limit as both are told to keep. Offers/s
is over each command's whole wall time (start-up included: that is what a
user waits for); calls per offer come from the sandbox's own counter.
"""

from __future__ import annotations

import json
from pathlib import Path

from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import sandbox_env

from . import runs
from .report import Row

SECTION = "naive"
CHART = "Against the tutorial way"
CALLS_CHART = "Gateway calls per offer"


def measure(work: Path, keyword: str, qps: float) -> list[Row]:
    with SandboxProcess() as sandbox:
        sandbox.admin.config(qps=qps)
        naive = _naive(sandbox, work / "naive", keyword, qps)
        ours = runs.crawl(
            "keyword", work / "harvester" / "data", sandbox, args={"keywords": keyword}, settings={"OPEN1688_QPS": qps}
        )
    ours_rate = ours.offers / ours.usage.wall
    ours_calls = ours.served["calls_total"] / max(ours.offers, 1)
    where = f"{keyword}, OPEN1688_QPS={qps:g}"
    return [
        Row(
            "naive script: offers/s",
            naive["rate"],
            "offers/s",
            f"{where}: {naive['offers']} offers, {naive['calls']} calls, {naive['wall']:.1f} s",
            SECTION,
            (CHART, "naive"),
        ),
        Row(
            "harvester: offers/s",
            ours_rate,
            "offers/s",
            f"{where}: {ours.offers} offers, {ours.served['calls_total']} calls, {ours.usage.wall:.1f} s "
            "(start-up included)",
            SECTION,
            (CHART, "harvester"),
        ),
        Row("harvester / naive: offers/s", ours_rate / naive["rate"], "x", "same keyword, QPS and sandbox", SECTION),
        Row(
            "naive / harvester: gateway calls",
            naive["calls"] / max(ours.served["calls_total"], 1),
            "x",
            "calls are what the quota and a paid call package count",
            SECTION,
        ),
        Row(
            "naive script: gateway calls per offer",
            naive["calls"] / max(naive["offers"], 1),
            "calls/offer",
            "20-offer search pages, then one queryProductDetail per offer",
            SECTION,
            (CALLS_CHART, "naive"),
        ),
        Row(
            "harvester: gateway calls per offer",
            ours_calls,
            "calls/offer",
            "50-offer search pages, then one queryProductDetail per offer (details=all)",
            SECTION,
            (CALLS_CHART, "harvester"),
        ),
        Row(
            "naive script: dataset on disk",
            naive["bytes"] / max(naive["offers"], 1),
            "kB per 1,000 offers",
            "one JSON file per offer",
            SECTION,
        ),
        Row(
            "harvester: dataset on disk",
            runs.dataset_bytes(ours.run.data_dir) / max(ours.offers, 1),
            "kB per 1,000 offers",
            "Parquet (zstd): products, skus, search_hits",
            SECTION,
        ),
    ]


def _naive(sandbox: SandboxProcess, out: Path, keyword: str, qps: float) -> dict[str, float]:
    """Run the naive script as a command; its counts, wall time, rate and bytes written."""
    assert sandbox.credentials is not None
    command = runs.python_module(
        "benchmarks.naive_baseline",
        "--gateway",
        sandbox.base_url,
        "--app-key",
        sandbox.credentials.app_key,
        "--keyword",
        keyword,
        "--qps",
        f"{qps:g}",
        "--out",
        str(out),
    )
    sandbox.admin.reset()
    (finished,), usage = runs.run_all([(command, sandbox_env(sandbox))], out.parent / "logs-naive", timeout=3600)
    if finished.returncode != 0:
        raise RuntimeError(f"the naive script exited {finished.returncode}:\n{finished.stderr[-3000:]}")
    counts = json.loads(finished.stdout.strip().splitlines()[-1])
    calls = sandbox.admin.stats()["calls_total"]
    written = sum(path.stat().st_size for path in out.glob("*.json"))
    return {
        "offers": counts["offers"],
        "calls": calls,
        "wall": usage.wall,
        "rate": counts["offers"] / usage.wall,
        "bytes": written,
    }
