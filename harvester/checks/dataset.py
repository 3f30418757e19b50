"""The dataset files a crawl is about to read, checked before it makes any call.

A crawl reads committed part files in three cases: a resume (the offers
this crawl already wrote, so they are not fetched again), a comparison with
the previous crawl (the monitor spider, ``HARVEST_CHANGES``) and an
incremental harvest (``-a details=new|changed`` indexes every earlier
detail). A file cut short there (a full disk, a copy that failed) used to
surface as pyarrow tracebacks from inside the crawl's start-up; here its
footer is read first and the file named in one line, before anything is
spent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..crawl import jobdir
from ..dataset.snapshot import check_complete, crawls_newest_first, latest_crawl_id
from ..dataset.storage import from_settings
from ..history.plan import Mode, parse_mode

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

#: What a resume reads of its own crawl, and a comparison of the crawl before.
RESUMED = ("products", "missing", "listings")
PREVIOUS = ("products", "skus", "listings", "queries")


def check_readable_inputs(settings: BaseSettings, spidercls: Any, arguments: Mapping[str, Any]) -> None:
    """Raise ``DamagedPartFile`` (one line naming the file) when a part file this crawl will read is damaged."""
    storage = from_settings(settings)
    state = jobdir.load(settings["JOBDIR"]) if settings.get("JOBDIR") else None
    own = state.crawl_id if state is not None else None
    if own is not None:
        check_complete(storage, RESUMED, own)
    custom = getattr(spidercls, "custom_settings", None) or {}
    if settings.getbool("HARVEST_CHANGES") or custom.get("HARVEST_CHANGES"):
        previous = latest_crawl_id(storage, excluding=own)
        if previous is not None:
            check_complete(storage, PREVIOUS, previous)
    if getattr(spidercls, "plans_details", False):
        mode = parse_mode(arguments.get("details") or spidercls.default_details)
        if mode in (Mode.NEW, Mode.CHANGED):
            for crawl_id in crawls_newest_first(storage, "products"):
                if crawl_id != own:
                    check_complete(storage, ("products",), crawl_id)
