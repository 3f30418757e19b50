"""A distributed keyword crawl for the CPU ceiling: N ``scrapy crawl keyword --distributed`` workers, one Redis.

The crawl is put in the queue once (``scrapy enqueue keyword ...``), then
the workers run side by side with one shared ``HARVEST_CRAWL_ID`` against a
private ``redis-server`` on an ephemeral loopback port (no persistence,
killed afterwards), so the machine's own Redis, if any, is never touched.
Distributed mode lives in ``harvester/distributed``; until that package
exists the benchmark says "not available" instead of failing.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from secrets import token_hex

from harvester.sandbox.testing import ROOT, CrawlRun, SandboxProcess, crawl_command

from . import runs

#: Seconds redis-server may take to accept connections.
_REDIS_START = 20.0


def unavailable() -> str | None:
    """Why a distributed crawl cannot run here, or ``None`` when it can."""
    if not (ROOT / "harvester" / "distributed").is_dir():
        return "distributed mode (harvester/distributed) does not exist yet"
    if shutil.which("redis-server") is None:
        return "redis-server is not on PATH"
    return None


@contextmanager
def redis_server() -> Iterator[str]:
    """A private ``redis-server`` on 127.0.0.1 at a free port; yields its ``REDIS_URL``."""
    import redis

    folder = tempfile.mkdtemp(prefix="bench-redis-")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + _REDIS_START
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on port {port} did not start") from None
                time.sleep(0.02)  # polling for the server to accept connections
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def crawl_id() -> str:
    """A crawl id of the generated form (``YYYYMMDDTHHMMSSZ-<6 hex>``), which workers of one crawl share."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{token_hex(3)}"


def harvest(work: Path, catalogue: int, keyword: str, workers: int, timeout: float) -> tuple[
        runs.Usage, int, float]:
    """A quota-off distributed crawl of ``keyword``: the workers' usage, the offers they fetched, sandbox CPU."""
    data_dir = work / f"distributed-{workers}" / "data"
    shared = crawl_id()
    with SandboxProcess(arguments=("--offers", str(catalogue))) as sandbox, redis_server() as url:
        settings = {"OPEN1688_QPS": 0, "REDIS_URL": url}
        enqueue, env = crawl_command("keyword", data_dir, sandbox=sandbox, args={"keywords": keyword},
                                     settings=settings, crawl_id=shared)
        enqueue[enqueue.index("crawl")] = "enqueue"
        try:
            queued = subprocess.run(enqueue, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            raise RuntimeError("scrapy enqueue had not finished after 120 s") from None
        if queued.returncode != 0:
            last = _last_line(queued.stderr or queued.stdout)
            raise RuntimeError(f"scrapy enqueue exited {queued.returncode}: {last}")
        worker, env = crawl_command("keyword", data_dir, sandbox=sandbox, settings=settings, crawl_id=shared)
        worker.insert(worker.index("keyword") + 1, "--distributed")
        commands = [([*worker, "-s", f"HARVEST_WORKER_ID=w{n}"], env) for n in range(workers)]
        with runs.sandbox_cpu(sandbox) as served_cpu:
            finished, usage = runs.run_all(commands, data_dir.parent / "logs", timeout)
    failed = [f for f in finished if f.returncode != 0]
    if failed:
        raise RuntimeError(f"a distributed worker exited {failed[0].returncode}: {_last_line(failed[0].stderr)}")
    reports = CrawlRun(0, "", "", data_dir, shared).reports
    return usage, sum(report["stats"].get("harvester/details/fetched", 0) for report in reports), served_cpu[0]


def _last_line(text: str) -> str:
    """The last non-blank line of a command's stderr: usually what went wrong."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"
