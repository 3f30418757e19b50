"""Exit statuses of harvester commands, so scripts and schedulers can tell outcomes apart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import stats as keys
from . import stop

#: The crawl finished and got everything it was asked for (a resumed crawl: in all its runs together).
OK = 0
#: A fatal error: configuration (secret, ACL, token), Redis lost, the dataset unwritable, or an unexpected failure.
ERROR = 1
#: Refused before any call: bad command line or spider arguments, a guard setting or a file a crawl reads.
USAGE = 2
#: Stopped because the call quota is used up (daily budget or paid package); resumable.
QUOTA = 3
#: Finished, but some calls failed for good: the dataset has gaps (see the summary).
INCOMPLETE = 4
#: Interrupted (Ctrl-C / SIGTERM, once or twice); what was harvested is kept, a resume continues.
INTERRUPTED = 130

_BY_REASON = {
    stop.DAILY_BUDGET_SPENT: QUOTA,
    stop.QUOTA_USED_UP: QUOTA,
    stop.FATAL_CONFIGURATION: ERROR,
    stop.REDIS_UNAVAILABLE: ERROR,
    stop.DATASET_WRITE_FAILED: ERROR,
    stop.PARQUET_APPEND_REFUSED: ERROR,
    stop.SHUTDOWN: INTERRUPTED,
}


def dataset_unclosed(stats: Mapping[str, Any]) -> bool:
    """The dataset opened and never closed: what it buffered was not committed, whatever the crawl's reason."""
    return bool(stats.get(keys.DATASET_CRAWL_ID)) and not stats.get(keys.DATASET_CLOSED)


def for_crawl(stats: Mapping[str, Any]) -> int:
    if dataset_unclosed(stats):
        return ERROR
    reason = stats.get(keys.STOP_REASON) or stats.get("finish_reason") or "finished"
    if reason in _BY_REASON:
        return _BY_REASON[reason]
    if reason != "finished":
        return ERROR
    return INCOMPLETE if any(stats.get(gap.key, 0) for gap in keys.GAPS) else OK
