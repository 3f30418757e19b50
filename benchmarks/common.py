"""What every benchmark shares: timing a crawl's process, printing a table, keeping the figures.

Figures are measured, never assumed: wall time and the CPU time of the
crawl's own process (from ``getrusage`` of the finished child), so that a
noisy shared machine shows up as wall time, not as CPU per offer.
"""

from __future__ import annotations

import json
import platform
import resource
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
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


def machine() -> str:
    info = machine_info()
    return (
        f"{info['host']}: {info['cores']} cores, "
        f"{info['ram_gib']:.0f} GiB, Python {info['python']}, {platform.system()}"
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (the README shows them as they are printed)."""
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.1f}" if abs(value) >= 100 else f"{value:,.3g}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def save(name: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], notes: dict[str, Any] | None = None) -> Path:
    """Keep a benchmark's figures as JSON beside the others, with when and where they were measured."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {
        "benchmark": name,
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "headers": list(headers),
        "rows": [list(row) for row in rows],
        "notes": notes or {},
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
