"""The enrichment: the official pages' samples through classify and the normaliser, the arguments, the trend
windows, the planned and capped calls, and the category tree a split cuts along."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from harvester.crawl import stats as keys
from harvester.dataset.tree import category_children
from harvester.exceptions import ArgumentError
from harvester.gateway.access import GatewayAccess
from harvester.inputs.provinces import PROVINCES, Destination, parse_destination
from harvester.items import Category, FreightEstimate
from harvester.normalise.enrichment import (
    CategoryPath,
    category_info,
    child_rows,
    complete,
    discount,
    freight_row,
    translations,
    trend_rows,
)
from harvester.open1688 import endpoints
from harvester.open1688.endpoints import Endpoint
from harvester.open1688.outcomes import classify
from harvester.open1688.queries import SearchQuery
from harvester.sandbox import regions
from harvester.schema import TABLES
from harvester.spiders.keyword import KeywordSpider, hot_keywords
from harvester.stages.enrichment import (
    Enrichment,
    EnrichmentFetcher,
    enrichment_summary,
    parse_enrichment,
    trend_windows,
    trends_end,
)
from harvester.stages.splits import Dimension, Splitter
from tests import official_pages as pages
from tests.builders import write_crawl
from tests.crawlers import project_crawler

NOW = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)


def _noted() -> tuple[Counter[str], Any]:
    notes: Counter[str] = Counter()
    return notes, lambda what: notes.update([what])


def _data(doc: str, endpoint: Endpoint, sample: Any = None) -> Any:
    """An answer (the page's own output sample unless given) classified as the client classifies every answer."""
    document = pages.load(doc)["output_sample"] if sample is None else sample
    body = json.dumps(document, ensure_ascii=False).encode()
    outcome = classify(200, body, headers={"Content-Type": "application/json;charset=UTF-8"}, endpoint=endpoint)
    assert outcome.ok, outcome.message
    return outcome.data


# --- the pages' samples ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "endpoint", "metric", "raw", "value"),
    [
        (pages.SELL_TREND, endpoints.SELL_TREND, "sell", "100", 100.0),
        (pages.PRICE_TREND, endpoints.PRICE_TREND, "price", "1.12", 1.12),
        (pages.REPURCHASE_TREND, endpoints.REPURCHASE_TREND, "repurchase", "10%", 0.10),
    ],
)
def test_each_trend_pages_sample_is_one_row_a_day(doc, endpoint, metric, raw, value):
    notes, note = _noted()
    (row,) = trend_rows(_data(doc, endpoint), offer_id=123, metric=metric, crawled_at=NOW, note=note)
    sample_day = pages.load(doc)["output_sample"]["result"]["result"][0]["date"]
    assert (row.offer_id, row.metric, row.day, row.raw) == (
        123,
        metric,
        datetime.strptime(sample_day, "%Y%m%d").date(),
        raw,
    )
    assert row.value == pytest.approx(value)
    assert row.price == (Decimal("1.12") if metric == "price" else None)
    assert not notes


def test_a_day_without_data_is_a_row_without_a_value_and_a_bad_date_is_dropped():
    notes, note = _noted()
    rows = trend_rows(
        [{"date": "20250629", "value": ""}, {"date": "29/06", "value": "3"}, "x"],
        offer_id=1,
        metric="sell",
        crawled_at=NOW,
        note=note,
    )
    assert [(r.day, r.value, r.raw) for r in rows] == [(date(2025, 6, 29), None, "")]
    assert notes == {"dropped/trend_date": 1, "dropped/trend_point": 1}


@pytest.mark.parametrize("shape", ["sample", "table"])
def test_the_translation_pages_sample_names_its_category(shape):
    notes, note = _noted()
    # The page's sample puts success, code and message beside result, which holds the category; its table nests
    # them (result{success, code, message, result}): both are read.
    document = pages.load(pages.CATEGORY_TRANSLATION)["output_sample"]
    if shape == "table":
        document = {"result": {"success": True, "code": "S0000", "result": document["result"]}}
    body = json.dumps(document, ensure_ascii=False).encode()
    outcome = classify(200, body, headers={"Content-Type": "application/json"}, endpoint=endpoints.CATEGORY_TRANSLATION)
    assert outcome.ok
    assert translations(outcome.data, note, outcome.document) == ({1031910: "ワンピース"}, "ja")
    assert not notes


def test_the_category_pages_empty_sample_has_no_category_info():
    # The page's return example is an empty object: no CategoryInfo, which the spider counts as a walk lost.
    data = _data(pages.CATEGORY, endpoints.CATEGORY, {"succes": "true", "categoryInfo": []})
    assert category_info(data, 0) is None
    assert category_info(pages.load(pages.CATEGORY)["output_sample"].get("categoryInfo"), 0) is None


def test_first_level_categories_listed_as_the_answer_for_0_are_read_as_the_roots_children():
    listed = [
        {"categoryID": 10166, "name": "服装服饰", "isLeaf": False, "categoryType": "1"},
        {"categoryID": 1813, "name": "玩具", "isLeaf": False, "categoryType": "1"},
    ]
    notes, note = _noted()
    root = category_info(listed, 0)
    assert root is not None
    rows = child_rows(root, CategoryPath((), (), ()), {}, None, crawled_at=NOW, note=note)
    assert [(row.category_id, row.parent_id, row.level, row.name) for row, _path in rows] == [
        (10166, 0, 1, "服装服饰"),
        (1813, 0, 1, "玩具"),
    ]
    assert not notes


def _page_fields(doc: str, prefix: str) -> dict[str, Any]:
    """A model holding every field of a page's response table under ``prefix``, typed as the table says."""
    values = {
        "String": "7",
        "java.lang.String": "7",
        "java.lang.Long": 9,
        "Long": 9,
        "java.lang.Integer": 1,
        "Integer": 1,
        "java.lang.Double": 0.5,
        "Double": 0.5,
        "Boolean": False,
        "java.lang.Boolean": False,
    }
    model: dict[str, Any] = {}
    for path, kind in pages.load(doc)["response_fields"].items():
        if path.startswith(prefix) and "[]" not in path and "." not in path[len(prefix) :] and kind in values:
            model[path[len(prefix) :]] = values[kind]
    return model


@pytest.mark.parametrize(
    ("sent", "kept", "dropped"),
    [
        ("", 1.0, False),
        (" ", 1.0, False),
        ("1", 1.0, False),
        ("0.9", 0.9, False),
        (0.95, 0.95, False),
        (None, None, False),
        ("90", None, True),
        ("9折", None, True),
        ("0", None, True),
    ],
)
def test_the_freight_discount_is_a_factor_and_empty_is_none_as_the_page_says(sent, kept, dropped):
    notes, note = _noted()
    assert discount(sent, note) == kept
    assert ("dropped/freight_discount" in notes) is dropped


def test_every_field_of_the_freight_pages_table_lands_in_a_column():
    # The freight page has no sample: an answer with every field its table documents, typed as the table says.
    model = _page_fields(pages.FREIGHT, "result.result.")
    # Every scalar of the model; productFreightSkuInfoModels (per-SKU sizes) is not kept: skus has them from details.
    assert len(model) == 19
    model |= {"offerId": 42, "freight": "12.5", "firstFee": "0", "nextFee": "2.00", "discount": "0.9"}
    data = _data(
        pages.FREIGHT,
        endpoints.FREIGHT_ESTIMATE,
        {"result": {"success": True, "code": "200", "message": "", "result": model}},
    )
    notes, note = _noted()
    row = freight_row(data, offer_id=42, address=("330000", "330100", "330106"), quantity=2, crawled_at=NOW, note=note)
    assert isinstance(row, FreightEstimate)
    assert (row.freight, row.first_fee, row.next_fee, row.discount) == (
        Decimal("12.5"),
        Decimal(0),
        Decimal("2.00"),
        0.9,
    )
    assert (row.to_province_code, row.to_city_code, row.to_district_code, row.quantity) == (
        "330000",
        "330100",
        "330106",
        2,
    )
    assert (row.template_id, row.template_type, row.free_postage, row.weight_kg) == (9, 1, False, 0.5)
    assert not notes
    assert all(getattr(row, name) is not None for name in TABLES["freight"].names if name != "crawl_id")


def test_a_freight_answer_for_another_offer_is_kept_under_the_offer_asked_for():
    notes, note = _noted()
    row = freight_row(
        {"offerId": "7", "freight": "abc"}, offer_id=8, address=("1", "2", "3"), quantity=1, crawled_at=NOW, note=note
    )
    assert (row.offer_id, row.freight) == (8, None)
    assert notes == {"repaired/freight_offer_id": 1, "dropped/price_unparseable": 1}


def test_category_rows_carry_their_path_and_parents_are_completed_by_their_own_answer():
    notes, note = _noted()
    info = {
        "categoryID": 0,
        "childCategorys": [
            {"id": 10166, "name": "服装服饰", "isLeaf": False, "categoryType": "1"},
            {"id": 7, "name": "玩具", "isLeaf": "true"},
        ],
    }
    (apparel, apparel_path), (toys, _) = child_rows(
        info, CategoryPath(), {10166: "Apparel"}, "en", crawled_at=NOW, note=note
    )
    assert (apparel.level, apparel.parent_id, apparel.path, apparel.path_translated, apparel.path_ids) == (
        1,
        0,
        "服装服饰",
        "Apparel",
        [10166],
    )
    assert (toys.is_leaf, toys.name_translated, toys.language, toys.path_translated) == (True, None, None, None)
    complete(
        apparel,
        {"minOrderQuantity": 1, "isSupportProcessing": True, "featureInfos": [{"key": "name", "value": "jiagong"}]},
        note,
    )
    assert (apparel.min_order_quantity, apparel.supports_processing, apparel.features) == (1, True, ["name=jiagong"])
    ((dress, _),) = child_rows(
        {"childCategorys": [{"id": 1031910, "name": "连衣裙", "isLeaf": True}]},
        CategoryPath.from_meta(apparel_path.as_meta()),
        {1031910: "Dress"},
        "en",
        crawled_at=NOW,
        note=note,
    )
    assert (dress.level, dress.parent_id, dress.path, dress.path_translated, dress.path_ids) == (
        2,
        10166,
        "服装服饰 > 连衣裙",
        "Apparel > Dress",
        [10166, 1031910],
    )
    assert isinstance(dress, Category) and not notes


def test_hot_keywords_are_the_chinese_ones_once_each():
    data = _data(
        pages.TOP_KEYWORDS,
        endpoints.TOP_KEYWORDS,
        {
            "result": {
                "success": "true",
                "code": "200",
                "result": [
                    {"seKeyword": "睡衣", "seKeywordTranslation": "Pajamas"},
                    {"seKeyword": " 睡衣 "},
                    {"seKeyword": ""},
                    {"seKeyword": "套装睡衣"},
                ],
            }
        },
    )
    assert hot_keywords(data) == ["睡衣", "套装睡衣"]


# --- arguments ----------------------------------------------------------------------------------------


def test_every_province_alone_stands_for_an_address_the_sandbox_knows():
    for code, name, _city, _district in PROVINCES:
        destination = parse_destination(code)
        assert parse_destination(name) == parse_destination(name.rstrip("省市")) == destination
        assert regions.destination(*destination.codes).code == code


@pytest.mark.parametrize(
    ("given", "codes"),
    [
        ("330000", ("330000", "330100", "330106")),
        ("浙江", ("330000", "330100", "330106")),
        ("广西", ("450000", "450100", "450102")),
        ("330000,330100,330108", ("330000", "330100", "330108")),
        (" 330000/330200/330282 ", ("330000", "330200", "330282")),
    ],
)
def test_freight_destinations(given, codes):
    assert parse_destination(given) == Destination(*codes)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"freight_to": "火星"}, "freight_to='火星' is not a mainland province"),
        ({"freight_to": "990000"}, "freight_to='990000' is not a mainland province"),
        ({"freight_to": "330000,440100,330108"}, "freight_to='330000,440100,330108' is not province,city,district"),
        ({"freight_to": "330000", "freight_quantity": "0"}, "freight_quantity='0' must be a positive whole number"),
        ({"freight_quantity": "3"}, "freight_quantity needs freight_to"),
        ({"trends": "yes please"}, "trends='yes please': give 1 or 0"),
    ],
)
def test_bad_enrichment_arguments_are_refused_before_any_call(arguments, message):
    with pytest.raises(ArgumentError) as refused:
        KeywordSpider.check_arguments({"keywords": "茶具", **arguments})
    assert str(refused.value).startswith(message)


def test_enrichment_arguments():
    assert parse_enrichment({}) == Enrichment() and not Enrichment().wanted
    assert parse_enrichment({"freight_to": "浙江省", "freight_quantity": "5", "trends": "1"}) == Enrichment(
        Destination("330000", "330100", "330106"), 5, True
    )


def test_a_category_alone_is_a_keyword_crawl_and_nothing_at_all_is_refused():
    KeywordSpider.check_arguments({"category_id": "500301005"})
    with pytest.raises(ArgumentError, match="no keyword"):
        KeywordSpider.check_arguments({"price_start": "1"})


# --- trend windows ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "days", "windows"),
    [
        (date(2025, 6, 30), 30, [(date(2025, 6, 1), date(2025, 6, 30))]),
        (date(2025, 6, 30), 1, [(date(2025, 6, 30), date(2025, 6, 30))]),
        # A month from 31 January ends on 28 February: a second call for 1 March.
        (date(2025, 3, 1), 30, [(date(2025, 1, 31), date(2025, 2, 28)), (date(2025, 3, 1), date(2025, 3, 1))]),
        (
            date(2025, 6, 30),
            90,
            [
                (date(2025, 4, 2), date(2025, 5, 2)),
                (date(2025, 5, 3), date(2025, 6, 3)),
                (date(2025, 6, 4), date(2025, 6, 30)),
            ],
        ),
    ],
)
def test_trend_windows_are_at_most_a_month_each(end, days, windows):
    assert trend_windows(end, days) == windows


def test_trends_end_yesterday_in_china_unless_given():
    assert trends_end("", datetime(2025, 6, 30, 17, 0, tzinfo=UTC)) == date(2025, 6, 30)  # 1 July in China
    assert trends_end("", datetime(2025, 6, 30, 15, 0, tzinfo=UTC)) == date(2025, 6, 29)
    assert trends_end("20250101") == date(2025, 1, 1)
    # The embedded sandbox lives on its catalogue's date: its last complete day, unless the setting says otherwise.
    assert trends_end("", datetime(2026, 12, 6, tzinfo=UTC), last_complete_day=date(2025, 6, 30)) == date(2025, 6, 30)
    assert trends_end("20250101", last_complete_day=date(2025, 6, 30)) == date(2025, 1, 1)


# --- planned, capped, made ------------------------------------------------------------------------------


class _Callbacks:
    def parse_freight(self, response): ...

    def freight_failed(self, failure): ...

    def parse_trend(self, response): ...

    def trend_failed(self, failure): ...


def _fetcher(enrichment: Enrichment, *, dry_run: bool = False, **settings: Any) -> EnrichmentFetcher:
    crawler = project_crawler(HARVEST_TRENDS_END="20250630", **settings)
    crawler.stats.open_spider()
    return EnrichmentFetcher(crawler, GatewayAccess.from_crawler(crawler), _Callbacks(), enrichment, dry_run=dry_run)


def test_freight_and_trend_calls_are_planned_and_capped():
    fetcher = _fetcher(
        Enrichment(parse_destination("330000"), 3, True), HARVEST_FREIGHT_MAX_CALLS=2, HARVEST_TRENDS_MAX_CALLS=7
    )
    requests = fetcher.want([11, 12, 13])
    freight = [r for r in requests if r.meta["open1688_api"] == endpoints.FREIGHT_ESTIMATE.key]
    trends = [r for r in requests if r.meta["open1688_api"] != endpoints.FREIGHT_ESTIMATE.key]
    assert [r.meta["offer_id"] for r in freight] == [11, 12]
    assert freight[0].meta["quantity"] == 3 and freight[0].meta["address"] == ("330000", "330100", "330106")
    # Three calls an offer (one window of 30 days): two offers fit under seven calls, the third would not.
    assert sorted({r.meta["offer_id"] for r in trends}) == [11, 12] and len(trends) == 6
    assert b"tendQueryParam" in trends[0].body and b"20250601" in trends[0].body
    stats = fetcher.stats.get_stats()
    assert {
        key: stats.get(key)
        for key in (
            keys.FREIGHT_PLANNED,
            keys.FREIGHT_CALLS,
            keys.FREIGHT_CAPPED,
            keys.TRENDS_PLANNED,
            keys.TRENDS_CALLS,
            keys.TRENDS_CAPPED,
        )
    } == {
        keys.FREIGHT_PLANNED: 3,
        keys.FREIGHT_CALLS: 2,
        keys.FREIGHT_CAPPED: 1,
        keys.TRENDS_PLANNED: 9,
        keys.TRENDS_CALLS: 6,
        keys.TRENDS_CAPPED: 3,
    }
    assert enrichment_summary(stats) == (
        "enrichment freight: 3 calls planned, 2 made, 1 past the cap; trends: 9 calls planned, 6 made, 3 past the cap"
    )
    assert fetcher.plan() == (
        "freight of 3 piece(s) to 330000/330100/330106: 1 call per offer, at most 2; "
        "trends 20250601..20250630: 3 calls per offer, at most 7"
    )


def test_a_dry_run_plans_and_calls_nothing():
    fetcher = _fetcher(Enrichment(parse_destination("330000")), dry_run=True)
    assert fetcher.want([1, 2]) == []
    stats = fetcher.stats.get_stats()
    stats[keys.PLAN_DRY_RUN] = True
    assert enrichment_summary(stats) == "enrichment freight: 2 calls planned, 2 it would make"


def test_no_enrichment_asked_no_summary():
    assert enrichment_summary({}) is None


# --- the tree a split cuts along -----------------------------------------------------------------------


def _category(category_id: int, parent_id: int) -> Category:
    return Category(category_id, parent_id, None, None, None, None, None, None, [], None, None, None, None, None, NOW)


def test_a_capped_category_query_is_cut_into_its_children_past_single_child_levels(tmp_path):
    write_crawl(
        tmp_path,
        "20250701T080000Z-000001",
        [
            _category(1046, 0),
            _category(104601, 1046),
            _category(900461001, 104601),
            _category(900461002, 104601),
            _category(54, 0),
        ],
    )
    tree = category_children(tmp_path)
    assert tree == {0: (54, 1046), 1046: (104601,), 104601: (900461001, 900461002)}
    splitter = Splitter([Dimension.CATEGORY], 2000, tree=tree)
    split = splitter.split(SearchQuery(keyword="宠物", category_id=1046), [], 2000)
    assert split is not None and [q.category_id for q in split.children] == [900461001, 900461002]
    assert splitter.split(SearchQuery(keyword="宠物", category_id=900461001), [], 2000) is None
    # No category filter: the sampled offers' categories, as without a tree.
    items = [{"thirdCategoryId": 5}, {"thirdCategoryId": 6}]
    assert [q.category_id for q in splitter.split(SearchQuery(keyword="宠物"), items, 2000).children] == [5, 6]


def test_a_tree_whose_single_children_loop_ends_the_descent():
    # Rows the gateway answered: 7's only child is 8, whose only child is 7 (or a category its own parent).
    splitter = Splitter([Dimension.CATEGORY], 2000, tree={7: (8,), 8: (7,), 9: (9,)})
    assert splitter.split(SearchQuery(keyword="宠物", category_id=7), [], 2000) is None, "no endless descent"
    assert splitter.split(SearchQuery(keyword="宠物", category_id=9), [], 2000) is None


def test_no_categories_crawl_no_tree(tmp_path):
    assert category_children(tmp_path) == {}


# --- what fails: missing, lost (a gap, asked again by a resume) ---------------------------------------------


def _failure(request: Any, code: str, *, gave_up: bool = False) -> Any:
    from twisted.python.failure import Failure

    from harvester.gateway.calls import ApiCallFailed
    from harvester.open1688.outcomes import Action, Outcome

    failure = Failure(
        ApiCallFailed(Outcome(Action.FATAL if not gave_up else Action.RETRY, code, code), gave_up=gave_up)
    )
    failure.request = request  # type: ignore[attr-defined]
    return failure


def _spider(tmp_path, spider_class: Any, **arguments: str) -> Any:
    crawler = project_crawler(
        JOBDIR=str(tmp_path / "job"), HARVEST_DATA_DIR=str(tmp_path / "data"), HARVEST_TRENDS_END="20250630"
    )
    spider = spider_class.from_crawler(crawler, **arguments)
    crawler.spider = spider
    crawler.stats.open_spider()
    return spider


def test_an_offer_gone_is_missing_and_a_call_given_up_is_a_gap_asked_again(tmp_path):
    from harvester.crawl.exitcodes import INCOMPLETE, OK, for_crawl
    from harvester.crawl.resume import resume

    spider = _spider(tmp_path, KeywordSpider, keywords="茶具", freight_to="330000", trends="1")
    freight, *trends = spider.details.enrichment.want([7, 8])[:4]
    list(spider.freight_failed(_failure(freight, "OFFER_NOT_FOUND")))
    stats = spider.crawler.stats.get_stats()
    assert stats[keys.FREIGHT_MISSING] == 1 and keys.FREIGHT_LOST not in stats
    assert for_crawl({**stats, "finish_reason": "finished"}) == OK
    list(spider.trend_failed(_failure(trends[0], "gw.ISPInvokeError", gave_up=True)))
    stats = spider.crawler.stats.get_stats()
    assert stats[keys.TRENDS_LOST] == 1
    assert for_crawl({**stats, "finish_reason": "finished"}) == INCOMPLETE
    assert len(resume(spider.crawler)._retries) == 1  # noqa: SLF001 - the call the next run sends again


def test_a_category_that_cannot_be_listed_is_written_from_its_parent_and_counted(tmp_path):
    from harvester.spiders.categories import CategoriesSpider

    spider = _spider(tmp_path, CategoriesSpider)
    parent = CategoryPath((10166,), ("服装服饰",), ("Apparel",))
    row = _category(10166, 0)
    request = spider._category(10166, parent, row)  # noqa: SLF001
    assert list(spider.category_failed(_failure(request, "gw.ISPInvokeError", gave_up=True))) == [row]
    stats = spider.crawler.stats.get_stats()
    assert (stats[keys.CATEGORIES_LOST], stats[keys.CATEGORIES_ROWS]) == (1, 1)


def test_a_translation_that_leaves_a_child_unnamed_is_a_gap(tmp_path):
    from harvester.spiders.categories import CategoriesSpider

    spider = _spider(tmp_path, CategoriesSpider)
    info = {
        "categoryID": 10166,
        "childCategorys": [
            {"id": 1031910, "name": "连衣裙", "isLeaf": True},
            {"id": 1031911, "name": "半身裙", "isLeaf": True},
        ],
    }
    meta = {"category_id": 10166, "path": CategoryPath((10166,), ("服装服饰",), ("Apparel",)).as_meta(), "row": None}
    named = list(spider._children(info, meta, {1031910: "Dresses", 1031911: "Skirts"}, "en", translated=True))  # noqa: SLF001
    assert len(named) == 2 and keys.CATEGORIES_NAMES_LOST not in spider.crawler.stats.get_stats()
    rows = list(spider._children(info, meta, {1031910: "Dresses"}, "en", translated=True))  # noqa: SLF001
    assert [row.name_translated for row in rows] == ["Dresses", None]
    assert spider.crawler.stats.get_value(keys.CATEGORIES_NAMES_LOST) == 1


def test_a_request_the_gateway_refuses_is_a_gap_said_in_its_words(tmp_path, caplog):
    from harvester.crawl.exitcodes import INCOMPLETE, for_crawl

    spider = _spider(tmp_path, KeywordSpider, keywords="茶具", trends="1")
    trend, *_ = spider.details.enrichment.want([7])
    list(spider.trend_failed(_failure(trend, "INVALID_PARAMETER")))
    stats = spider.crawler.stats.get_stats()
    assert stats[keys.TRENDS_REFUSED] == 1 and keys.TRENDS_MISSING not in stats
    assert for_crawl({**stats, "finish_reason": "finished"}) == INCOMPLETE
    assert "refused the sell trend of offer 7: INVALID_PARAMETER" in caplog.text  # the outcome's message
