"""Ctrl-C, once or twice, at several points of a crawl, then a resume with the same JOBDIR.

Each crawl is a real ``scrapy crawl`` process; Ctrl-C (SIGINT) is sent when
its log shows the chosen point was reached (after the first search page,
half-way through the details, while the writer closes), never after a sleep.
The interrupted run must exit 130 (or 0 if it had already finished, and then
hold everything); the resume must exit 0 and leave every offer of the keyword
exactly once in ``products``, each with its SKUs. On a fixed gateway the
sandbox also tells how often it served each detail: a single Ctrl-C stops
gracefully, so no detail is bought twice.
"""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from harvester.crawl import exitcodes
from harvester.sandbox.catalogue import Catalogue
from harvester.sandbox.process import SandboxAdmin, SandboxProcess
from tests.support.crawls import CrawlRun, crawl_command
from tests.support.live import CLOSING_FINISHED, DETAIL, EMBEDDED, GRACEFUL, SEARCH_PAGE, LiveCrawl

pytestmark = pytest.mark.e2e

KEYWORD = "茶具"  # 380 offers on 8 search pages
#: Where Ctrl-C lands: a log line and how many times it must have been logged.
POINTS = {
    "after the first page": (SEARCH_PAGE, 1),
    "mid-details": (DETAIL, 150),
    "while the writer closes": (CLOSING_FINISHED, 1),
}


@functools.cache
def expected() -> set[int]:
    return {int(i) for i in Catalogue(seed=1688, size=1_000_000).search(keyword=KEYWORD)}


def command(
    tmp_path: Path, sandbox: SandboxProcess | None, args: dict[str, str] | None = None, **settings: Any
) -> tuple[list[str], dict[str, str]]:
    return crawl_command(
        "keyword",
        tmp_path / "data",
        sandbox=sandbox,
        args={"keywords": KEYWORD, **(args or {})},
        settings={
            "JOBDIR": str(tmp_path / "job"),
            "OPEN1688_QPS": 60,
            "LOG_LEVEL": "DEBUG",
            "HARVEST_REPORT_SAMPLE_INTERVAL": 0,
            **settings,
        },
    )


def assert_every_offer_once_with_its_skus(data_dir: Path) -> None:
    run = CrawlRun(0, "", "", data_dir)
    offers = run.table("products").column("offer_id").to_pylist()
    duplicated = [offer for offer, times in Counter(offers).items() if times > 1]
    assert not duplicated, f"{len(duplicated)} offers written twice, e.g. {duplicated[:5]}"
    assert set(offers) == expected(), f"{len(expected() - set(offers))} offers missing"
    skus = run.table("skus").select(["offer_id", "sku_id", "spec_key"]).to_pylist()
    assert {row["offer_id"] for row in skus} == expected(), "every offer has its SKU rows"
    keys = Counter((row["offer_id"], row["sku_id"], row["spec_key"]) for row in skus)
    assert max(keys.values()) == 1, "no SKU row twice"


def interrupt(tmp_path: Path, sandbox: SandboxProcess | None, point: str, times: int) -> tuple[int, LiveCrawl]:
    """One run, Ctrl-C'd ``times`` times at ``point``; its exit status and its log."""
    pattern, count = POINTS[point]
    cmd, env = command(tmp_path, sandbox)
    with LiveCrawl(cmd, env, log=tmp_path / f"interrupted-{times}.log") as run:
        assert run.wait_for(pattern, count), f"the crawl ended before {point}:\n{run.log[-3000:]}"
        run.interrupt()
        if times == 2 and run.wait_for(GRACEFUL):
            # The second Ctrl-C once the first is being acted on (it may land after the crawl already closed).
            run.interrupt()
        return run.finish(), run


def resume(tmp_path: Path, sandbox: SandboxProcess | None) -> LiveCrawl:
    cmd, env = command(tmp_path, sandbox)
    with LiveCrawl(cmd, env, log=tmp_path / "resumed.log") as run:
        code = run.finish()
    assert code == exitcodes.OK, run.log[-3000:]
    return run


def check_interrupted(code: int, run: LiveCrawl, point: str, times: int, data_dir: Path) -> None:
    assert "Traceback" not in run.log, run.log[-3000:]
    if point == "while the writer closes" and code == exitcodes.OK:
        # Ctrl-C after the work was done: the crawl closed normally, and then everything is already there.
        assert_every_offer_once_with_its_skus(data_dir)
        return
    assert code == exitcodes.INTERRUPTED, run.log[-3000:]
    if times == 2 and "forcing unclean shutdown" in run.log:
        assert "harvester: interrupted before the crawl could close" in run.log


@pytest.mark.parametrize(
    ("point", "times"),
    [
        ("after the first page", 1),
        ("mid-details", 1),
        ("while the writer closes", 1),
        ("after the first page", 2),
        ("mid-details", 2),
        ("while the writer closes", 2),
    ],
)
def test_ctrl_c_on_a_fixed_gateway_then_resume(sandbox: SandboxProcess, tmp_path: Path, point: str, times: int) -> None:
    code, run = interrupt(tmp_path, sandbox, point, times)
    check_interrupted(code, run, point, times, tmp_path / "data")
    resume(tmp_path, sandbox)
    assert_every_offer_once_with_its_skus(tmp_path / "data")
    served = sandbox.admin.stats()
    if times == 1:
        assert served["detail_served_duplicates"] == 0, "a graceful stop keeps every detail it bought"


@pytest.mark.parametrize(("point", "times"), [("after the first page", 1), ("mid-details", 1), ("mid-details", 2)])
def test_ctrl_c_on_the_embedded_sandbox_then_resume(tmp_path: Path, point: str, times: int) -> None:
    """The resume starts a new embedded sandbox on another port with another app key: queued requests must
    reach it (they name neither), and no offer may be written twice."""
    code, run = interrupt(tmp_path, None, point, times)
    check_interrupted(code, run, point, times, tmp_path / "data")
    first = run.wait_for(EMBEDDED)
    resumed = resume(tmp_path, None)
    second = resumed.wait_for(EMBEDDED)
    assert first and second and first.group(1) != second.group(1), "each run has its own sandbox"
    assert "Connection refused" not in resumed.log
    assert_every_offer_once_with_its_skus(tmp_path / "data")


def test_a_second_ctrl_c_while_a_call_hangs_forces_the_stop_and_exits_130(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """A call that hangs holds the graceful stop; the second Ctrl-C ends the process at once. Nothing was
    committed, so the exit status is 130, not 0, and the resume recovers from what the dataset holds."""
    sandbox.admin.config(faults={"seed": 3, "timeout": 0.02, "stall_seconds": 600})
    cmd, env = command(tmp_path, sandbox, DOWNLOAD_TIMEOUT=600)
    with LiveCrawl(cmd, env, log=tmp_path / "forced.log") as run:
        admin = SandboxAdmin(sandbox.base_url)
        while not admin.stats()["faults"].get("timeout"):  # a stalled call is in flight (or the crawl ended)
            assert run.wait_for(DETAIL, run.count(DETAIL) + 1), "the crawl ended before any call stalled"
        run.interrupt()
        assert run.wait_for(GRACEFUL)
        run.interrupt()
        assert run.finish() == exitcodes.INTERRUPTED
    assert "forcing unclean shutdown" in run.log
    assert "harvester: interrupted before the crawl could close" in run.log
    sandbox.admin.config(faults={"timeout": 0.0})
    resumed = resume(tmp_path, sandbox)
    assert "did not stop cleanly" in resumed.log
    assert_every_offer_once_with_its_skus(tmp_path / "data")


# --- stops of other kinds: what they did not finish, a resume finishes ------------------------------------------


def run_to_end(
    tmp_path: Path, sandbox: SandboxProcess, name: str, args: dict[str, str] | None = None, **settings: Any
) -> LiveCrawl:
    cmd, env = command(tmp_path, sandbox, args, LOG_LEVEL="INFO", **settings)
    with LiveCrawl(cmd, env, log=tmp_path / f"{name}.log") as run:
        run.finish()
    return run


def test_calls_a_spent_budget_refused_are_sent_by_the_resume_and_none_twice(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """The budget runs out with calls waiting for their slot: they go back to the queue, not to the errback
    (where the dupefilter would keep the resume from ever asking again)."""
    stopped = run_to_end(tmp_path, sandbox, "budget", OPEN1688_DAILY_CALL_BUDGET=120)
    assert stopped.process.returncode == exitcodes.QUOTA, stopped.log[-3000:]
    assert "Could not fetch the detail" not in stopped.log, "a refused call is not a lost one"
    resumed = run_to_end(tmp_path, sandbox, "resumed", OPEN1688_DAILY_CALL_BUDGET=0)
    assert resumed.process.returncode == exitcodes.OK, resumed.log[-3000:]
    assert_every_offer_once_with_its_skus(tmp_path / "data")
    calls = sandbox.admin.stats()["calls_by_api"]
    assert calls["product.search.queryProductDetail"] == len(expected()), "each detail bought once"
    assert calls["product.search.keywordQuery"] == 8, "each search page bought once"


def test_details_lost_for_good_are_asked_for_again_by_the_resume(sandbox: SandboxProcess, tmp_path: Path) -> None:
    """A detail (or a search page) that failed for good is a gap (exit 4) until a later run fills it: the resume
    asks again, although Scrapy's dupefilter remembers the call as made."""
    sandbox.admin.config(faults={"seed": 21, "server_error": 0.08})
    failing = run_to_end(tmp_path, sandbox, "failing", OPEN1688_RETRY_TIMES=0)
    assert failing.process.returncode == exitcodes.INCOMPLETE, failing.log[-3000:]
    lost = failing.count("Could not fetch the detail of offer") + failing.count("Lost search page")
    assert failing.count("Could not fetch the detail of offer") > 0
    sandbox.admin.config(faults={"server_error": 0.0})
    resumed = run_to_end(tmp_path, sandbox, "resumed")
    assert resumed.process.returncode == exitcodes.OK, resumed.log[-3000:]
    assert resumed.wait_for(rf"Sending again {lost} call\(s\) the previous run of this crawl lost")
    assert_every_offer_once_with_its_skus(tmp_path / "data")


def test_freight_lost_for_good_is_a_gap_until_the_resume_sends_it_and_no_longer(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    """Enrichment calls lost for good are sent again by the resume, as details are: once it has them all it exits
    0 (a gap a resume fills is not handed over to it, or every later run would exit 4)."""
    freight = {"freight_to": "330000"}
    sandbox.admin.config(faults={"seed": 21, "server_error": 0.08})
    failing = run_to_end(tmp_path, sandbox, "failing", freight, OPEN1688_RETRY_TIMES=0)
    assert failing.process.returncode == exitcodes.INCOMPLETE, failing.log[-3000:]
    assert failing.count("Could not fetch the freight estimate of offer") > 0
    sandbox.admin.config(faults={"server_error": 0.0})
    resumed = run_to_end(tmp_path, sandbox, "resumed", freight)
    assert resumed.process.returncode == exitcodes.OK, resumed.log[-3000:]
    estimated = CrawlRun(0, "", "", tmp_path / "data").table("freight").column("offer_id").to_pylist()
    assert sorted(estimated) == sorted(expected()), "one estimate of every offer"
