"""Run real `scrapy crawl` processes against a sandbox, and read back what they left.

A crawl is a subprocess because a Twisted reactor runs once per process, and
because what users run is the command: its exit status, its one-line errors,
its files. Results come from the dataset and the JSON crawl report, never
from parsing logs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from harvester.sandbox.testing import SandboxProcess
from harvester.schema import reader_schema

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CrawlRun:
    returncode: int
    stdout: str
    stderr: str
    data_dir: Path
    reports: list[dict[str, Any]] = field(default_factory=list)

    @property
    def report(self) -> dict[str, Any]:
        assert len(self.reports) == 1, f"expected one crawl report, found {len(self.reports)}:\n{self.stderr[-3000:]}"
        return self.reports[0]

    @property
    def stats(self) -> dict[str, Any]:
        return self.report["stats"]

    def table(self, name: str) -> pa.Table:
        folder = self.data_dir / name
        if not folder.is_dir():
            return reader_schema(name).empty_table()
        dataset = ds.dataset(folder, format="parquet", partitioning="hive", schema=reader_schema(name))
        return dataset.to_table()

    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("harvester: ")]


def sandbox_env(sandbox: SandboxProcess, **extra: str) -> dict[str, str]:
    """Secrets travel by environment, as users are told to pass them."""
    assert sandbox.credentials is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPEN1688_")}
    env.update(
        OPEN1688_APP_SECRET=sandbox.credentials.app_secret,
        OPEN1688_ACCESS_TOKEN=sandbox.credentials.access_token,
        OPEN1688_REFRESH_TOKEN=sandbox.credentials.refresh_token,
    )
    env.update(extra)
    return env


def crawl(
    spider: str,
    data_dir: Path,
    *,
    sandbox: SandboxProcess | None = None,
    args: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 240,
) -> CrawlRun:
    """``scrapy crawl spider`` on ``sandbox`` (or on the embedded one when ``sandbox`` is None)."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for name, value in (args or {}).items():
        command += ["-a", f"{name}={value}"]
    all_settings: dict[str, Any] = {
        "HARVEST_DATA_DIR": str(data_dir),
        "HARVEST_PROGRESS_INTERVAL": 0,
        "OPEN1688_STATE_DIR": str(data_dir.parent / "state"),
        "OPEN1688_TOKEN_FILE": str(data_dir.parent / "token.json"),
        "LOG_LEVEL": "INFO",
    }
    if sandbox is not None:
        assert sandbox.credentials is not None
        all_settings.update(OPEN1688_GATEWAY=sandbox.base_url, OPEN1688_APP_KEY=sandbox.credentials.app_key)
    all_settings.update(settings or {})
    for name, value in all_settings.items():
        command += ["-s", f"{name}={value if not isinstance(value, (dict, list)) else json.dumps(value)}"]
    if env is None:
        env = sandbox_env(sandbox) if sandbox is not None else {
            k: v for k, v in os.environ.items() if not k.startswith("OPEN1688_")
        }
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    reports = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((data_dir / "_reports").glob("*.json"))
    ] if (data_dir / "_reports").is_dir() else []
    return CrawlRun(done.returncode, done.stdout, done.stderr, data_dir, reports)
