"""kill -9 a single-machine crawl at random points and resume it from its JOBDIR: nothing lost, nothing twice.

Each run is killed once the sandbox has served a chosen number of calls since
the run started (a condition polled with a deadline, never a sleep); the
points are drawn from a fixed seed. The last run goes to the end. Part files
are kept small (20 rows: a detail is one call, so a run killed after 30 to
110 calls holds a few dozen products) so that committed files, the progress
a killed run keeps, appear all through the crawl.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from harvester.sandbox.catalogue import Catalogue
from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import ROOT, crawl_command

pytestmark = pytest.mark.e2e

KEYWORD = "儿童保温杯"
KILLS = 5


def _wait_for_calls(sandbox: SandboxProcess, target: int, process: subprocess.Popen, deadline: float) -> bool:
    """True once the sandbox served ``target`` calls; False if the crawl ended first."""
    while sandbox.admin.stats()["calls_total"] < target:
        if process.poll() is not None:
            return False
        assert time.monotonic() < deadline, "the crawl made no progress"
        time.sleep(0.02)  # polling the condition, not waiting for it to happen
    return True


def test_killed_five_times_and_resumed_holds_every_offer_once(sandbox: SandboxProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    command, env = crawl_command(
        "keyword", data_dir, sandbox=sandbox, args={"keywords": KEYWORD},
        settings={"JOBDIR": str(tmp_path / "job"), "OPEN1688_QPS": 80, "HARVEST_ROW_GROUP_ROWS": 10,
                  "HARVEST_FILE_ROWS": 20, "HARVEST_REPORT_SAMPLE_INTERVAL": 0},
    )
    # A recovering run fetches the ~100 search pages again before the last batches: kill it before that ends.
    points = random.Random(1688).sample(range(30, 110), KILLS)
    killed = 0
    for point in points:
        start = sandbox.admin.stats()["calls_total"]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if _wait_for_calls(sandbox, start + point, process, time.monotonic() + 120):
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait(timeout=60)
        assert process.stderr is not None
        process.stderr.close()
    assert killed == KILLS, "every run was killed before it could finish"

    final = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert final.returncode == 0, final.stderr[-3000:]
    recovered = re.search(r"did not stop cleanly: starting it again from its units; (\d+) offers already written",
                          final.stderr)
    assert recovered and int(recovered.group(1)) > 0, "the killed runs kept what they had committed"

    assert not list(data_dir.rglob(".*.tmp")), "temporary files of killed runs are swept"
    files = sorted((data_dir / "products").rglob("part-*.parquet"))
    offers: list[int] = []
    for path in files:  # every file readable
        offers += pq.read_table(path, columns=["offer_id"]).column("offer_id").to_pylist()
    assert len({path.name.split("-")[1] for path in files}) == 1, "one crawl id throughout"
    expected = {int(i) for i in Catalogue(seed=1688, size=1_000_000).search(keyword=KEYWORD)}
    assert set(offers) == expected, "every offer"
    assert len(offers) == len(expected), "none twice"
