"""Running ``scrapy`` commands as a user would: a subprocess in the project, with a clean environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
#: Variables of the user's shell that would change what a command under test sees.
_CLEARED = ("OPEN1688_", "HARVEST_", "REDIS_URL", "SCRAPY_")


def environment(home: Path, **variables: str) -> dict[str, str]:
    """The current environment without harvester/Scrapy variables, ``HOME`` in a temporary folder."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(_CLEARED)}
    return {**env, "HOME": str(home), **variables}


def scrapy(*arguments: str, env: dict[str, str], stdin: str | None = None, **options: Any
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", *arguments], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120, check=False, **options)


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
