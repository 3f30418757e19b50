"""The dataset files a crawl is about to read, checked before it makes any call.

A crawl reads committed part files in two cases: a resume (the offers this
crawl already wrote, so they are not fetched again) and a comparison with
the previous crawl (the monitor spider, ``HARVEST_CHANGES``). A file cut
short there (a full disk, a copy that failed) used to surface as pyarrow
tracebacks from inside the crawl's start-up; here its footer is read first
and the file named in one line, before anything is spent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..crawl import jobdir
from ..dataset.snapshot import check_complete, latest_crawl_id

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


def check_readable_inputs(settings: BaseSettings, spidercls: Any) -> None:
    """Raise ``DamagedPartFile`` (one line naming the file) when a part file this crawl will read is damaged."""
    data_dir = settings["HARVEST_DATA_DIR"]
    state = jobdir.load(settings["JOBDIR"]) if settings.get("JOBDIR") else None
    if state is not None:
        check_complete(data_dir, ("products", "missing"), state.crawl_id)
    custom = getattr(spidercls, "custom_settings", None) or {}
    if settings.getbool("HARVEST_CHANGES") or custom.get("HARVEST_CHANGES"):
        previous = latest_crawl_id(data_dir, excluding=state.crawl_id if state is not None else None)
        if previous is not None:
            check_complete(data_dir, ("products", "skus"), previous)
