"""Distributed crawls end to end: real workers (``scrapy crawl keyword --distributed``), a real Redis, the sandbox.

Each test has its own key prefix on the session's private redis-server and
its own crawl id; workers are waited for through conditions (their
heartbeats in Redis, the sandbox's counters), never fixed sleeps. Expected
offers come from the sandbox's catalogue (毛笔: 450 offers, 紫砂茶具: 130,
算盘: 60).

Which worker takes which request is the operating system's business: a
worker the machine runs less often may legitimately find the queue empty.
Where a test says every worker worked, it makes that so first: the sandbox
holds the detail calls (``hold``) until it holds more than all workers but
one could have in progress (``HARVEST_REDIS_PREFETCH`` each), so every worker
is holding at least one, and only then answers them.
"""

from __future__ import annotations

import functools
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
import redis

from harvester.dataset.storage import resolve
from harvester.distributed.keys import CrawlKeys
from harvester.sandbox.catalogue import Catalogue
from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import PATIENCE, ROOT, CrawlRun, crawl_command, sandbox_env, wait_until
from tests.support.s3_server import S3Server

pytestmark = [pytest.mark.e2e, pytest.mark.redis]

#: The kill test's lease: short, so that the killed worker's requests come back within the test. The others keep
#: the default (30 s), so that a worker a loaded machine runs late is never taken for dead and its work redone.
KILL_LEASE = 3
#: Requests each worker may have in progress: what the sandbox must hold to know every worker holds one.
PREFETCH = 4
#: The quota of the sharing test, all workers together.
QPS = 30


@functools.cache
def expected(keyword: str) -> set[int]:
    return {int(i) for i in Catalogue(seed=1688, size=1_000_000).search(keyword=keyword)}


class Workers:
    """Worker processes of one distributed crawl.

    With ``s3`` and ``bucket`` the dataset goes to that bucket and each worker builds its part files in a
    spool folder of its own, as workers on separate machines with one shared bucket do.
    """

    def __init__(
        self,
        sandbox: SandboxProcess,
        tmp_path: Path,
        redis_url: str,
        prefix: str,
        crawl_id: str,
        spider: str = "keyword",
        *,
        s3: S3Server | None = None,
        bucket: str | None = None,
        **settings: Any,
    ) -> None:
        self.sandbox = sandbox
        self.tmp_path = tmp_path
        self.data_dir = tmp_path / "data"
        self.s3 = s3
        self.uri = f"s3://{bucket}/datasets/1688" if s3 is not None else None
        self.crawl_id = crawl_id
        self.spider = spider
        self.keys = CrawlKeys(f"{prefix}:{crawl_id}:{spider}")
        self.redis = redis.Redis.from_url(redis_url)
        self.settings = {
            "REDIS_URL": redis_url,
            "HARVEST_REDIS_PREFIX": prefix,
            "HARVEST_REDIS_PREFETCH": PREFETCH,
            "HARVEST_REDIS_IDLE_CLOSE": 1,
            "OPEN1688_QPS": 60,
            **settings,
        }
        if self.uri is not None:
            self.settings["HARVEST_DATA_DIR"] = self.uri
        self.env = sandbox_env(sandbox, **(s3.env() if s3 is not None else {}))
        self.processes: dict[str, subprocess.Popen[str]] = {}
        #: What each worker that finished wrote on stderr (its log).
        self.stderr: dict[str, str] = {}

    def spool(self, worker: str) -> Path:
        """The worker's own local folder for part files on their way to the bucket."""
        return self.tmp_path / worker / "spool"

    def command(self, worker: str, args: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
        local = {"HARVEST_SPOOL_DIR": str(self.spool(worker))} if self.uri is not None else {}
        command, env = crawl_command(
            self.spider,
            self.data_dir,
            sandbox=self.sandbox,
            args=args,
            settings={**self.settings, **local, "HARVEST_WORKER_ID": worker},
            crawl_id=self.crawl_id,
            env=self.env,
        )
        return [*command, "--distributed"], env

    def start(self, *names: str, args: dict[str, str] | None = None) -> None:
        for name in names:
            command, env = self.command(name, args)
            self.processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
            )
        self.wait_for(lambda: self.redis.zcard(self.keys.workers) >= len(self.processes), "every worker joined")

    def enqueue(self, *keywords: str) -> str:
        command, env = crawl_command(
            "keyword", self.data_dir, sandbox=self.sandbox, settings=self.settings, crawl_id=self.crawl_id, env=self.env
        )
        command = [
            *command[: command.index("crawl")],
            "enqueue",
            "keyword",
            *keywords,
            *command[command.index("keyword") + 1 :],
        ]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=PATIENCE)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def compact(self) -> None:
        settings = (
            {"HARVEST_DATA_DIR": self.uri, "HARVEST_SPOOL_DIR": str(self.tmp_path / "compact-spool")}
            if self.uri is not None
            else None
        )
        command, env = crawl_command(
            "keyword", self.data_dir, sandbox=self.sandbox, crawl_id=self.crawl_id, settings=settings, env=self.env
        )
        command = [
            *command[: command.index("crawl")],
            "compact",
            "--crawl-id",
            self.crawl_id,
            *command[command.index("keyword") + 1 :],
        ]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=PATIENCE)
        assert done.returncode == 0, done.stderr[-2000:]

    def wait_for(self, condition: Any, what: str) -> None:
        def running() -> None:
            for name, process in self.processes.items():
                assert process.poll() is None, (
                    f"{name} exited ({process.returncode}) before {what}:\n"
                    f"{process.stderr.read()[-3000:] if process.stderr else ''}"
                )

        wait_until(condition, what, check=running)

    def hold_details(self) -> None:
        """From now on the sandbox holds the detail calls unanswered (see the module's docstring)."""
        self.sandbox.admin.config(hold=["product_detail"])

    def release_once_every_worker_holds_details(self) -> None:
        """Wait until each worker holds a detail call at the sandbox, then let the sandbox answer them all."""
        most_without_one = (len(self.processes) - 1) * PREFETCH
        self.wait_for(
            lambda: self.sandbox.admin.stats()["held_now"] > most_without_one,
            f"the sandbox holds more than {most_without_one} detail calls: one of every worker at least",
        )
        self.sandbox.admin.config(hold=[])

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=PATIENCE)

    def finish(self) -> CrawlRun:
        for name, process in self.processes.items():
            _, stderr = process.communicate(timeout=PATIENCE)
            assert process.returncode == 0, f"{name} exited {process.returncode}:\n{stderr[-3000:]}"
            self.stderr[name] = stderr
        storage = resolve(self.uri, self.s3.env()) if self.uri is not None and self.s3 is not None else None
        return CrawlRun(0, "", "", self.data_dir, self.crawl_id, storage)

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
    group = workers("20261128T180000Z-share", OPEN1688_QPS=QPS)
    group.hold_details()
    group.start("w1", "w2", "w3")
    assert "queued 2 keyword unit(s)" in group.enqueue("毛笔", "紫砂茶具")
    # Not units: skipped. Pushed while the crawl cannot end (its detail calls are held): pushed before the
    # enqueue, they could be taken and the crawl found quiet for HARVEST_REDIS_IDLE_CLOSE before it queued.
    group.redis.rpush(group.keys.units, "保温杯", '{"keyword": "算盘", "colour": "red"}')
    group.release_once_every_worker_holds_details()
    run = group.finish()
    assert sum(report["stats"]["harvester/distributed/units/bad"] for report in run.reports) == 2

    assert len(run.reports) == 3, "one report per worker"
    for report in run.reports:
        stats = report["stats"]
        assert stats["harvester/distributed/scheduler/dequeued"] >= 1, "every worker took from the queue"
        assert stats.get("harvester/details/fetched", 0) > 0, "every worker fetched details"
        assert (stats["harvester/quota/shared"], stats["harvester/quota/qps"]) == (True, QPS), "one shared quota"
    truth = expected("毛笔") | expected("紫砂茶具")
    offers = offers_of(run)
    assert set(offers) == truth and len(offers) == len(truth), "every offer, once"
    served = sandbox.admin.stats()
    assert served["detail_served_duplicates"] == 0, "no detail fetched twice"
    assert served["detail_served_distinct"] == len(truth)
    # How evenly the calls were spread in time is the benchmark's measure (benchmarks/distributed.py): arrivals
    # jitter on a loaded machine. What holds on any machine: every call the gateway saw went through the quota.
    paid = sum(report["stats"].get("harvester/quota/calls", 0) for report in run.reports)
    assert paid == served["calls_total"], "every call was paced and counted by the shared quota"


def _crawl_with_w2_killed_and_restarted(group: Workers) -> CrawlRun:
    """Three workers on 毛笔 and 算盘; w2 is killed (SIGKILL) once it has kept 40 offers it has not committed
    (its files are completed at its end), and started again. The run's dataset is compacted, and checked to hold
    every offer once, the killed worker's too."""
    group.start("w1", "w2", "w3")
    group.enqueue("毛笔", "算盘")
    group.wait_for(
        lambda: int(group.redis.hget(group.keys.progress, "w2") or 0) >= 40,
        "the worker to kill has kept offers it has not committed",
    )
    group.kill("w2")
    group.start("w2")
    run = group.finish()
    assert len(run.reports) == 3, "the killed worker left no report; its restart did"
    recovered = sum(report["stats"].get("harvester/distributed/reconciled", 0) for report in run.reports)
    assert recovered > 0, "what the killed worker had claimed but not committed was fetched again"

    group.compact()
    truth = expected("毛笔") | expected("算盘")
    offers = offers_of(run)
    assert set(offers) == truth, "every offer, the killed worker's too"
    assert len(offers) == len(truth), "none twice"
    return run


def test_a_worker_killed_mid_crawl_and_restarted_loses_nothing(workers, sandbox: SandboxProcess) -> None:
    run = _crawl_with_w2_killed_and_restarted(
        workers("20261128T180000Z-kill9", OPEN1688_QPS=30, HARVEST_REDIS_LEASE=KILL_LEASE)
    )
    assert not list(run.data_dir.rglob(".*.tmp")), "the killed worker's temporary files are swept"


@pytest.mark.s3
def test_three_workers_with_their_own_disks_and_one_bucket_one_killed_lose_nothing(
    workers, s3_server: S3Server, s3_bucket: str
) -> None:
    """The recipe for workers on separate machines: nothing shared but Redis and the bucket."""
    group = workers("20261206T180000Z-bucket", s3=s3_server, bucket=s3_bucket, OPEN1688_QPS=30)
    _crawl_with_w2_killed_and_restarted(group)  # the reports, and what w2 had claimed, are found in the bucket
    assert not group.data_dir.exists() or not any(group.data_dir.rglob("*.parquet")), "nothing on a local disk"
    for worker in ("w1", "w2", "w3"):
        assert list(group.spool(worker).iterdir()) == [], f"{worker}'s spool is empty (the restart swept the kill's)"


def test_offers_given_to_one_worker_are_shared_with_the_other(workers, sandbox: SandboxProcess, tmp_path: Path) -> None:
    ids = sorted(expected("毛笔"))
    path = tmp_path / "ids.txt"
    path.write_text("\n".join(map(str, ids)) + "\nnot-an-id\n")
    group = workers("20261128T180000Z-offers", spider="offers")
    group.hold_details()
    group.start("w1")
    group.start("w2", args={"ids_file": str(path)})  # its -a units go to the shared list
    group.release_once_every_worker_holds_details()
    run = group.finish()

    offers = offers_of(run)
    assert sorted(offers) == ids, "every id once"
    assert len(run.reports) == 2
    assert all(report["stats"].get("harvester/details/fetched", 0) > 0 for report in run.reports), "both worked"
    assert sandbox.admin.stats()["detail_served_duplicates"] == 0


def test_unreachable_redis_is_one_line_and_no_file(sandbox: SandboxProcess, tmp_path: Path) -> None:
    command, env = crawl_command(
        "keyword",
        tmp_path / "data",
        sandbox=sandbox,
        crawl_id="20261128T180000Z-noredis",
        settings={"REDIS_URL": "redis://127.0.0.1:1/0"},
    )
    done = subprocess.run(
        [*command, "--distributed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=PATIENCE
    )
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.startswith("harvester: ")]
    assert len(lines) == 1 and "REDIS_URL=redis://127.0.0.1:1/0" in lines[0] and "start Redis" in lines[0], done.stderr
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*.parquet"))


def test_units_pushed_by_hand_on_the_scrapy_redis_key_are_crawled_once(
    workers, sandbox: SandboxProcess, redis_prefix: str
) -> None:
    group = workers("20261128T180000Z-byhand", REDIS_START_URLS_KEY=f"{redis_prefix}:%(name)s:start_urls")
    start = f"{redis_prefix}:keyword:start_urls"
    group.start("w1", "w2")
    # As scrapy-redis users push: JSON (the units `scrapy enqueue` queues) and plain text, from either end.
    group.redis.rpush(start, '{"keyword": "毛笔"}', "紫砂茶具", '{"keyword": "x", "colour": "red"}')
    group.redis.lpush(start, b"\xff\xfe", '"算盘"')
    run = group.finish()

    def total(stat: str) -> int:
        return sum(report["stats"].get(f"harvester/distributed/units/{stat}", 0) for report in run.reports)

    assert total("start_key") == 5 and total("taken") == 3 and total("bad") == 2, "each payload taken once"
    truth = expected("毛笔") | expected("紫砂茶具") | expected("算盘")
    offers = offers_of(run)
    assert set(offers) == truth and len(offers) == len(truth), "every offer, once"
    assert sandbox.admin.stats()["detail_served_duplicates"] == 0, "no detail fetched twice"
    assert not group.redis.exists(start) and not group.redis.exists(group.keys.unit_leases), "nothing left behind"
    skipped = [
        line
        for stderr in group.stderr.values()
        for line in stderr.splitlines()
        if f"Skipped a unit from {start}: " in line
    ]
    assert sorted(line.split(f"{start}: ", 1)[1] for line in skipped) == [
        (
            '{"keyword": "x", "colour": "red"}: unknown field \'colour\' (a unit has category_id, filter, keyword, '
            "price_end, price_start, sort)"
        ),
        "\ufffd\ufffd: not UTF-8 text",
    ], "each bad payload named, with what is wrong"


def test_a_start_key_that_holds_no_units_is_one_line_and_no_file(
    sandbox: SandboxProcess, tmp_path: Path, redis_server, redis_prefix: str
) -> None:
    redis_server.client().set(f"{redis_prefix}:keyword:start_urls", "毛笔")
    command, env = crawl_command(
        "keyword",
        tmp_path / "data",
        sandbox=sandbox,
        crawl_id="20261128T180000Z-string",
        settings={"REDIS_URL": redis_server.url, "REDIS_START_URLS_KEY": f"{redis_prefix}:%(name)s:start_urls"},
    )
    done = subprocess.run(
        [*command, "--distributed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.startswith("harvester: ")]
    assert lines == [
        (
            f"harvester: the start key {redis_prefix}:keyword:start_urls (REDIS_START_URLS_KEY) holds a "
            "string: push units onto a list (LPUSH/RPUSH), a set (SADD) or a sorted set (ZADD), "
            "or name another key"
        )
    ], done.stderr
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*.parquet"))


def test_a_start_key_turned_into_something_else_mid_crawl_stops_the_worker(workers, redis_prefix: str) -> None:
    group = workers("20261128T180000Z-turned", REDIS_START_URLS_KEY=f"{redis_prefix}:%(name)s:start_urls")
    group.start("w1")  # waiting for work
    group.redis.set(f"{redis_prefix}:keyword:start_urls", "毛笔")
    process = group.processes.pop("w1")
    _, stderr = process.communicate(timeout=PATIENCE)
    assert process.returncode == 1, stderr[-3000:]
    assert [line for line in stderr.splitlines() if line.startswith("harvester: ")] == [
        (
            f"harvester: stopped: the start key {redis_prefix}:keyword:start_urls holds a string: units are pushed onto "
            "a list (LPUSH/RPUSH), a set (SADD) or a sorted set (ZADD)"
        )
    ], stderr[-3000:]


def test_redis_lost_mid_crawl_stops_with_one_line_and_a_rerun_completes(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
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
            group.wait_for(
                lambda: sandbox.admin.stats()["calls_by_api"].get("product.search.queryProductDetail", 0) >= 40,
                "the worker fetches details",
            )
            server.kill()
            process = group.processes["w1"]
            _, stderr = process.communicate(timeout=PATIENCE)  # (on a timeout, group.close() kills it)
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
