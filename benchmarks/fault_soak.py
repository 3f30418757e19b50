"""The long fault soak: a keyword harvest against a gateway that fails in every way it can, to its end.

The CI test (``tests/integration/test_reliability.py``) soaks ~5,000 offers
for about a minute; this runs the same mix of faults over a larger keyword
(default 手机壳, 62,000 offers) and longer, so that rare combinations (a
token expiring during a burst of throttling, a timeout on a retried call)
actually happen. It prints what was injected against what was survived and
fails (exit 1) when any offer is missing or duplicated, or a fault is not
accounted for in the crawl's stats.

    python -m benchmarks.fault_soak [--keyword 手机壳] [--qps 0]   (from the repository root)
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harvester.sandbox.catalogue import Catalogue
from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import SOAK_FAULTS, crawl

from .common import RESULTS, child_timing, machine_info
from .report import markdown_table, write_json

#: The suite's fault mix, and a stall long enough that every stalled answer times out.
FAULTS: dict[str, Any] = {**SOAK_FAULTS, "stall_seconds": 30}
RETRIED = ("server_error", "timeout", "malformed", "html_error")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keyword", default="手机壳")
    parser.add_argument("--qps", type=float, default=0.0, help="OPEN1688_QPS of the crawl (0: as fast as it goes)")
    options = parser.parse_args()
    expected = {int(i) for i in Catalogue(seed=1688, size=1_000_000).search(keyword=options.keyword)}
    work = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    # The token expires a third and two thirds of the way through (in product-API calls made).
    calls = math.ceil(len(expected) / 50) + len(expected)  # pages, then one detail call per offer
    with SandboxProcess() as sandbox:
        sandbox.admin.config(faults={**FAULTS, "expire_tokens_after": [calls // 3, 2 * calls // 3]})
        with child_timing() as timing:
            run = crawl(
                "keyword",
                work / "data",
                sandbox=sandbox,
                args={"keywords": options.keyword},
                settings={
                    "OPEN1688_QPS": options.qps,
                    "OPEN1688_RETRY_TIMES": 8,
                    "DOWNLOAD_TIMEOUT": 3,
                    "OPEN1688_RETRY_BACKOFF": 0.05,
                    "OPEN1688_RETRY_BACKOFF_MAX": 0.5,
                },
                timeout=3600,
            )
        served = sandbox.admin.stats()
    stats = run.stats
    injected = served["faults"]
    offers = run.table("products").column("offer_id").to_pylist() if run.returncode == 0 else []
    throttled = served["calls_by_code"].get("fault.qos_burst", 0)
    rows: list[list[Any]] = [
        [
            "5xx, timeouts, malformed JSON, HTML pages",
            sum(injected.get(k, 0) for k in RETRIED),
            stats.get("harvester/api/retry/count", 0),
        ],
        [
            "  of which timeouts",
            injected.get("timeout", 0),
            stats.get("harvester/api/exceptions/scrapy.exceptions.DownloadTimeoutError", 0),
        ],
        ["gw.QosAppFrequencyLimit (bursts)", throttled, stats.get("harvester/api/throttled_retries", 0)],
        ["access token expired", injected.get("token_expiry", 0), run.stderr.count("Refreshed the access token")],
        ["calls given up", "-", sum(v for k, v in stats.items() if k.startswith("harvester/api/gave_up/"))],
        ["offers expected / harvested", len(expected), len(offers)],
        ["offers duplicated / missing", "-", f"{len(offers) - len(set(offers))} / {len(expected - set(offers))}"],
    ]
    headers = ["fault", "injected", "survived (retried, refreshed, harvested)"]
    print(markdown_table(headers, rows, right=(1, 2)))
    print(f"\n{options.keyword}: {run.returncode=}, {timing.wall:.0f} s, {served['calls_total']:,} calls")
    write_json(
        {
            "benchmark": "fault_soak",
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine_info(),
            "headers": headers,
            "rows": rows,
            "notes": {
                "keyword": options.keyword,
                "wall_seconds": round(timing.wall, 1),
                "calls": served["calls_total"],
                "returncode": run.returncode,
            },
        },
        RESULTS / "fault_soak.json",
    )
    complete = run.returncode == 0 and set(offers) == expected and len(offers) == len(expected)
    accounted = rows[0][1] == rows[0][2] and rows[2][1] == rows[2][2] and rows[3][1] == rows[3][2]
    if not complete or not accounted:
        print(
            "FAILED: " + ("offers missing or duplicated" if not complete else "a fault was not accounted for"),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
