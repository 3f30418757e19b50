"""What every benchmark shares: timing child processes, where results go, which machine measured them.

Figures are measured, never assumed: wall time and the CPU time of the
crawl's own process (from ``getrusage`` of the finished child), so that a
noisy shared machine shows up as wall time, not as CPU per offer.
"""

from __future__ import annotations

import platform
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Timing:
    wall: float = 0.0
    cpu: float = 0.0


@contextmanager
def child_timing() -> Iterator[Timing]:
    """Wall time and the CPU time (user + system) of the child processes that finished inside the block."""
    timing = Timing()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    yield timing
    timing.wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    timing.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cpu_model() -> str:
    """The CPU's marketing name (``/proc/cpuinfo`` on Linux; ``platform.processor()`` elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_info() -> dict[str, Any]:
    """Where figures were measured: they mean little without the CPU, the cores and the versions."""
    import scrapy

    return {
        "host": platform.node() or "host",
        "cpu": cpu_model(),
        "cores": psutil.cpu_count(logical=True),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "scrapy": scrapy.__version__,
    }
