"""Crawl report documents for the renderer's tests, shaped like the ones the extension writes."""

from __future__ import annotations

import copy
from typing import Any

from harvester.report.exits import exit_status

HOSTILE = "<script>alert(1)</script>"
#: Breaks out of an attribute and adds an element with a handler, if anything is left unescaped.
HOSTILE_ATTRIBUTE = '"><img src=x onerror="alert(2)">'

_STATS: dict[str, Any] = {
    "start_time": "2025-03-01T08:00:00.000000+00:00",
    "finish_time": "2025-03-01T08:01:40.000000+00:00",
    "elapsed_time_seconds": 100.0,
    "finish_reason": "finished",
    "harvester/quota/calls": 1000,
    "harvester/quota/qps": 10.0,
    "harvester/quota/max_calls_per_second": 10,
    "harvester/api/answers/http.503": 12,
    "harvester/api/answers/gw.QosAppFrequencyLimit": 5,
    "harvester/api/exceptions/scrapy.exceptions.DownloadTimeoutError": 3,
    "harvester/api/retry/count": 15,
    "harvester/api/retry/reason_count/http.503": 12,
    "harvester/api/retry/reason_count/scrapy.exceptions.DownloadTimeoutError": 3,
    "harvester/api/throttled_retries": 5,
    "harvester/api/token_refreshes_seen": 1,
    "harvester/search/queries": 3,
    "harvester/search/pages": 40,
    "harvester/search/reported": 1800,
    "harvester/details/wanted": 1790,
    "harvester/details/fetched": 1785,
    "harvester/details/missing": 5,
    "harvester/dataset/rows/products": 1785,
    "harvester/dataset/files/products": 1,
    "harvester/dataset/bytes/products": 400_000,
    "harvester/dataset/lost_rows/products": 0,
    "harvester/dataset/rows/skus": 6500,
    "harvester/dataset/files/skus": 1,
    "harvester/dataset/bytes/skus": 290_000,
    "harvester/dataset/crawl_id": "20250301T080000Z-abcdef",
    "harvester/process/peak_rss_mb": 250.5,
    "harvester/process/cpu_seconds": 12.3,
}


def document(**changes: Any) -> dict[str, Any]:
    """A finished crawl of three keywords, 100 s at 10 calls/s, a few retries; ``changes`` replace top-level keys."""
    stats = copy.deepcopy(_STATS)
    doc: dict[str, Any] = {
        "crawl_id": "20250301T080000Z-abcdef",
        "worker_id": "host_1234",
        "spider": "keyword",
        "finish_reason": "finished",
        "exit": exit_status(stats),
        "qps": 10.0,
        "queries": {
            "hits": 1790,
            "exact": True,
            "top": [
                {"query": "风筝", "hits": 900, "overcount": 0},
                {"query": "毛笔", "hits": 450, "overcount": 0},
                {"query": "茶具", "hits": 380, "overcount": 0},
            ],
            "others": {"queries": 1, "hits": 60},
        },
        "stats": stats,
        "series": [
            {
                "t": 5.0 * i,
                "calls": 50 * i,
                "fetched": 400 * i,
                "pages": 2 * i,
                "retries": i // 2,
                "throttled_retries": i // 4,
            }
            for i in range(21)
        ],
    }
    doc.update(changes)
    return doc


def with_stats(base: dict[str, Any], **stats: Any) -> dict[str, Any]:
    """``base`` with stats changed (keys given with ``__`` for ``/``) and its exit status recomputed."""
    doc = copy.deepcopy(base)
    doc["stats"].update({key.replace("__", "/"): value for key, value in stats.items()})
    doc["exit"] = exit_status(doc["stats"])
    return doc


def hostile_document() -> dict[str, Any]:
    """Markup wherever data reaches the page: keywords, gateway codes, messages, names."""
    doc = with_stats(
        document(spider=HOSTILE, worker_id=HOSTILE_ATTRIBUTE, crawl_id=HOSTILE),
        harvester__stop__reason="fatal_configuration",
        harvester__stop__message=f"gateway said {HOSTILE}",
    )
    doc["stats"][f"harvester/api/answers/{HOSTILE_ATTRIBUTE}"] = 4
    doc["stats"][f"harvester/dataset/rows/{HOSTILE_ATTRIBUTE}"] = 1
    doc["queries"]["top"][0]["query"] = HOSTILE
    doc["queries"]["top"][1]["query"] = HOSTILE_ATTRIBUTE
    return doc
