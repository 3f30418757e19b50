"""The crawl report extension on its own: what it counts while the crawl runs and the two files it leaves."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from harvester.extensions.crawl_report import CrawlReport
from harvester.items import SearchHit
from tests.crawlers import project_crawler


def hit(query: str, offer_id: int) -> SearchHit:
    return SearchHit(query=query, offer_id=offer_id, page=1, position=offer_id, found_at=datetime.now(UTC))


def test_an_interrupted_crawl_leaves_both_files_with_hits_per_query(tmp_path: Path) -> None:
    crawler = project_crawler(
        HARVEST_DATA_DIR=str(tmp_path),
        HARVEST_CRAWL_ID="20250301T080000Z-abcdef",
        HARVEST_WORKER_ID="w1",
        HARVEST_REPORT_TOP_QUERIES=2,
    )
    report = CrawlReport.from_crawler(crawler)
    assert crawler.stats is not None
    crawler.stats.set_value("finish_reason", "shutdown")
    for query, hits in (("风筝", 5), ("茶具", 3), ("算盘", 2), ("毛笔", 1)):
        for offer_id in range(hits):
            report.item_scraped(hit(query, offer_id))
    report.item_scraped(object())
    report.sample()
    report.spider_closed(SimpleNamespace(name="keyword"), "shutdown")

    document = json.loads((tmp_path / "_reports" / "20250301T080000Z-abcdef-w1.json").read_text(encoding="utf-8"))
    assert document["exit"]["code"] == 130
    assert document["queries"] == {
        "hits": 11,
        "exact": True,
        "top": [{"query": "风筝", "hits": 5, "overcount": 0}, {"query": "茶具", "hits": 3, "overcount": 0}],
        "others": {"queries": 2, "hits": 3},
    }
    assert [set(point) for point in document["series"]] == [
        {"t", "calls", "fetched", "pages", "retries", "throttled_retries"}
    ] * 2
    page = (tmp_path / "_reports" / "20250301T080000Z-abcdef-w1.html").read_text(encoding="utf-8")
    assert "interrupted (Ctrl-C or SIGTERM)" in page and "2 other queries" in page
    assert sorted(p.name for p in (tmp_path / "_reports").iterdir()) == [
        "20250301T080000Z-abcdef-w1.html",
        "20250301T080000Z-abcdef-w1.json",
    ]
