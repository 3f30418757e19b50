"""How many calls per second the sandbox gateway serves, over real loopback HTTP.

The sandbox runs in its own process (``python -m harvester.sandbox``); the
load comes from other processes, each with a few threads holding keep-alive
``requests`` sessions and signing every call with the client's own
building blocks; offer ids come from the same deterministic catalogue,
computed client-side. "Rendered before" scenarios make every distinct call
once first (answers then come from the sandbox's rendered-item cache); the
"first time"/"never rendered" ones build and render every offer they
return, which is what a crawl that fetches each offer once costs (the
first-time search pages are the 160 distinct pages, each asked once, and
include building the four categories' search columns). Besides wall-clock calls/s (which on a small machine also
measures the clients, sharing the same cores) the table shows the sandbox's
own CPU time per call, and from it the calls/s one core of sandbox could
serve.

    python -m benchmarks.sandbox_throughput [--seconds 4] [--processes 2] [--threads 4]   (from the repository root)
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import threading
import time
from dataclasses import dataclass
from typing import Any

import psutil
import requests

from harvester.open1688 import endpoints
from harvester.sandbox.catalogue import Catalogue
from harvester.sandbox.process import SandboxProcess
from harvester.sandbox.server import Credentials

KEYWORDS = ("保温杯", "数据线", "手机壳", "T恤")


#: Distinct search pages: four keywords, forty pages each (the cap of 2,000 at 50 a page).
SEARCH_PAGES = len(KEYWORDS) * 40


@dataclass(frozen=True)
class Scenario:
    name: str
    #: ``search`` (keyword pages) or ``detail`` (one offer's detail); see :func:`_call_params`.
    kind: str
    #: Every distinct call is made once before measuring, so answers come from the rendered-item cache.
    warm: bool
    #: Make at most this many calls, each once (the first-time pages); ``None``: call until the time is up.
    calls: int | None = None


#: In this order: the first-time search pages must run before anything renders them.
SCENARIOS = (
    Scenario("keyword search, 50 items/page, first time", "search", warm=False, calls=SEARCH_PAGES),
    Scenario("keyword search, 50 items/page, pages rendered before", "search", warm=True),
    Scenario("product detail, 1 offer/call, offers never rendered", "detail", warm=False),
    Scenario("product detail, 1 offer/call, offers rendered before", "detail", warm=True),
)


def _call_params(kind: str, n: int, ids: list[int]) -> tuple[endpoints.Endpoint, dict[str, Any]]:
    """The n-th call of a scenario: a search page or one offer's detail (the detail tier: one call per offer)."""
    if kind == "search":
        keyword = KEYWORDS[n % len(KEYWORDS)]
        page = 1 + (n // len(KEYWORDS)) % 40
        return endpoints.KEYWORD_SEARCH, {
            "offerQueryParam": {"keyword": keyword, "beginPage": page, "pageSize": 50, "country": "en"}
        }
    return endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": ids[n % len(ids)], "country": "en"}}


def _worker(
    base_url: str,
    credentials: Credentials,
    kind: str,
    ids: list[int],
    seconds: float,
    threads: int,
    numbers: range,
    results: Any,
) -> None:
    """One client process: ``threads`` keep-alive sessions making calls ``numbers`` until the time is up."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    counter = iter(numbers)

    def run() -> None:
        nonlocal errors
        session = requests.Session()
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            endpoint, params = _call_params(kind, n, ids)
            built = endpoints.build_call(endpoint, params, gateway=base_url, app_key=credentials.app_key)
            form = built.signed_params(
                secret=credentials.app_secret,
                access_token=credentials.access_token,
                timestamp_ms=int(time.time() * 1000),
            )
            started = time.perf_counter()
            answer = session.post(built.url, data=form, timeout=30)
            mine.append(time.perf_counter() - started)
            failed += answer.status_code != 200
        with lock:
            latencies.extend(mine)
            errors += failed

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    results.put((latencies, errors))


def measure(
    sandbox: SandboxProcess, scenario: Scenario, ids: list[int], seconds: float, processes: int, threads: int
) -> dict[str, Any]:
    server = psutil.Process(sandbox.pid)
    if scenario.warm:
        distinct = SEARCH_PAGES if scenario.kind == "search" else len(ids)
        _sequential(sandbox, scenario.kind, ids, distinct)
    before = server.cpu_times()
    started = time.perf_counter()
    latencies, errors = _run_load(sandbox, scenario, ids, seconds, processes, threads)
    elapsed = time.perf_counter() - started
    after = server.cpu_times()
    cpu = (after.user - before.user) + (after.system - before.system)
    latencies.sort()
    calls = len(latencies)
    return {
        "scenario": scenario.name,
        "calls": calls,
        "errors": errors,
        "calls/s": calls / elapsed,
        "p50 ms": statistics.median(latencies) * 1000,
        "p99 ms": latencies[int(calls * 0.99) - 1] * 1000,
        "sandbox CPU ms/call": cpu / calls * 1000,
        "calls/s per sandbox core": calls / cpu if cpu else float("inf"),
        "sandbox RSS MB": server.memory_info().rss / 2**20,
    }


def _sequential(sandbox: SandboxProcess, kind: str, ids: list[int], calls: int) -> None:
    """Make each distinct call once (warming the sandbox's caches)."""
    assert sandbox.credentials is not None
    credentials = sandbox.credentials
    session = requests.Session()
    for n in range(calls):
        endpoint, params = _call_params(kind, n, ids)
        built = endpoints.build_call(endpoint, params, gateway=sandbox.base_url, app_key=credentials.app_key)
        form = built.signed_params(
            secret=credentials.app_secret, access_token=credentials.access_token, timestamp_ms=int(time.time() * 1000)
        )
        session.post(built.url, data=form, timeout=60).raise_for_status()


def _run_load(
    sandbox: SandboxProcess, scenario: Scenario, ids: list[int], seconds: float, processes: int, threads: int
) -> tuple[list[float], int]:
    results: multiprocessing.Queue = multiprocessing.Queue()
    assert sandbox.credentials is not None
    workers = [
        multiprocessing.Process(
            target=_worker,
            args=(sandbox.base_url, sandbox.credentials, scenario.kind, ids, seconds, threads, numbers, results),
        )
        for numbers in _slices(scenario.calls, processes)
    ]
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    errors = 0
    for _ in workers:
        mine, failed = results.get()
        latencies.extend(mine)
        errors += failed
    for worker in workers:
        worker.join()
    return latencies, errors


def _slices(calls: int | None, processes: int) -> list[range]:
    """Disjoint call numbers per client process: all of ``calls`` between them, or plenty each."""
    if calls is None:
        return [range(i * 10**9, (i + 1) * 10**9) for i in range(processes)]
    return [range(i * calls // processes, (i + 1) * calls // processes) for i in range(processes)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    arguments = parser.parse_args()
    rows = []
    with SandboxProcess() as sandbox:
        config = sandbox.admin.config()
        catalogue = Catalogue(config["seed"], config["offers"])
        warm_ids = [catalogue.offer_id(index) for index in range(0, catalogue.size, catalogue.size // 400)]
        cold_ids = [catalogue.offer_id(index) for index in range(1, catalogue.size, 7)]
        for scenario in SCENARIOS:
            ids = warm_ids if scenario.warm else cold_ids
            rows.append(measure(sandbox, scenario, ids, arguments.seconds, arguments.processes, arguments.threads))
            sandbox.admin.reset()
    print(
        f"sandbox throughput: {psutil.cpu_count()} cores, {arguments.processes} client processes x "
        f"{arguments.threads} threads, {arguments.seconds:g}s per scenario"
    )
    columns = list(rows[0])
    widths = [max(len(column), *(len(_cell(row[column])) for row in rows)) for column in columns]
    print("  ".join(column.ljust(width) for column, width in zip(columns, widths)))
    for row in rows:
        print("  ".join(_cell(row[column]).ljust(width) for column, width in zip(columns, widths)))


def _cell(value: Any) -> str:
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}" if isinstance(value, int) else str(value)


if __name__ == "__main__":
    main()
