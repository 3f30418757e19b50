"""The report page as a pure function of the report document: escaping, odd crawls, size, charts."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser

import pytest

from harvester.report.figures import MAX_REASONS, coverage_bars, error_bars, intervals, query_bars
from harvester.report.page import MAX_INTERVALS, render
from harvester.report.svg import WIDTH, fit, time_step
from tests.report_documents import HOSTILE, HOSTILE_ATTRIBUTE, document, hostile_document, with_stats

#: Every element the page may hold: no script, no image, no frame, no link, no form.
ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "main",
    "header",
    "footer",
    "h1",
    "h2",
    "p",
    "span",
    "b",
    "br",
    "div",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "svg",
    "g",
    "rect",
    "line",
    "polyline",
    "text",
}


class Elements(HTMLParser):
    """The elements of a page, as the browser's parser splits them: (tag, attributes)."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def charts(self) -> dict[str, dict[str, str | None]]:
        return {a["data-chart"] or "": a for tag, a in self.elements if tag == "svg"}

    def count(self, tag: str, css_class: str) -> int:
        return sum(1 for t, a in self.elements if t == tag and css_class in (a.get("class") or "").split())


def test_data_is_text_never_markup() -> None:
    page = render(hostile_document())
    parsed = Elements(page)
    assert {tag for tag, _ in parsed.elements} <= ALLOWED_TAGS
    assert not [(tag, name) for tag, attrs in parsed.elements for name in attrs if name.startswith("on")]
    text = "".join(parsed.text)
    assert text.count(HOSTILE) >= 4, "keyword, spider, crawl id and message are shown as text"
    assert HOSTILE_ATTRIBUTE in text
    assert "<script" not in page.lower() and "<img" not in page.lower()


def test_a_crawl_stopped_by_a_fatal_error_says_why_and_with_which_status() -> None:
    doc = with_stats(
        document(finish_reason="fatal_configuration"),
        finish_reason="fatal_configuration",
        harvester__stop__reason="fatal_configuration",
        harvester__stop__message="the gateway rejected the signature: check OPEN1688_APP_SECRET",
    )
    text = "".join(Elements(page := render(doc)).text)
    assert "stopped because" in text and "fatal_configuration" in text
    assert "check OPEN1688_APP_SECRET" in text
    assert re.search(r'<span class="status bad">1</span> failed: a fatal error', page)


@pytest.mark.parametrize("series", [[], [{"t": 0.0, "calls": 0}], "not a list"])
def test_too_few_samples_give_a_note_and_no_rate_chart(series) -> None:
    parsed = Elements(render(document(series=series)))
    assert "rate" not in parsed.charts()
    assert "crawl ended before a second sample" in "".join(parsed.text)
    assert {"errors", "queries", "coverage"} <= set(parsed.charts())


def test_an_empty_crawl_still_renders_every_section() -> None:
    page = render({"spider": "keyword", "crawl_id": "x", "worker_id": "w", "stats": {}, "series": []})
    text = "".join(Elements(page).text)
    for note in ("No errors and no retries.", "No search hits in this crawl.", "No rows were written."):
        assert note in text
    assert "Coverage against what the gateway reported" in text


def test_huge_numbers_fit_the_charts() -> None:
    huge = 10**18
    doc = with_stats(
        document(),
        harvester__quota__calls=huge,
        harvester__api__answers__http_503=huge,
        harvester__dataset__bytes__products=2**62,
        harvester__search__reported=huge,
    )
    doc["series"] = [{"t": 5.0 * i, "calls": huge // 20 * i} for i in range(21)]
    doc["queries"]["top"][0]["hits"] = huge
    doc["qps"] = 1e15
    page = render(doc)
    parsed = Elements(page)
    assert "1,000,000,000,000,000,000" in "".join(parsed.text)
    numbers = [
        float(v)
        for tag, a in parsed.elements
        if tag != "svg"
        for k, v in a.items()
        if k in ("x", "y", "width", "x1", "y1") and v
    ]
    numbers += [float(v) for p in re.findall(r'points="([^"]*)"', page) for xy in p.split() for v in xy.split(",")]
    assert numbers and all(math.isfinite(v) and -1 <= v <= WIDTH for v in numbers)


def test_rates_come_from_cumulative_samples_and_a_short_last_interval_joins_the_one_before() -> None:
    series = [
        {"t": 0.0, "calls": 0},
        {"t": 5.0, "calls": 50, "retries": 5},
        {"t": 10.0, "calls": 100, "retries": 5},
        {"t": 10.2, "calls": 102, "retries": 5, "throttled_retries": 1},
    ]
    steps = intervals(series, MAX_INTERVALS)
    assert [(s.start, s.end) for s in steps] == [(0.0, 5.0), (5.0, 10.2)]
    assert steps[0].calls == 10 and steps[0].retries == 1
    assert steps[1].calls == pytest.approx(52 / 5.2) and steps[1].retries == pytest.approx(1 / 5.2)


def test_a_long_series_is_merged_into_bounded_steps_that_keep_the_totals() -> None:
    series = [{"t": 5.0 * i, "calls": 10 * i + (i % 7)} for i in range(20_000)]
    steps = intervals(series, MAX_INTERVALS)
    assert len(steps) <= MAX_INTERVALS
    assert sum(s.calls * (s.end - s.start) for s in steps) == pytest.approx(series[-1]["calls"])


def test_the_rate_chart_draws_one_step_per_interval_and_the_quota() -> None:
    doc = document()
    parsed = Elements(render(doc))
    steps = intervals(doc["series"], MAX_INTERVALS)
    polylines = {a["class"]: a["points"] for t, a in parsed.elements if t == "polyline"}
    assert len((polylines["series calls"] or "").split()) == 2 * len(steps) == 40
    assert "series retries" in polylines
    assert parsed.count("line", "quota") == 1
    assert Elements(render(document(qps=0.0))).count("line", "quota") == 0


def test_errors_by_reason_are_bounded_and_name_exceptions_by_class() -> None:
    stats = {f"harvester/api/answers/code.{i}": i + 1 for i in range(MAX_REASONS + 5)}
    stats["harvester/api/exceptions/twisted.internet.error.ConnectionRefusedError"] = 2
    bars = error_bars(stats)
    answers = [b for b in bars if b.group == "gateway answers"]
    assert len(answers) == MAX_REASONS + 1 and answers[-1].label == "5 other reasons" and answers[-1].value == 15
    (exception,) = [b for b in bars if b.group == "exceptions"]
    assert exception.label == "ConnectionRefusedError"
    assert exception.detail == "twisted.internet.error.ConnectionRefusedError"


def test_queries_with_others_and_approximate_counts() -> None:
    doc = document()
    doc["queries"] = {
        "hits": 10_000,
        "exact": False,
        "top": [{"query": "风筝", "hits": 6000, "overcount": 12}],
        "others": {"queries": None, "hits": 4000},
    }
    bars = query_bars(doc)
    assert [(b.label, b.value) for b in bars] == [("风筝", 6000), ("other queries", 4000)]
    assert "up to 12 too many" in bars[0].detail
    assert "the counts are upper bounds" in render(doc)
    assert Elements(render(doc)).count("rect", "bar") == len(bars) + len(error_bars(doc["stats"])) + len(
        coverage_bars(doc["stats"])
    )


def test_long_labels_are_cut_by_display_width() -> None:
    assert fit("保温杯" * 20) == "保温杯" * 5 + "…"
    assert fit("a" * 32) == "a" * 32


def test_rendering_is_deterministic_and_small() -> None:
    doc = document()
    doc["series"] = [{"t": 5.0 * i, "calls": 50 * i, "retries": i // 3} for i in range(721)]
    doc["queries"]["top"] = [{"query": f"关键词{i}", "hits": 1000 - i, "overcount": 0} for i in range(20)]
    page = render(doc)
    assert page == render(doc)
    assert len(page.encode()) < 80_000


@pytest.mark.parametrize("span,step", [(9.2, 2), (70, 15), (3600, 600), (86400, 21600), (30 * 86400, 5 * 86400)])
def test_time_axis_ticks_are_round_on_a_clock(span, step) -> None:
    assert time_step(span) == step
