"""Why a crawl stops early, and the one way to stop it: keep what was harvested, say why once.

Every early stop (the quota spent, a fatal configuration error, Redis gone,
the dataset unwritable) goes through :func:`stop_crawl`, so the stop reason
and its one-line message land in the stats the exit status, the summary and
the report read, and a second cause never overwrites the first.

A stopping crawl (one of those, or Ctrl-C) sends no new call and drops
none: a call not yet sent, or refused because of the stop (the budget
spent, the paid quota used up, a fatal answer), is :func:`put_back` into the
scheduler's queue, which a JOBDIR saves for the resume. A dropped request
would be lost for good: Scrapy's dupefilter remembers it as scheduled, so a
resume never asks for it again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from . import stats as keys

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: The gateway answered gw.NoUsageLeftError: the app's paid call package is used up.
QUOTA_USED_UP = "quota_used_up"
#: OPEN1688_DAILY_CALL_BUDGET is spent for today.
DAILY_BUDGET_SPENT = "daily_budget_spent"
#: Nothing will succeed until the configuration is fixed (secret, token, API not granted).
FATAL_CONFIGURATION = "fatal_configuration"
#: A distributed crawl lost its Redis.
REDIS_UNAVAILABLE = "redis_unavailable"
#: A dataset file could not be written (a full disk, a lost bucket).
DATASET_WRITE_FAILED = "dataset_write_failed"
#: ``-o x.parquet`` on an existing Parquet file (which cannot be appended to).
PARQUET_APPEND_REFUSED = "parquet_append_refused"
#: Scrapy's own reason for a crawl stopped by a signal (Ctrl-C, SIGTERM).
SHUTDOWN = "shutdown"


def stop_crawl(crawler: Crawler, reason: str, message: str) -> None:
    """Close the crawl once, keeping what was harvested, and leave the reason in the stats.

    Called from middlewares and pipelines in the middle of their work: closing
    waits for downloads and items in flight, so it is scheduled, not awaited.
    Call it on the reactor thread (from another thread, through
    ``reactor.callFromThread``).
    """
    if not record(crawler, reason, message):
        return
    try:
        engine = crawler.engine
    except RuntimeError:  # the crawl has not started: nothing to close
        return
    if engine is not None and engine.spider is not None:
        asyncio.ensure_future(engine.close_spider_async(reason=reason))


def record(crawler: Crawler, reason: str, message: str) -> bool:
    """Leave the reason and its message in the stats unless an earlier cause is there (True if this one is): for
    a cause found while the crawl is closing already (a part file that cannot be completed)."""
    stats = crawler.stats
    assert stats is not None
    if stats.get_value(keys.STOP_REASON):
        return False
    stats.set_value(keys.STOP_REASON, reason)
    stats.set_value(keys.STOP_MESSAGE, message)
    logger.error("Stopping the crawl: %s", message)
    return True


def stopping(crawler: Crawler) -> bool:
    """Whether the crawl is on its way out: stopped through :func:`stop_crawl`, or shut down by Scrapy (Ctrl-C,
    SIGTERM: the engine no longer runs)."""
    stats = crawler.stats
    if stats is not None and stats.get_value(keys.STOP_REASON):
        return True
    try:
        engine = crawler.engine
    except RuntimeError:
        return False
    return engine is not None and engine.spider is not None and not engine.running


def put_back(crawler: Crawler, request: Request) -> Request:
    """``request`` again, unsent, for the scheduler (a downloader middleware returns it): the stopping crawl does
    not send it and the JOBDIR keeps it. ``dont_filter``: the dupefilter already holds its fingerprint."""
    stats = crawler.stats
    assert stats is not None
    stats.inc_value(keys.STOP_PUT_BACK)
    return request.replace(dont_filter=True)
