"""Running what is measured as child processes, and watching them: wall time, CPU time, peak RSS.

Crawls run as the ``scrapy crawl`` command users run (``crawl_command`` from
the sandbox's testing module), never in-process: a Twisted reactor runs once
per process, and the figures must be those of the command. CPU time comes
from ``getrusage`` of the finished children (exact, every thread); peak RSS
from psutil samples every 50 ms (the kernel's ``ru_maxrss`` of children is
the largest of *all* children ever waited for, so it cannot tell one crawl
from the previous one). The sandbox's CPU is measured apart, so that the
harvester's CPU per offer is its own.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import ROOT, CrawlRun, crawl_command

from .common import child_timing

#: Seconds between RSS samples.
_SAMPLE = 0.05


@dataclass
class Usage:
    wall: float = 0.0
    #: User + system seconds of the processes run (all of them together).
    cpu: float = 0.0
    #: Largest RSS any one of them reached, in bytes.
    peak_rss: int = 0
    #: ``(seconds since start, RSS bytes)`` samples of the first process, every 50 ms.
    rss_timeline: list[tuple[float, int]] = field(default_factory=list)

    def rss_slope(self, after: float, windows: int = 8) -> float:
        """How fast the RSS troughs rise (bytes per second), from a share of the wall time on.

        A crawl's RSS swings by tens of MB as row groups fill and are written:
        a peak (or any one sample) taken at the wrong phase of that swing shows
        growth or shrinkage that is not there, and even a least-squares line
        through every sample leans with the teeth. The lowest sample of each of
        ``windows`` equal windows (each longer than a tooth) is what the crawl
        keeps once its buffers are written; the least-squares slope of those is
        the trend.
        """
        width = (1 - after) * self.wall / windows
        points = []
        for n in range(windows):
            start = after * self.wall + n * width
            inside = [rss for t, rss in self.rss_timeline if start <= t < start + width]
            if inside:
                points.append((start + width / 2, min(inside)))
        if len(points) < 2:
            return 0.0
        mean_t = sum(t for t, _ in points) / len(points)
        mean_rss = sum(rss for _, rss in points) / len(points)
        spread = sum((t - mean_t) ** 2 for t, _ in points)
        return sum((t - mean_t) * (rss - mean_rss) for t, rss in points) / spread if spread else 0.0

    def rss_range(self, after: float) -> tuple[int, int]:
        """Lowest and highest RSS sampled from a share of the wall time on."""
        values = [rss for t, rss in self.rss_timeline if t >= after * self.wall] or [0]
        return min(values), max(values)


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str


class _PeakRss:
    """Samples the RSS of some processes from a thread; keeps each one's peak, and the first one's timeline."""

    def __init__(self, pids: Sequence[int]) -> None:
        self.peaks = {pid: 0 for pid in pids}
        self.timeline: list[tuple[float, int]] = []
        self._first = pids[0]
        self._start = time.perf_counter()
        self._processes = [psutil.Process(pid) for pid in pids]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            for process in self._processes:
                try:
                    rss = process.memory_info().rss
                except psutil.Error:  # exited between samples
                    continue
                if not rss:  # exited, not yet waited for: a zombie holds no memory
                    continue
                self.peaks[process.pid] = max(self.peaks[process.pid], rss)
                if process.pid == self._first:
                    self.timeline.append((time.perf_counter() - self._start, rss))
            if self._stop.wait(_SAMPLE):
                return

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return max(self.peaks.values(), default=0)


def run_all(
    commands: Sequence[tuple[list[str], dict[str, str]]], logs: Path, timeout: float
) -> tuple[list[Finished], Usage]:
    """Run commands side by side (from the repository root) to their end; their output and their usage.

    Output goes to files under ``logs`` rather than pipes, so a chatty crawl
    can never block on a full pipe while the others are waited for.
    """
    logs.mkdir(parents=True, exist_ok=True)
    started: list[tuple[subprocess.Popen[bytes], Path, Path]] = []
    with child_timing() as timing:
        for n, (command, env) in enumerate(commands):
            out, err = logs / f"{n}.out", logs / f"{n}.err"
            with out.open("wb") as stdout, err.open("wb") as stderr:
                started.append((subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr), out, err))
        watch = _PeakRss([process.pid for process, _, _ in started])
        try:
            for process, _, _ in started:
                process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            for process, _, _ in started:
                process.kill()
                process.wait()
            raise
        finally:
            peak = watch.stop()
    finished = [
        Finished(process.returncode, out.read_text("utf-8", "replace"), err.read_text("utf-8", "replace"))
        for process, out, err in started
    ]
    return finished, Usage(timing.wall, timing.cpu, peak, watch.timeline)


@dataclass
class CrawlResult:
    run: CrawlRun
    usage: Usage
    #: CPU seconds the sandbox spent serving the crawl.
    sandbox_cpu: float
    #: The sandbox's ``/_sandbox/stats`` after the crawl (counters reset before it).
    served: dict[str, Any] = field(default_factory=dict)

    @property
    def offers(self) -> int:
        return sum(report["stats"].get("harvester/details/fetched", 0) for report in self.run.reports)

    @property
    def stats(self) -> dict[str, Any]:
        return self.run.stats


@contextmanager
def sandbox_cpu(sandbox: SandboxProcess) -> Iterator[list[float]]:
    """The sandbox's CPU seconds spent inside the block, in the one-element list yielded."""
    process = psutil.Process(sandbox.pid)
    before = process.cpu_times()
    spent = [0.0]
    yield spent
    after = process.cpu_times()
    spent[0] = (after.user - before.user) + (after.system - before.system)


def crawl(
    spider: str,
    data_dir: Path,
    sandbox: SandboxProcess,
    *,
    args: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
    profile: Path | None = None,
    timeout: float = 3600,
    crawl_id: str | None = None,
) -> CrawlResult:
    """``scrapy crawl`` against ``sandbox`` (counters reset first), watched; under cProfile when ``profile``.

    Give ``crawl_id`` when ``data_dir`` holds earlier crawls: the result then reads its own crawl's report.

    A crawl cut by ``CLOSESPIDER_TIMEOUT`` exits 1 (it did not get everything) but is a measurement, not a failure.
    """
    command, env = crawl_command(spider, data_dir, sandbox=sandbox, args=args, settings=settings, crawl_id=crawl_id)
    if profile is not None:
        command[1:1] = ["-m", "cProfile", "-o", str(profile)]
    sandbox.admin.reset()
    with sandbox_cpu(sandbox) as served_cpu:
        (finished,), usage = run_all([(command, env)], data_dir.parent / f"logs-{data_dir.name}", timeout)
    run = CrawlRun(finished.returncode, finished.stdout, finished.stderr, data_dir, crawl_id)
    if run.returncode != 0 and not (run.reports and run.report["finish_reason"] == "closespider_timeout"):
        raise RuntimeError(f"{' '.join(command[:6])}... exited {run.returncode}:\n{run.stderr[-3000:]}")
    return CrawlResult(run, usage, served_cpu[0], sandbox.admin.stats())


def python_module(module: str, *arguments: str) -> list[str]:
    """The command line of ``python -m module arguments`` with this interpreter."""
    return [sys.executable, "-m", module, *arguments]


def dataset_bytes(data_dir: Path) -> int:
    """Bytes of the dataset's tables under ``data_dir`` (not the ``_reports`` and other ``_`` folders beside them)."""
    return sum(
        path.stat().st_size
        for path in data_dir.rglob("*")
        if path.is_file() and not path.relative_to(data_dir).parts[0].startswith("_")
    )


class Harvests:
    """Quota-off crawls of a keyword in a sandbox catalogue of a given size, each run once per suite.

    The CPU-ceiling and the scale benchmarks read the same crawls (the 1-worker
    ceiling *is* the 10,000-offer crawl), so a suite pays for each only once.
    """

    def __init__(self, work: Path) -> None:
        self.work = work
        self._done: dict[tuple[int, str], CrawlResult] = {}
        self._numbers = itertools.count()

    def get(self, catalogue: int, keyword: str) -> CrawlResult:
        key = (catalogue, keyword)
        if key not in self._done:
            self._done[key] = self.run(catalogue, keyword)
        return self._done[key]

    def run(self, catalogue: int, keyword: str, profile: Path | None = None) -> CrawlResult:
        """A fresh crawl (never cached) in a fresh sandbox of ``catalogue`` offers; under cProfile when ``profile``."""
        name = f"{catalogue}-{next(self._numbers)}{'-profiled' if profile else ''}"
        with SandboxProcess(arguments=("--offers", str(catalogue))) as sandbox:
            return crawl(
                "keyword",
                self.work / name / "data",
                sandbox,
                args={"keywords": keyword},
                settings={"OPEN1688_QPS": 0},
                profile=profile,
            )
