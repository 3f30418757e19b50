"""Real ``scrapy crawl`` runs against the sandbox fixture, and what they left: the dataset and the crawl report.

Every crawl test goes through :func:`run_crawl`: a subprocess started from
the repository root as a user would start it (gateway and app key as
settings, secret and token in the environment), writing its dataset under
the test's folder. Each run gets a crawl id of its own, later than every
earlier one of the session, so "the latest crawl" is always the last run
and a test reads exactly the rows of the crawl it means.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import pyarrow as pa

from harvester.dataset.snapshot import latest_snapshot
from harvester.extensions.crawl_report import report_dir
from harvester.sandbox.testing import SandboxProcess

ROOT = Path(__file__).parents[2]
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
_runs = itertools.count(1)


def next_crawl_id() -> str:
    """A generated-form crawl id, one second after the previous run's."""
    number = next(_runs)
    return f"{(_EPOCH + timedelta(seconds=number)):%Y%m%dT%H%M%SZ}-{number:06x}"


@dataclass
class Crawl:
    crawl_id: str
    returncode: int
    stdout: str
    stderr: str
    data_dir: Path

    @cached_property
    def report(self) -> dict[str, Any]:
        """The JSON crawl report of this run (one worker)."""
        (path,) = report_dir(self.data_dir).glob(f"{self.crawl_id}-*.json")
        return json.loads(path.read_text(encoding="utf-8"))

    @property
    def stats(self) -> dict[str, Any]:
        return self.report["stats"]

    def stat(self, name: str) -> Any:
        return self.stats.get(name, 0)

    def table(self, name: str) -> pa.Table:
        """This run's rows of one table."""
        return latest_snapshot(self.data_dir, [name], crawl_id=self.crawl_id)[name]

    def rows(self, name: str) -> list[dict[str, Any]]:
        return self.table(name).to_pylist()

    def errors(self) -> list[str]:
        """The messages of the log's ERROR lines, and the command's own one-line refusals (``harvester: ...``)."""
        return [line.split(" ERROR: ", 1)[-1] for line in self.stderr.splitlines()
                if " ERROR: " in line or line.startswith("harvester: ")]


def run_crawl(
    sandbox: SandboxProcess,
    spider: str,
    data_dir: Path,
    *arguments: str,
    settings: dict[str, Any] | None = None,
    timeout: float = 180,
) -> Crawl:
    """``scrapy crawl spider -a argument...`` against ``sandbox``; ``arguments`` are ``name=value`` strings."""
    assert sandbox.credentials is not None
    crawl_id = next_crawl_id()
    values = {
        "OPEN1688_GATEWAY": sandbox.base_url,
        "OPEN1688_APP_KEY": sandbox.credentials.app_key,
        "HARVEST_DATA_DIR": str(data_dir),
        "HARVEST_CRAWL_ID": crawl_id,
        # The sandbox answers as fast as it can: no pacing, no progress lines, no report samples to wait for.
        "OPEN1688_QPS": 0,
        "HARVEST_PROGRESS_INTERVAL": 0,
        "HARVEST_REPORT_SAMPLE_INTERVAL": 0,
        **(settings or {}),
    }
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for argument in arguments:
        command += ["-a", argument]
    for name, value in values.items():
        command += ["-s", f"{name}={value}"]
    env = {name: value for name, value in os.environ.items() if not name.startswith(("OPEN1688_", "HARVEST_"))}
    env.update(OPEN1688_APP_SECRET=sandbox.credentials.app_secret,
               OPEN1688_ACCESS_TOKEN=sandbox.credentials.access_token)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    return Crawl(crawl_id, done.returncode, done.stdout, done.stderr, data_dir)
