"""The exit status a crawl ends with, and what it means, for the report.

The report is read long after the shell that ran the crawl is gone, so it
says which status ``scrapy crawl`` returned (``harvester.crawl.exitcodes``) and
what that status means to a scheduler or a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..crawl import exitcodes

MEANINGS = {
    exitcodes.OK: "finished: everything asked for was harvested",
    exitcodes.ERROR: "failed: a fatal error (configuration, access token, API not granted, Redis lost, the dataset "
    "unwritable, or a bug); fix it and run again with the same JOBDIR to resume",
    exitcodes.USAGE: "refused before any call: a bad argument, setting or file; nothing was called",
    exitcodes.QUOTA: "stopped: the call quota is used up (daily budget or paid package); run again to resume",
    exitcodes.INCOMPLETE: "finished with gaps: something asked for is not in the dataset (see coverage); a resume "
    "with the same JOBDIR asks again for the calls that failed",
    exitcodes.INTERRUPTED: "interrupted (Ctrl-C or SIGTERM): what was harvested is kept; run again with the same "
    "JOBDIR to resume",
}


def exit_status(stats: Mapping[str, Any]) -> dict[str, Any]:
    """``{"code": ..., "meaning": ...}`` for a crawl that ended with ``stats``."""
    code = exitcodes.for_crawl(stats)
    return {"code": code, "meaning": MEANINGS[code]}
