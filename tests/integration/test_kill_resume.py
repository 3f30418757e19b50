"""kill -9 a single-machine crawl at chosen points and resume it from its JOBDIR: nothing lost, nothing twice.

Each run is frozen at a chosen number of calls (the sandbox holds every call
after it: ``hold_after``), so it can never finish before it is killed, however
the machine schedules the test and the crawl; the test waits for the freeze
(a condition, never a sleep), kills the run and lifts the hold. The first run
is frozen deep into its details, and killed once it has committed files, the
progress a killed run keeps; the others at points drawn from a fixed seed.
The last run goes to the end. Part files are kept small so that committed
files appear all through the crawl.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
from functools import partial
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from harvester.sandbox.catalogue import Catalogue
from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import PATIENCE, ROOT, crawl_command, wait_until

pytestmark = pytest.mark.e2e

KEYWORD = "毛笔"  # 450 offers: 9 search pages and 450 details a full run
KILLS = 5
#: The APIs a keyword crawl calls: frozen, a run makes no progress the sandbox does not allow.
CRAWL_APIS = ["keyword_search", "product_detail"]
#: Where the first run freezes: however its calls interleave, at most 9 of them are search pages, so at least 121
#: details (one call each) were answered, and it commits part files of 20 rows before it is killed.
FIRST_POINT = 130


def _committed(data_dir: Path) -> bool:
    return any((data_dir / "products").rglob("part-*.parquet"))


def _running(process: subprocess.Popen, log: Path, point: int) -> None:
    assert process.poll() is None, f"the run ended before it froze at call {point}:\n{log.read_text()[-3000:]}"


def test_killed_five_times_and_resumed_holds_every_offer_once(sandbox: SandboxProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    command, env = crawl_command(
        "keyword",
        data_dir,
        sandbox=sandbox,
        args={"keywords": KEYWORD},
        settings={
            "JOBDIR": str(tmp_path / "job"),
            "OPEN1688_QPS": 80,
            "HARVEST_ROW_GROUP_ROWS": 10,
            "HARVEST_FILE_ROWS": 20,
            "HARVEST_REPORT_SAMPLE_INTERVAL": 0,
        },
    )
    # A recovering run fetches the 9 search pages again and at most 100 calls: each later point freezes it before
    # its end (which the first run alone could not reach either: 130 of 459 calls).
    points = [FIRST_POINT, *random.Random(1688).sample(range(30, 100), KILLS - 1)]
    admin = sandbox.admin
    for run, point in enumerate(points):
        admin.config(hold=CRAWL_APIS, hold_after=admin.stats()["calls_total"] + point)
        log = tmp_path / f"killed-{run}.log"  # a file: a pipe nobody reads could fill and stall the run
        with log.open("w") as stderr:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        wait_until(
            lambda: admin.stats()["held_now"] > 0 and _committed(data_dir),
            f"the run froze at call {point}, with committed files",
            check=partial(_running, process, log, point),
        )
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=PATIENCE)
        admin.config(hold=[])  # what the killed run left held is its dead connections'

    final = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=PATIENCE)
    assert final.returncode == 0, final.stderr[-3000:]
    recovered = re.search(
        r"did not stop cleanly: starting it again from its units; (\d+) offers already written", final.stderr
    )
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
