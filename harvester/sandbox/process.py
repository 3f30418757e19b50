"""A sandbox gateway in a subprocess, and a client for its admin API.

``SandboxProcess`` runs ``python -m harvester.sandbox --port 0 --json``,
reads the JSON line it prints (base URL, credentials) and kills it on exit;
``scrapy doctor`` checks a sandbox started this way when no app key is set,
and tests, benchmarks and demos steer one through ``SandboxAdmin`` (the
``/_sandbox/`` endpoints, with ``requests``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import requests

from .server import Credentials


class SandboxAdmin:
    def __init__(self, base_url: str, session: requests.Session | None = None, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self._session = session or requests.Session()
        self._timeout = timeout

    def _call(
        self, method: str, action: str, body: dict[str, Any] | None = None, query: dict[str, Any] | None = None
    ) -> Any:
        answer = self._session.request(
            method, f"{self.base_url}/_sandbox/{action}", json=body, params=query, timeout=self._timeout
        )
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

    def drift_log(
        self,
        from_epoch: int = 0,
        to_epoch: int | None = None,
        *,
        keyword: str | None = None,
        cursor: int | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        """What changed between two epochs (``to``: the current one): a keyword's offers or a page of the catalogue.

        The answer of ``GET /_sandbox/drift`` (see :mod:`harvester.sandbox.admin`); events under ``"events"``.
        """
        query = {"from": from_epoch, "to": to_epoch, "keyword": keyword, "cursor": cursor, "limit": limit}
        return self._call("GET", "drift", query={key: value for key, value in query.items() if value is not None})

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

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
