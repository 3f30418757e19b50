"""Running ``scrapy`` commands as a user would: a subprocess in the project, with a clean environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.crawls import PATIENCE

ROOT = Path(__file__).resolve().parents[2]
#: Variables of the user's shell that would change what a command under test sees.
_CLEARED = ("OPEN1688_", "HARVEST_", "REDIS_URL", "SCRAPY_")


def environment(home: Path, **variables: str) -> dict[str, str]:
    """The current environment without harvester/Scrapy variables, ``HOME`` in a temporary folder."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(_CLEARED)}
    return {**env, "HOME": str(home), **variables}


def scrapy(
    *arguments: str, env: dict[str, str], stdin: str | None = None, **options: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *arguments],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        check=False,
        **options,
    )


@contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections for as long as the ``with`` block runs.

    The port stays bound (never listening) meanwhile: a port merely free a moment ago could be taken by any
    process that binds port 0, and a test expecting "connection refused" would then talk to it.
    """
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


def free_port() -> int:
    """A loopback port free at this instant, for a server that must bind it itself (it may be taken meanwhile:
    the caller starts the server again on another when its start fails)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
