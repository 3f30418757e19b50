"""A sandbox in a subprocess, a client for its admin API, and crawls run against it: for tests, benchmarks, demos.

``SandboxProcess`` runs ``python -m harvester.sandbox --port 0 --json``,
reads the JSON line it prints (base URL, credentials) and kills it on exit;
``SandboxAdmin`` wraps the ``/_sandbox/`` endpoints with ``requests``.
``crawl`` runs a real ``scrapy crawl`` process (a Twisted reactor runs once
per process, and what users run is the command: its exit status, its
one-line errors, its files); results come from the dataset and the JSON
crawl report, never from parsing logs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import requests

from ..dataset.snapshot import latest_snapshot
from ..extensions.crawl_report import report_dir
from ..schema import reader_schema
from .server import Credentials

#: Seconds a test waits for something that must happen (a condition, a crawl's end) before it calls the run hung:
#: a safety net far above what any healthy run takes, saturated cores included; never what a healthy run meets.
PATIENCE = 240.0
#: ``DOWNLOAD_TIMEOUT`` of crawls against a sandbox that stalls answers on purpose (the ``timeout`` fault): no
#: healthy answer takes this long even on saturated cores, so what times out is what the sandbox stalled.
ANSWER_TIMEOUT = 5.0
#: The sandbox's ``stall_seconds`` for those crawls: far past ``ANSWER_TIMEOUT``, so every stall times out.
STALL_SECONDS = 60.0


def wait_until(condition: Callable[[], object], what: str, *, check: Callable[[], None] | None = None) -> None:
    """Poll ``condition`` until it is true; ``check`` (e.g. "the process is still running") asserts meanwhile.

    How long it takes is the machine's business: only a run that never gets there fails, after ``PATIENCE``.
    """
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if check is not None:
            check()
        assert time.monotonic() < deadline, f"still waiting after {PATIENCE:g} s until {what}"
        time.sleep(0.05)  # polling the condition, not waiting for something to happen


class SandboxAdmin:
    def __init__(self, base_url: str, session: requests.Session | None = None, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self._session = session or requests.Session()
        self._timeout = timeout

    def _call(self, method: str, action: str, body: dict[str, Any] | None = None) -> Any:
        answer = self._session.request(method, f"{self.base_url}/_sandbox/{action}", json=body,
                                       timeout=self._timeout)
        if answer.status_code != 200:
            raise RuntimeError(f"sandbox admin {method} {action}: HTTP {answer.status_code} {answer.text}")
        return answer.json()

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "stats")

    def config(self, **changes: Any) -> dict[str, Any]:
        """The configuration after applying ``changes`` (none: just read it)."""
        return self._call("POST", "config", changes) if changes else self._call("GET", "config")

    def reset(self) -> dict[str, Any]:
        return self._call("POST", "reset")

    def drift(self, epochs: int = 1) -> int:
        return self._call("POST", "drift", {"epochs": epochs})["epoch"]

    def expire_tokens(self, refresh_tokens: bool = False) -> dict[str, int]:
        return self._call("POST", "expire_tokens", {"refresh_tokens": refresh_tokens})

    def credentials(self) -> Credentials:
        return Credentials(**self._call("GET", "credentials"))


@dataclass
class SandboxProcess:
    """``python -m harvester.sandbox`` in a child process; use as a context manager."""

    arguments: tuple[str, ...] = ()
    startup_timeout: float = 60.0

    def __post_init__(self) -> None:
        self.base_url = ""
        self.port = 0
        self.credentials: Credentials | None = None
        self.initial_config: dict[str, Any] = {}
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> SandboxProcess:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "harvester.sandbox", "--port", "0", "--json", *self.arguments],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            code = self._process.wait(timeout=self.startup_timeout)
            raise RuntimeError(f"the sandbox exited with status {code} before announcing itself")
        announced = json.loads(line)
        self.base_url = announced["base_url"]
        self.port = announced["port"]
        self.credentials = Credentials(
            **{key: announced[key] for key in ("app_key", "app_secret", "access_token", "refresh_token")}
        )
        self.initial_config = self.admin.config()
        return self

    @property
    def pid(self) -> int:
        assert self._process is not None, "start() the sandbox first"
        return self._process.pid

    @property
    def admin(self) -> SandboxAdmin:
        return SandboxAdmin(self.base_url)

    def restore(self) -> None:
        """Back to the configuration it started with (epoch included), counters reset."""
        config = dict(self.initial_config)
        self.admin.config(**config)
        self.admin.reset()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process is not None and self._process.stdout is not None:
            self._process.stdout.close()

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()


#: The repository root: crawls run from there so `scrapy` finds scrapy.cfg.
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CrawlRun:
    returncode: int
    stdout: str
    stderr: str
    data_dir: Path
    #: The crawl id the run was given (``None``: generated by the crawl).
    crawl_id: str | None = None

    @property
    def reports(self) -> list[dict[str, Any]]:
        """The JSON crawl reports this run left (one per worker), of its own crawl id when it was given one."""
        folder = report_dir(self.data_dir)
        pattern = f"{self.crawl_id}-*.json" if self.crawl_id else "*.json"
        return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob(pattern))]

    @property
    def report(self) -> dict[str, Any]:
        reports = self.reports
        assert len(reports) == 1, f"expected one crawl report, found {len(reports)}:\n{self.stderr[-3000:]}"
        return reports[0]

    @property
    def stats(self) -> dict[str, Any]:
        return self.report["stats"]

    def stat(self, name: str) -> Any:
        return self.stats.get(name, 0)

    def table(self, name: str) -> pa.Table:
        """Every row of one table in the data folder (all crawls), read with the current schema."""
        folder = self.data_dir / name
        if not folder.is_dir():
            return reader_schema(name).empty_table()
        dataset = ds.dataset(folder, format="parquet", partitioning="hive", schema=reader_schema(name))
        return dataset.to_table()

    def rows(self, name: str) -> list[dict[str, Any]]:
        """This run's rows of one table (the run must have been given its crawl id)."""
        assert self.crawl_id, "give the crawl a crawl_id to read its own rows"
        return latest_snapshot(self.data_dir, [name], crawl_id=self.crawl_id)[name].to_pylist()

    def error_lines(self) -> list[str]:
        """The command's own one-line refusals (``harvester: ...``)."""
        return [line for line in self.stderr.splitlines() if line.startswith("harvester: ")]

    def errors(self) -> list[str]:
        """The messages of the log's ERROR lines, and the command's one-line refusals."""
        return [line.split(" ERROR: ", 1)[-1] for line in self.stderr.splitlines()
                if " ERROR: " in line or line.startswith("harvester: ")]


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


def crawl_command(
    spider: str,
    data_dir: Path,
    *,
    sandbox: SandboxProcess | None = None,
    args: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    crawl_id: str | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of ``scrapy crawl spider`` on ``sandbox`` (embedded when None)."""
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
    if crawl_id is not None:
        all_settings["HARVEST_CRAWL_ID"] = crawl_id
    all_settings.update(settings or {})
    for name, value in all_settings.items():
        command += ["-s", f"{name}={value if not isinstance(value, (dict, list)) else json.dumps(value)}"]
    if env is None:
        env = sandbox_env(sandbox) if sandbox is not None else {
            k: v for k, v in os.environ.items() if not k.startswith("OPEN1688_")
        }
    return command, env


def crawl(
    spider: str,
    data_dir: Path,
    *,
    sandbox: SandboxProcess | None = None,
    args: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    crawl_id: str | None = None,
    timeout: float = PATIENCE,
) -> CrawlRun:
    """Run ``scrapy crawl spider`` on ``sandbox`` (or on the embedded one when ``sandbox`` is None) to its end."""
    command, env = crawl_command(spider, data_dir, sandbox=sandbox, args=args, settings=settings, env=env,
                                 crawl_id=crawl_id)
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            raise AssertionError(f"crawl still running after {timeout} s:\n{stderr[-3000:]}") from None
        returncode = process.returncode
    return CrawlRun(returncode, stdout, stderr, data_dir, crawl_id)
