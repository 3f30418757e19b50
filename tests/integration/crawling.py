"""Real ``scrapy crawl`` runs against the sandbox fixture, and what they left: the dataset and the crawl report.

The spider tests go through :func:`run_crawl`, a shorthand of
``tests.support.crawls.crawl``: each run gets a crawl id of its own,
later than every earlier one of the session, so "the latest crawl" is always
the last run and a test reads exactly the rows of the crawl it means; and the
sandbox is left to answer as fast as it can (no pacing, no progress lines,
no report samples).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import PATIENCE, CrawlRun, crawl

_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
_runs = itertools.count(1)


def next_crawl_id() -> str:
    """A generated-form crawl id, one second after the previous run's."""
    number = next(_runs)
    return f"{(_EPOCH + timedelta(seconds=number)):%Y%m%dT%H%M%SZ}-{number:06x}"


def run_crawl(
    sandbox: SandboxProcess,
    spider: str,
    data_dir: Path,
    *arguments: str,
    settings: dict[str, Any] | None = None,
    timeout: float = PATIENCE,
) -> CrawlRun:
    """``scrapy crawl spider -a argument...`` against ``sandbox``; ``arguments`` are ``name=value`` strings."""
    return crawl(
        spider,
        data_dir,
        sandbox=sandbox,
        args=dict(argument.split("=", 1) for argument in arguments),
        settings={"OPEN1688_QPS": 0, "HARVEST_REPORT_SAMPLE_INTERVAL": 0, **(settings or {})},
        crawl_id=next_crawl_id(),
        timeout=timeout,
    )
