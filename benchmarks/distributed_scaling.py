"""Distributed crawls with 1, 2 and 3 workers: how throughput scales with the quota off, and whether the shared
quota holds with it on.

One sandbox and one private redis-server (an ephemeral port, no persistence)
serve every run; a first single-process crawl renders the keywords' offers
into the sandbox's cache, so the gateway answers in well under a
millisecond. Each run starts its workers (``scrapy crawl keyword
--distributed``), waits until all have joined the crawl in Redis, queues
the keywords with ``scrapy enqueue`` and times from there until the sandbox
has served every offer's details (the workers' idle tail is left out).

- quota off (``OPEN1688_QPS=0``, ``--free-keywords``, 5,037 offers by default):
  offers/s, and each worker's share of the calls;
- quota on (``OPEN1688_QPS`` = the sandbox's own limit, ``--keywords``, 1,090
  offers by default): combined calls/s as a share of the quota, the most
  calls the sandbox saw in any sliding second, and ``gw.QosAppFrequencyLimit``
  answers per 1,000 calls.

    python -m benchmarks.distributed_scaling [--free-keywords 儿童保温杯] [--keywords 风筝,紫砂茶具,算盘] [--qps 10]
                                             [--workers 1 2 3]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis

from harvester.distributed.keys import CrawlKeys
from harvester.sandbox.catalogue import Catalogue
from harvester.sandbox.testing import ROOT, CrawlRun, SandboxProcess, crawl, crawl_command

from .common import child_timing, save, table

DEADLINE = 600.0


@contextmanager
def redis_server() -> Iterator[str]:
    """A private redis-server on a free loopback port; yields its URL."""
    folder = tempfile.mkdtemp(prefix="bench-redis-")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no", "--dir", folder], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        wait_until(lambda: _answers(client), "redis-server answers")
        yield url
    finally:
        client.close()
        process.kill()
        process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting until {what}")
        time.sleep(0.02)


def run_workers(sandbox: SandboxProcess, redis_url: str, work: Path, name: str, workers: int,
                keywords: list[str], offers: int, qps: float, prefetch: int) -> tuple[float, CrawlRun]:
    """Seconds from the enqueue until every offer's details were served, and the run's reports."""
    crawl_id = f"20261128T200000Z-{name}"
    settings = {"REDIS_URL": redis_url, "HARVEST_REDIS_PREFIX": f"bench-{name}", "OPEN1688_QPS": qps,
                "HARVEST_REDIS_IDLE_CLOSE": 1, "HARVEST_REPORT_SAMPLE_INTERVAL": 1, "HARVEST_REDIS_PREFETCH": prefetch}
    data_dir = work / name / "data"
    processes = []
    for worker in range(workers):
        command, env = crawl_command("keyword", data_dir, sandbox=sandbox, crawl_id=crawl_id,
                                     settings={**settings, "HARVEST_WORKER_ID": f"w{worker + 1}"})
        processes.append(subprocess.Popen([*command, "--distributed"], cwd=ROOT, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    client = redis.Redis.from_url(redis_url)
    keys = CrawlKeys(f"bench-{name}:{crawl_id}:keyword")
    wait_until(lambda: client.zcard(keys.workers) >= workers, "every worker joined")
    sandbox.admin.reset()
    command, env = crawl_command("keyword", data_dir, sandbox=sandbox, crawl_id=crawl_id, settings=settings)
    enqueue = [*command[: command.index("crawl")], "enqueue", "keyword", *keywords,
               *command[command.index("keyword") + 1:]]
    start = time.perf_counter()
    subprocess.run(enqueue, cwd=ROOT, env=env, check=True, capture_output=True)
    wait_until(lambda: sandbox.admin.stats()["detail_served_distinct"] >= offers, "every offer was served")
    elapsed = time.perf_counter() - start
    for process in processes:
        if process.wait(timeout=DEADLINE) != 0:
            raise RuntimeError(f"a worker of {name} exited {process.returncode}")
    client.close()
    return elapsed, CrawlRun(0, "", "", data_dir, crawl_id)


def shares(run: CrawlRun) -> str:
    calls = sorted((report["stats"].get("harvester/quota/calls", 0) for report in run.reports), reverse=True)
    total = max(sum(calls), 1)
    return " / ".join(f"{c / total:.0%}" for c in calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--free-keywords", default="儿童保温杯", help="keywords of the runs with the quota off")
    parser.add_argument("--keywords", default="风筝,紫砂茶具,算盘", help="keywords of the runs with the quota on")
    parser.add_argument("--qps", type=float, default=10.0, help="the quota (and the sandbox's limit) of the runs with it on")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--prefetch", type=int, default=8, help="HARVEST_REDIS_PREFETCH of the workers")
    options = parser.parse_args()
    keywords, free_keywords = options.keywords.split(","), options.free_keywords.split(",")
    catalogue = Catalogue(seed=1688, size=1_000_000)
    offers = len({offer for keyword in keywords for offer in catalogue.search(keyword=keyword)})
    free_offers = len({offer for keyword in free_keywords for offer in catalogue.search(keyword=keyword)})
    work = Path(tempfile.mkdtemp(prefix="bench-distributed-"))
    rows: list[list[Any]] = []
    with SandboxProcess() as sandbox, redis_server() as url:
        warm = crawl("keyword", work / "warm", sandbox=sandbox, settings={"OPEN1688_QPS": 0},
                     args={"keywords": ",".join(keywords + free_keywords)})
        assert warm.returncode == 0, warm.stderr[-2000:]
        for workers in options.workers:
            with child_timing() as timing:
                elapsed, run = run_workers(sandbox, url, work, f"free{workers}", workers, free_keywords,
                                           free_offers, 0, options.prefetch)
            served = sandbox.admin.stats()
            rows.append([f"{workers} worker(s), quota off, {free_offers:,} offers", f"{free_offers / elapsed:,.0f}",
                         f"{served['calls_total'] / elapsed:.1f}", "-", served["max_calls_per_second"], "0",
                         shares(run), f"{timing.cpu / free_offers * 1000:.2f}"])
        sandbox.admin.config(qps=options.qps)
        for workers in options.workers:
            with child_timing() as timing:
                elapsed, run = run_workers(sandbox, url, work, f"q{workers}", workers, keywords, offers, options.qps,
                                           options.prefetch)
            served = sandbox.admin.stats()
            rate = served["calls_total"] / elapsed
            throttled = served["calls_by_code"].get("gw.QosAppFrequencyLimit", 0)
            rows.append([f"{workers} worker(s), OPEN1688_QPS={options.qps:g}, {offers:,} offers", f"{offers / elapsed:,.0f}",
                         f"{rate:.1f}", f"{rate / options.qps:.1%}", served["max_calls_per_second"],
                         f"{throttled / max(served['calls_total'], 1) * 1000:.1f}", shares(run),
                         f"{timing.cpu / offers * 1000:.2f}"])
        sandbox.admin.config(qps=0)
    shutil.rmtree(work, ignore_errors=True)

    headers = ["run", "offers/s", "calls/s (all workers)", "share of QPS", "max calls in any 1 s (sandbox)",
               "QosAppFrequencyLimit per 1,000 calls", "calls per worker", "CPU s per 1,000 offers (all workers)"]
    print(table(headers, rows))
    save("distributed_scaling", headers, rows, {"keywords": keywords, "free_keywords": free_keywords,
                                                "qps": options.qps})


if __name__ == "__main__":
    main()
