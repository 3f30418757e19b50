"""The distributed section: how a crawl scales over 1, 2 and 3 workers, and whether the shared quota holds.

With the quota off (``OPEN1688_QPS=0``, 儿童保温杯, 5,037 offers) each
worker count gives offers/s, the workers' CPU per 1,000 offers and each
worker's share of the calls: on a machine of few cores more workers
cannot go faster, but they must share the work and not cost much more CPU.
With the quota on (``OPEN1688_QPS=10``, the sandbox enforcing the same
limit; 毛笔: 462 calls, one detail call per offer, about 46 s) the most workers
must together use the quota without exceeding it: combined calls/s as a
share of it, the most calls the sandbox saw in any sliding second, and the
``gw.QosAppFrequencyLimit`` answers per 1,000 calls. The combined rate is
the steady one (:func:`steady_rate`): the mean of the sandbox's calls per
second with the ramps left out, when a crawl has only its first search page
to call or its last batches to finish.

The runs (:mod:`benchmarks.distributed`) are made once per suite and kept
by :class:`Scaling`: the CPU-ceiling section's 2-worker row reads the same run.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from .distributed import Cluster, DistributedRun
from .report import Row

SECTION = "distributed"
CHART = "Offers/s, quota off, distributed"


@dataclass(frozen=True)
class Sizes:
    """What the section crawls."""

    #: Keywords of the runs with the quota off.
    free_keywords: tuple[str, ...] = ("儿童保温杯",)
    #: Keywords of the run with the quota on (by the most workers): a few hundred calls, under a minute at 10/s.
    keywords: tuple[str, ...] = ("毛笔",)
    #: The quota of that run, and the sandbox's own limit.
    qps: float = 10.0
    workers: tuple[int, ...] = (1, 2, 3)


def workers_label(workers: int) -> str:
    return f"{workers} worker{'s' if workers != 1 else ''}"


class Scaling:
    """The section's runs, each made once: one cluster (sandbox + redis-server), started at the first run."""

    def __init__(self, work: Path, sizes: Sizes) -> None:
        self.work = work
        self.sizes = sizes
        self._stack = ExitStack()
        self._cluster: Cluster | None = None
        self._done: dict[tuple[int, float], DistributedRun] = {}

    def quota_off(self, workers: int) -> DistributedRun:
        return self._run(workers, self.sizes.free_keywords, 0.0)

    def quota_on(self) -> DistributedRun:
        return self._run(max(self.sizes.workers), self.sizes.keywords, self.sizes.qps)

    def _run(self, workers: int, keywords: tuple[str, ...], qps: float) -> DistributedRun:
        if self._cluster is None:
            self._cluster = self._stack.enter_context(
                Cluster(self.work / "distributed", self.sizes.free_keywords + self.sizes.keywords)
            )
        if (workers, qps) not in self._done:
            self._done[workers, qps] = self._cluster.run(workers, keywords, qps)
        return self._done[workers, qps]

    def close(self) -> None:
        """Stop the cluster's sandbox and redis-server (the suite calls it once every section has run)."""
        self._stack.close()


def steady_rate(series: list[list[int]]) -> float:
    """Mean calls per second of the sandbox's per-second counts while the crawl ran at full pace.

    The ramps are where a crawl cannot use its quota (at first one search page, at the end the last batches):
    the full-pace part runs from the first to the last second holding at least half the busiest second's
    calls, less one partial second at each end.
    """
    counts = [count for _, count in series]
    busy = [i for i, count in enumerate(counts) if counts and count * 2 >= max(counts)]
    if len(busy) < 4:
        return sum(counts) / len(counts) if counts else 0.0
    middle = counts[busy[0] + 1 : busy[-1]]
    return sum(middle) / len(middle)


def measure(scaling: Scaling) -> list[Row]:
    sizes = scaling.sizes
    rows: list[Row] = []
    for workers in sizes.workers:
        run = scaling.quota_off(workers)
        label = workers_label(workers)
        rows += [
            Row(
                f"offers/s, quota off, {label} (distributed)",
                run.offers_per_second,
                "offers/s",
                f"{','.join(sizes.free_keywords)}: {run.offers:,} offers in {run.seconds:.1f} s from the enqueue; "
                f"calls per worker {run.shares()}",
                SECTION,
                (CHART, label),
            ),
            Row(
                f"crawl CPU per 1,000 offers, {label} (distributed)",
                run.cpu * 1000 / run.offers,
                "CPU s",
                "every worker's whole process, start-up and idle tail included",
                SECTION,
            ),
        ]
    run = scaling.quota_on()
    label, qps = workers_label(run.workers), f"OPEN1688_QPS={sizes.qps:g}"
    throttled = run.served["calls_by_code"].get("gw.QosAppFrequencyLimit", 0)
    steady = steady_rate(run.served["calls_per_second"])
    rows += [
        Row(
            f"combined calls/s at {qps}, {label}",
            100 * steady / sizes.qps,
            "% of QPS",
            f"{steady:.2f} calls/s steady ({run.calls_per_second:.1f} from the enqueue to the last detail); "
            f"{','.join(sizes.keywords)}: {run.offers:,} offers in {run.seconds:.1f} s; "
            f"calls per worker {run.shares()}",
            SECTION,
        ),
        Row(
            f"max calls in any 1 s (sandbox), {label} at {qps}",
            run.served["max_calls_per_second"],
            "calls",
            f"the sandbox enforces the same {sizes.qps:g} calls/s",
            SECTION,
        ),
        Row(
            f"QosAppFrequencyLimit per 1,000 calls, {label}",
            throttled * 1000 / max(run.served["calls_total"], 1),
            "per 1,000 calls",
            f"{throttled} of {run.served['calls_total']:,} calls answered so at {qps}",
            SECTION,
        ),
    ]
    return rows
