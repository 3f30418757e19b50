"""A scrapyd of the test's own: its config, eggs, logs and databases in a temporary folder, on 127.0.0.1.

scrapyd 1.6 cannot listen on port 0 (it then starts no web service at all),
so the port is a free ephemeral one picked just before; if another process
takes it in between, scrapyd exits and the next free port is tried.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from tests.support.crawls import PATIENCE

from .commands import free_port

#: Seconds to wait for scrapyd to listen, or for a job to finish.
ATTEMPTS = 5

CONFIG = """\
[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {root}/eggs
logs_dir = {root}/logs
dbs_dir = {root}/dbs
items_dir =
jobs_dir =
max_proc = 1
poll_interval = 0.2
"""


class Scrapyd:
    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        self.port = 0
        self.output = root / "scrapyd.out"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> Scrapyd:
        self.root.mkdir(parents=True, exist_ok=True)
        for _ in range(ATTEMPTS):
            self.port = free_port()
            # scrapyd reads ./scrapyd.conf (and ~/.scrapyd.conf: HOME is the test's) from where it runs.
            (self.root / "scrapyd.conf").write_text(CONFIG.format(port=self.port, root=self.root))
            with self.output.open("wb") as output:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "scrapyd"],
                    cwd=self.root,
                    env=self.env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            if self._listening():
                return self
        raise AssertionError(f"scrapyd did not start in {ATTEMPTS} attempts:\n{self.log()[-3000:]}")

    def _listening(self) -> bool:
        assert self._process is not None
        deadline = time.monotonic() + PATIENCE
        while f"Site starting on {self.port}" not in self.log():
            if self._process.poll() is not None:
                return False  # most likely the port was taken in between: try another
            assert time.monotonic() < deadline, f"scrapyd is not listening after {PATIENCE} s:\n{self.log()[-3000:]}"
            time.sleep(0.05)  # polling a condition, not waiting for something to happen
        return True

    def log(self) -> str:
        return self.output.read_text(errors="replace") if self.output.exists() else ""

    def call(self, endpoint: str, data: Any = None) -> dict[str, Any]:
        """One call of scrapyd's JSON API; an answer other than status ok fails the test."""
        method = requests.post if data is not None else requests.get
        answer = method(self.url + endpoint, data=data, timeout=60).json()
        assert answer.get("status") == "ok", answer
        return answer

    def wait_finished(self, job: str) -> dict[str, Any]:
        """The job's entry once scrapyd lists it as finished."""
        deadline = time.monotonic() + PATIENCE
        while True:
            finished = [entry for entry in self.call("listjobs.json")["finished"] if entry["id"] == job]
            if finished:
                return finished[0]
            assert time.monotonic() < deadline, f"job {job} not finished after {PATIENCE} s:\n{self.log()[-3000:]}"
            time.sleep(0.2)  # polling a condition, not waiting for something to happen

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
