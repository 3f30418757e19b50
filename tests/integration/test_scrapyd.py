"""Deploying to scrapyd: ``scrapyd-deploy`` builds the egg and uploads it to a scrapyd started here, which
schedules a keyword crawl on the built-in sandbox and runs it to its end from the egg alone."""

from __future__ import annotations

import functools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harvester.sandbox.catalogue import Catalogue
from tests.support.crawls import CrawlRun

from .packaging import clean_environment, copy_source, run
from .scrapyd_server import Scrapyd

pytestmark = pytest.mark.e2e

CRAWL_ID = "20261128T190000Z-scrapyd"


@functools.cache
def expected(keyword: str) -> set[int]:
    return {int(i) for i in Catalogue(seed=1688, size=1_000_000).search(keyword=keyword)}


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[Scrapyd]:
    server = Scrapyd(tmp_path / "scrapyd", clean_environment(tmp_path / "home"))
    try:
        yield server.start()
    finally:
        server.stop()


def test_scrapyd_deploy_schedules_a_crawl_that_finishes_with_its_dataset(scrapyd: Scrapyd, tmp_path: Path) -> None:
    env = clean_environment(tmp_path / "home")
    missing = subprocess.run(
        [sys.executable, "-c", "import harvester"],
        cwd=scrapyd.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode != 0, "scrapyd's jobs can only get the harvester from the deployed egg"

    project = copy_source(tmp_path / "project")
    config = (project / "scrapy.cfg").read_text()
    assert "[deploy]" in config and "project = harvester" in config
    (project / "scrapy.cfg").write_text(config.replace("url = http://localhost:6800/", f"url = {scrapyd.url}"))
    deployed = run([sys.executable, "-m", "scrapyd_client.deploy", "--version", "1"], project, env)
    assert '"spiders": 6' in deployed.stdout and '"status": "ok"' in deployed.stdout, deployed.stdout
    assert scrapyd.call("listspiders.json?project=harvester")["spiders"] == [
        "categories",
        "image",
        "keyword",
        "monitor",
        "offers",
        "seller",
    ]

    data_dir = tmp_path / "data"
    settings = {
        "HARVEST_DATA_DIR": data_dir,
        "HARVEST_CRAWL_ID": CRAWL_ID,
        "OPEN1688_QPS": 0,
        "OPEN1688_STATE_DIR": tmp_path / "state",
        "OPEN1688_TOKEN_FILE": tmp_path / "token.json",
    }
    job = scrapyd.call(
        "schedule.json",
        [
            ("project", "harvester"),
            ("spider", "keyword"),
            ("keywords", "算盘"),
            *(("setting", f"{name}={value}") for name, value in settings.items()),
        ],
    )["jobid"]
    finished = scrapyd.wait_finished(job)

    assert f"Process finished: project='harvester' spider='keyword' job='{job}'" in scrapyd.log(), (
        f"the crawl exited with status 0:\n{scrapyd.log()[-3000:]}"
    )
    log = (scrapyd.root / finished["log_url"].removeprefix("/")).read_text()
    assert "Traceback" not in log and " ERROR: " not in log, log[-3000:]
    assert "Spider closed (finished)" in log
    run_ = CrawlRun(0, "", "", data_dir, CRAWL_ID)
    offers = [row["offer_id"] for row in run_.rows("products")]
    assert sorted(offers) == sorted(expected("算盘")), "the dataset holds every offer, once"
    assert run_.report["stats"]["finish_reason"] == "finished"
