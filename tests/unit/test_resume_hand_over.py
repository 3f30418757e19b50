"""What one run of a crawl hands to the next run of the same JOBDIR when it stops cleanly.

Scrapy's JOBDIR keeps the queue and the dupefilter; what the harvester holds
in memory besides must go to the next run too, or a resume silently loses
it: the capped queries waiting for their keyword's facets (the navigation
call is in the saved queue, its answer would find nobody waiting), the open
split ledgers, the calls lost for good (the dupefilter would keep them from
ever being asked again), and the gaps no later run can fill (so the resumed
run's exit status is the whole crawl's).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.http import TextResponse
from scrapy.utils.misc import build_from_crawler

from harvester.crawl import stats as keys
from harvester.crawl.resume import resume
from harvester.gateway.calls import OUTCOME
from harvester.open1688 import endpoints
from harvester.open1688.outcomes import classify
from harvester.open1688.queries import SearchQuery
from harvester.spiders.keyword import KeywordSpider
from harvester.stages.details import Wanted
from harvester.stages.ledger import MemorySplitLedger, Verdict
from tests.crawlers import project_crawler


def run_of(tmp_path: Path, **settings: Any) -> tuple[Any, KeywordSpider]:
    """One run of the crawl whose JOBDIR is ``tmp_path/job``, opened as Scrapy opens it."""
    crawler = project_crawler(
        JOBDIR=str(tmp_path / "job"),
        HARVEST_DATA_DIR=str(tmp_path / "data"),
        OPEN1688_SEARCH_CAP=200,
        OPEN1688_SPLIT_DIMENSIONS="facet",
        **settings,
    )
    spider = KeywordSpider.from_crawler(crawler, keywords="风筝")
    crawler.spider = spider
    crawler.stats.open_spider()
    crawler.signals.send_catch_log(signals.spider_opened, spider=spider)
    return crawler, spider


def stop(crawler: Any, spider: KeywordSpider) -> None:
    crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason="shutdown")


def answer(request: Request, endpoint: endpoints.Endpoint, result: Any) -> TextResponse:
    """The gateway's answer to ``request``, decoded as the API errors middleware leaves it for the callback."""
    body = json.dumps({"result": {"success": True, "code": "200", "result": result}}).encode()
    request.meta[OUTCOME] = classify(200, body, headers={"content-type": "application/json"}, endpoint=endpoint)
    return TextResponse(request.url, body=body, request=request)


def first_page_at_the_cap(spider: KeywordSpider) -> list[Any]:
    request = spider.pager.first_page(SearchQuery.from_arguments(keyword="风筝"))
    items = [{"offerId": 100 + n, "priceInfo": {"price": "9.90"}} for n in range(50)]
    return list(spider.pager.parse(answer(request, endpoints.KEYWORD_SEARCH, {"totalRecords": 900, "data": items})))


def facets_answer(navigation: Request) -> TextResponse:
    groups = [{"id": "973", "children": [{"id": "973:1"}, {"id": "973:2"}, {"id": "973:3"}]}]
    return answer(navigation, endpoints.KEYWORD_NAVIGATION, groups)


def test_a_capped_query_waiting_for_facets_is_split_by_the_next_run(tmp_path: Path) -> None:
    crawler, spider = run_of(tmp_path)
    output = first_page_at_the_cap(spider)
    navigation = [r for r in output if isinstance(r, Request) and "keywordSNQuery" in r.url]
    assert len(navigation) == 1, "the query waits for its keyword's facets"
    stop(crawler, spider)  # the navigation call is still in the queue (which Scrapy's JOBDIR keeps)

    crawler, spider = run_of(tmp_path)
    slices = list(spider.pager.parse_navigation(facets_answer(navigation[0])))
    assert [r.meta["query"].sn_id for r in slices] == ["973:1", "973:2", "973:3"]
    assert all(r.meta["page"] == 1 for r in slices)


def test_without_the_hand_over_the_facets_answer_would_find_nobody_waiting(tmp_path: Path) -> None:
    """The control: a run that was not handed the waiting query splits nothing (what a resume used to do)."""
    crawler, spider = run_of(tmp_path)
    navigation = [r for r in first_page_at_the_cap(spider) if isinstance(r, Request) and "keywordSNQuery" in r.url]
    fresh, spider = run_of(tmp_path / "elsewhere")
    assert list(spider.pager.parse_navigation(facets_answer(navigation[0]))) == []


def test_an_open_split_ledger_is_closed_by_the_next_run(tmp_path: Path) -> None:
    crawler, spider = run_of(tmp_path)
    ledger = build_from_crawler(MemorySplitLedger, crawler)
    ledger.open("parent", 2000, 3)
    assert ledger.answered("parent", 900) is None
    stop(crawler, spider)

    crawler, spider = run_of(tmp_path)
    ledger = build_from_crawler(MemorySplitLedger, crawler)
    assert ledger.answered("parent", 800) is None
    assert ledger.answered("parent", 700) == Verdict(reported=2000, children=2400)


def test_calls_lost_for_good_are_sent_again_by_the_next_run_past_the_dupefilter(tmp_path: Path) -> None:
    crawler, spider = run_of(tmp_path)
    lost = spider.details.want([Wanted(5551234, "风筝", {"monthSold": 7})])[0]
    lost.meta["retry_times"] = 5
    resume(crawler).retry_next_run(lost)
    stop(crawler, spider)

    crawler, spider = run_of(tmp_path)
    again = list(resume(crawler).retries(spider))
    assert len(again) == 1
    request = again[0]
    assert (request.url, request.body) == (lost.url, lost.body)
    assert request.dont_filter and "retry_times" not in request.meta, "fresh retries, past the dupefilter"
    assert request.meta["wanted"] == Wanted(5551234, "风筝", {"monthSold": 7}), "the listing fields travel with it"
    assert request.callback == spider.parse_product_detail
    assert crawler.stats.get_value("harvester/resume/retried") == 1
    assert list(resume(crawler).retries(spider)) == [], "handed over once"


def test_gaps_no_later_run_can_fill_count_in_the_resumed_run(tmp_path: Path) -> None:
    """A query at the search cap stays one; a lost detail does not count twice: the resume asks for it again."""
    crawler, spider = run_of(tmp_path)
    crawler.stats.set_value(keys.SEARCH_CAPPED_LEAVES, 2)
    crawler.stats.set_value(keys.DETAILS_LOST, 3)
    stop(crawler, spider)

    crawler, spider = run_of(tmp_path)
    assert crawler.stats.get_value(keys.SEARCH_CAPPED_LEAVES) == 2
    assert crawler.stats.get_value(keys.DETAILS_LOST) is None


def test_a_killed_run_hands_nothing_over(tmp_path: Path) -> None:
    """After a kill the crawl starts again from its units: what an earlier clean stop handed over is stale."""
    crawler, spider = run_of(tmp_path)
    crawler.stats.set_value(keys.SEARCH_CAPPED_LEAVES, 2)
    stop(crawler, spider)
    crawler, spider = run_of(tmp_path)  # opened (the JOBDIR is marked unclean), then killed: no stop
    (tmp_path / "job" / "requests.queue").mkdir()  # what Scrapy leaves in a JOBDIR

    crawler, spider = run_of(tmp_path)
    assert crawler.stats.get_value(keys.SEARCH_CAPPED_LEAVES) is None
    assert resume(crawler).recovering


def test_an_offer_written_from_its_search_listing_alone_is_not_done(tmp_path: Path) -> None:
    """Older versions wrote such rows when a detail failed: a resume (and a distributed crawl's reconciliation)
    must fetch the detail, not take the offer as done."""
    import dataclasses

    from harvester.crawl.resume import written_offers
    from tests.builders import COMPACT_CRAWL, many_products, write_crawl

    detailed, listed = many_products(range(1, 3))
    listed = dataclasses.replace(listed, source_api="keyword_search")
    write_crawl(tmp_path, COMPACT_CRAWL, [detailed, listed])
    assert written_offers(str(tmp_path), COMPACT_CRAWL) == {1}
