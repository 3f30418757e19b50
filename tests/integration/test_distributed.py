"""Distributed crawls end to end: real workers (``scrapy crawl keyword --distributed``), a real Redis, the sandbox.

Each test has its own key prefix on the session's private redis-server and
its own crawl id; workers are waited for through conditions (their
heartbeats in Redis, the sandbox's counters), never fixed sleeps. Expected
offers come from the sandbox's catalogue (风筝: 900 offers, 紫砂茶具: 130,
算盘: 60).
"""

from __future__ import annotations

import functools
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from harvester.distributed.keys import CrawlKeys
from harvester.sandbox.catalogue import Catalogue
from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import ROOT, CrawlRun, crawl_command

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

#: Long enough to renew comfortably, short enough that a killed worker's requests come back within the test.
LEASE = 3
DEADLINE = 120
#: The quota of the sharing test (all workers together), and the burst the limiter allows above it.
QPS = 30
BURST = 1
#: Three workers, the sandbox and Redis on two cores: calls paced 1/QPS apart reach the sandbox with more
#: jitter than one process's do, and the default 2% headroom let 32 calls into one of its sliding seconds.
HEADROOM = 0.05


@functools.cache
def expected(keyword: str) -> set[int]:
    return {int(i) for i in Catalogue(seed=1688, size=1_000_000).search(keyword=keyword)}


class Workers:
    """Worker processes of one distributed crawl."""

    def __init__(self, sandbox: SandboxProcess, tmp_path: Path, redis_url: str, prefix: str, crawl_id: str,
                 spider: str = "keyword", **settings: Any) -> None:
        self.sandbox = sandbox
        self.data_dir = tmp_path / "data"
        self.crawl_id = crawl_id
        self.spider = spider
        self.keys = CrawlKeys(f"{prefix}:{crawl_id}:{spider}")
        self.redis = redis.Redis.from_url(redis_url)
        self.settings = {"REDIS_URL": redis_url, "HARVEST_REDIS_PREFIX": prefix, "HARVEST_REDIS_LEASE": LEASE,
                         "HARVEST_REDIS_IDLE_CLOSE": 1, "OPEN1688_QPS": 60, **settings}
        self.processes: dict[str, subprocess.Popen[str]] = {}

    def command(self, worker: str, args: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
        command, env = crawl_command(self.spider, self.data_dir, sandbox=self.sandbox, args=args,
                                     settings={**self.settings, "HARVEST_WORKER_ID": worker}, crawl_id=self.crawl_id)
        return [*command, "--distributed"], env

    def start(self, *names: str, args: dict[str, str] | None = None) -> None:
        for name in names:
            command, env = self.command(name, args)
            self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                                    stderr=subprocess.PIPE, text=True)
        self.wait_for(lambda: self.redis.zcard(self.keys.workers) >= len(self.processes), "every worker joined")

    def enqueue(self, *keywords: str) -> str:
        command, env = crawl_command("keyword", self.data_dir, sandbox=self.sandbox, settings=self.settings,
                                     crawl_id=self.crawl_id)
        command = [*command[: command.index("crawl")], "enqueue", "keyword", *keywords,
                   *command[command.index("keyword") + 1:]]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def compact(self) -> None:
        command, env = crawl_command("keyword", self.data_dir, sandbox=self.sandbox, crawl_id=self.crawl_id)
        command = [*command[: command.index("crawl")], "compact", "--crawl-id", self.crawl_id,
                   *command[command.index("keyword") + 1:]]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]

    def wait_for(self, condition: Any, what: str) -> None:
        deadline = time.monotonic() + DEADLINE
        while not condition():
            for name, process in self.processes.items():
                assert process.poll() is None, f"{name} exited ({process.returncode}) before {what}:\n" \
                                               f"{process.stderr.read()[-3000:] if process.stderr else ''}"
            assert time.monotonic() < deadline, f"timed out waiting until {what}"
            time.sleep(0.02)  # polling a condition, not waiting for something to happen

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)

    def finish(self) -> CrawlRun:
        for name, process in self.processes.items():
            _, stderr = process.communicate(timeout=DEADLINE)
            assert process.returncode == 0, f"{name} exited {process.returncode}:\n{stderr[-3000:]}"
        return CrawlRun(0, "", "", self.data_dir, self.crawl_id)

    def close(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
        self.redis.close()


@pytest.fixture
def workers(sandbox: SandboxProcess, tmp_path: Path, redis_server, redis_prefix):
    made: list[Workers] = []

    def make(crawl_id: str, spider: str = "keyword", **settings: Any) -> Workers:
        made.append(Workers(sandbox, tmp_path, redis_server.url, redis_prefix, crawl_id, spider, **settings))
        return made[-1]

    yield make
    for group in made:
        group.close()


def offers_of(run: CrawlRun) -> list[int]:
    return [row["offer_id"] for row in run.rows("products")]


def test_three_workers_share_the_crawl_and_fetch_each_offer_once(workers, sandbox: SandboxProcess) -> None:
    group = workers("20261128T180000Z-share", OPEN1688_QPS=QPS, OPEN1688_QPS_HEADROOM=HEADROOM)
    group.start("w1", "w2", "w3")
    group.redis.rpush(group.keys.units, "保温杯", '{"keyword": "算盘", "colour": "red"}')  # not units: skipped
    assert "queued 2 keyword unit(s)" in group.enqueue("风筝", "紫砂茶具")
    run = group.finish()
    assert sum(report["stats"].get("harvester/distributed/units/bad", 0) for report in run.reports) == 2

    assert len(run.reports) == 3, "one report per worker"
    for report in run.reports:
        stats = report["stats"]
        assert stats["harvester/distributed/scheduler/dequeued"] >= 3, "every worker took its part of the queue"
        assert stats.get("harvester/details/fetched", 0) > 0, "every worker fetched details"
    truth = expected("风筝") | expected("紫砂茶具")
    offers = offers_of(run)
    assert set(offers) == truth and len(offers) == len(truth), "every offer, once"
    served = sandbox.admin.stats()
    assert served["detail_served_duplicates"] == 0, "no detail fetched twice"
    assert served["detail_served_distinct"] == len(truth)
    assert served["max_calls_per_second"] <= QPS + BURST, f"one quota for all workers together: {served}"


def test_a_worker_killed_mid_crawl_and_restarted_loses_nothing(workers, sandbox: SandboxProcess) -> None:
    group = workers("20261128T180000Z-kill9", OPEN1688_QPS=30)
    group.start("w1", "w2", "w3")
    group.enqueue("风筝", "算盘")
    group.wait_for(lambda: int(group.redis.hget(group.keys.progress, "w2") or 0) >= 40,
                   "the worker to kill has kept offers (not committed: its files are completed at its end)")
    group.kill("w2")
    group.start("w2")
    run = group.finish()
    assert len(run.reports) == 3, "the killed worker left no report; the restarted one did"
    recovered = sum(report["stats"].get("harvester/distributed/reconciled", 0) for report in run.reports)
    assert recovered > 0, "what the killed worker had claimed but not committed was fetched again"

    group.compact()
    truth = expected("风筝") | expected("算盘")
    offers = offers_of(run)
    assert set(offers) == truth, "every offer, the killed worker's too"
    assert len(offers) == len(truth), "none twice"
    assert not list(run.data_dir.rglob(".*.tmp")), "the killed worker's temporary files are swept"


def test_offers_given_to_one_worker_are_shared_with_the_other(workers, sandbox: SandboxProcess,
                                                              tmp_path: Path) -> None:
    ids = sorted(expected("风筝"))
    path = tmp_path / "ids.txt"
    path.write_text("\n".join(map(str, ids)) + "\nnot-an-id\n")
    group = workers("20261128T180000Z-offers", spider="offers")
    group.start("w1")
    group.start("w2", args={"ids_file": str(path)})  # its -a units go to the shared list
    run = group.finish()

    offers = offers_of(run)
    assert sorted(offers) == ids, "every id once"
    assert all(report["stats"].get("harvester/details/fetched", 0) > 0 for report in run.reports), "both worked"
    assert sandbox.admin.stats()["detail_served_duplicates"] == 0


def test_unreachable_redis_is_one_line_and_no_file(sandbox: SandboxProcess, tmp_path: Path) -> None:
    command, env = crawl_command("keyword", tmp_path / "data", sandbox=sandbox, crawl_id="20261128T180000Z-noredis",
                                 settings={"REDIS_URL": "redis://127.0.0.1:1/0"})
    done = subprocess.run([*command, "--distributed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.startswith("harvester: ")]
    assert len(lines) == 1 and "REDIS_URL=redis://127.0.0.1:1/0" in lines[0] and "start Redis" in lines[0], done.stderr
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*.parquet"))


def test_redis_lost_mid_crawl_stops_with_one_line_and_a_rerun_completes(sandbox: SandboxProcess,
                                                                         tmp_path: Path) -> None:
    """A private redis-server (append-only, so a restart keeps what it acknowledged) is killed while the worker
    fetches details. The worker stops at once: exit status 1, one line naming REDIS_URL, no traceback; what it
    had not finished stays leased and comes back. Redis restarted, the same worker runs again: every offer
    exactly once, each with its detail (none kept from its search listing), exit 0."""
    from tests.support.redis_server import RedisServer

    with RedisServer(persistent=True) as server:
        group = Workers(sandbox, tmp_path, server.url, "outage", "20261128T180000Z-outage", OPEN1688_QPS=60)
        try:
            group.enqueue("紫砂茶具")
            group.start("w1")
            group.wait_for(lambda: sandbox.admin.stats()["calls_by_api"].get(
                "product.search.queryProductDetail", 0) >= 40, "the worker fetches details")
            server.kill()
            process = group.processes["w1"]
            _, stderr = process.communicate(timeout=DEADLINE)  # (on a timeout, group.close() kills it)
            del group.processes["w1"]
            assert process.returncode == 1, stderr[-3000:]
            said = [line for line in stderr.splitlines() if line.startswith("harvester: ")]
            assert len(said) == 1, stderr[-3000:]
            assert said[0].startswith(f"harvester: stopped: cannot reach Redis at REDIS_URL={server.url} (")
            assert said[0].endswith("): start Redis or fix REDIS_URL")
            assert "Traceback" not in stderr, stderr[-3000:]

            server.restart()
            group.start("w1")
            run = group.finish()
        finally:
            group.close()
    offers = offers_of(run)
    assert sorted(offers) == sorted(expected("紫砂茶具")), "every offer, once"
    products = run.rows("products")
    assert {row["source_api"] for row in products} == {"product_detail"}, "each with its detail"
