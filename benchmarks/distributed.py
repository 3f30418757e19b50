"""N distributed workers on one keyword crawl: one sandbox, one private redis-server, the commands users run.

A :class:`Cluster` serves every run of a benchmark from one sandbox (the
default catalogue) and one :class:`~tests.support.redis_server.RedisServer`
(ephemeral loopback port, no persistence), so the machine's own Redis, if
any, is never touched. It first renders the keywords' offers into the
sandbox's cache with one single-process crawl: the gateway then answers in
well under a millisecond, and the figures are the workers'.

Each run starts its workers (``scrapy crawl keyword --distributed``, one
``HARVEST_CRAWL_ID``), waits until all have joined the crawl in Redis,
queues the keywords with ``scrapy enqueue`` and times from there until the
sandbox has served every offer's details: the workers' start-up and idle
tail (``HARVEST_REDIS_IDLE_CLOSE``) are left out of the wall time, not out of
the CPU time, which counts every worker's whole process.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from secrets import token_hex
from types import TracebackType
from typing import Any

from harvester.distributed.keys import CrawlKeys
from harvester.sandbox.catalogue import Catalogue
from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import ROOT, CrawlRun, crawl_command
from tests.support.redis_server import RedisServer

from . import runs
from .common import child_timing

#: Seconds the workers may take to join, to harvest, and to finish: past it they are killed.
TIMEOUT = 300.0


@dataclass
class DistributedRun:
    """What one run of N workers did."""

    workers: int
    offers: int
    #: Seconds from ``scrapy enqueue`` until the sandbox had served every offer's details.
    seconds: float
    #: User + system seconds of every worker's whole process (and of ``scrapy enqueue``).
    cpu: float
    #: The sandbox's ``/_sandbox/stats`` for the run (counters reset when the keywords were queued).
    served: dict[str, Any] = field(default_factory=dict)
    #: API calls each worker made, most first.
    calls: list[int] = field(default_factory=list)

    @property
    def offers_per_second(self) -> float:
        return self.offers / self.seconds

    @property
    def calls_per_second(self) -> float:
        return self.served["calls_total"] / self.seconds

    def shares(self) -> str:
        """Each worker's share of the calls, most first: ``"38% / 33% / 29%"``."""
        total = max(sum(self.calls), 1)
        return " / ".join(f"{calls / total:.0%}" for calls in self.calls)


class Cluster:
    """One sandbox and one redis-server, warmed for ``keywords``; use as a context manager."""

    def __init__(self, work: Path, keywords: Sequence[str], prefetch: int = 8) -> None:
        self.work = work
        self.keywords = list(keywords)
        self.prefetch = prefetch
        self.sandbox = SandboxProcess()
        self.redis = RedisServer()
        self._stack = ExitStack()
        self._catalogue: Catalogue | None = None

    def __enter__(self) -> Cluster:
        with ExitStack() as stack:
            stack.enter_context(self.redis)
            stack.enter_context(self.sandbox)
            runs.crawl(
                "keyword",
                self.work / "warm",
                self.sandbox,
                args={"keywords": ",".join(self.keywords)},
                settings={"OPEN1688_QPS": 0},
            )
            self._catalogue = Catalogue(self.sandbox.initial_config["seed"], self.sandbox.initial_config["offers"])
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stack.close()

    def offers(self, keywords: Sequence[str]) -> int:
        """How many distinct offers the sandbox's search finds for ``keywords``."""
        assert self._catalogue is not None, "enter the cluster first"
        return len({offer for keyword in keywords for offer in self._catalogue.search(keyword=keyword)})

    def run(self, workers: int, keywords: Sequence[str], qps: float) -> DistributedRun:
        """``workers`` workers harvesting ``keywords`` with ``OPEN1688_QPS=qps`` (0: no quota).

        The sandbox enforces the same limit (answering ``gw.QosAppFrequencyLimit`` above it), as 1688's gateway does.
        """
        offers = self.offers(keywords)
        self.sandbox.admin.config(qps=qps)
        crawl_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{token_hex(3)}"
        prefix = f"bench-{token_hex(4)}"
        settings = {
            "REDIS_URL": self.redis.url,
            "HARVEST_REDIS_PREFIX": prefix,
            "OPEN1688_QPS": qps,
            "HARVEST_REDIS_IDLE_CLOSE": 1,
            "HARVEST_REDIS_PREFETCH": self.prefetch,
        }
        data_dir = self.work / f"{workers}-workers-qps{qps:g}-{crawl_id}" / "data"
        logs = data_dir.parent / "logs"
        logs.mkdir(parents=True)
        with child_timing() as timing, ExitStack() as stack:
            processes = []
            for n in range(workers):
                command, env = crawl_command(
                    "keyword",
                    data_dir,
                    sandbox=self.sandbox,
                    crawl_id=crawl_id,
                    settings={**settings, "HARVEST_WORKER_ID": f"w{n + 1}"},
                )
                err = stack.enter_context((logs / f"w{n + 1}.err").open("wb"))
                processes.append(
                    subprocess.Popen(
                        [*command, "--distributed"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err
                    )
                )
            stack.callback(_kill, processes)
            client = stack.enter_context(self.redis.client())
            joined = CrawlKeys(f"{prefix}:{crawl_id}:keyword").workers
            _wait_until(lambda: client.zcard(joined) >= workers, f"{workers} workers joined the crawl", processes)
            self.sandbox.admin.reset()
            command, env = crawl_command(
                "keyword", data_dir, sandbox=self.sandbox, crawl_id=crawl_id, settings=settings
            )
            enqueue = [
                *command[: command.index("crawl")],
                "enqueue",
                "keyword",
                *keywords,
                *command[command.index("keyword") + 1 :],
            ]
            start = time.perf_counter()
            queued = subprocess.run(enqueue, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
            if queued.returncode != 0:
                raise RuntimeError(f"scrapy enqueue exited {queued.returncode}: {_last_line(queued.stderr)}")
            _wait_until(
                lambda: self.sandbox.admin.stats()["detail_served_distinct"] >= offers,
                f"the sandbox served all {offers:,} offers",
                processes,
            )
            seconds = time.perf_counter() - start
            served = self.sandbox.admin.stats()
            for n, process in enumerate(processes):
                if process.wait(timeout=TIMEOUT) != 0:
                    raise RuntimeError(
                        f"worker w{n + 1} exited {process.returncode}: "
                        f"{_last_line((logs / f'w{n + 1}.err').read_text('utf-8', 'replace'))}"
                    )
        reports = CrawlRun(0, "", "", data_dir, crawl_id).reports
        calls = sorted((report["stats"].get("harvester/quota/calls", 0) for report in reports), reverse=True)
        return DistributedRun(workers, offers, seconds, timing.cpu, served, calls)


def _wait_until(condition: Callable[[], bool], what: str, processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """Poll ``condition``; fail at once when a worker died, or after :data:`TIMEOUT`."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        dead = [process.returncode for process in processes if process.poll() not in (None, 0)]
        if dead:
            raise RuntimeError(f"a worker exited {dead[0]} before {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"not {what} after {TIMEOUT:.0f} s")
        time.sleep(0.02)  # polling a condition (Redis, the sandbox's counters), not a fixed wait


def _kill(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """Workers still running when a run fails must not outlive it."""
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def _last_line(text: str) -> str:
    """The last non-blank line of a command's stderr: usually what went wrong."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"
