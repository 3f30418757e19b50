"""The crawl report end to end: a real crawl leaves a JSON file and an HTML page, and Chromium renders the charts.

The page is opened from its file in headless Chromium (``tests.browser``);
what the browser laid out is measured in the page (bounding boxes of the
charts, their bars and lines) and a full-page screenshot is checked for
ink inside each chart's box, so a chart that is in the markup but draws
nothing fails.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from harvester.report.figures import coverage_bars, error_bars, intervals, query_bars
from harvester.report.page import MAX_INTERVALS, render
from harvester.sandbox.process import SandboxProcess
from tests.browser import Chromium
from tests.report_documents import HOSTILE, HOSTILE_ATTRIBUTE, hostile_document
from tests.support.crawls import ANSWER_TIMEOUT, STALL_SECONDS, crawl

#: Measures the laid-out page: every chart with its box, bars and lines (boxes in page pixels).
PROBE = """(() => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height}; };
  return {
    height: document.documentElement.scrollHeight,
    title: document.title,
    text: document.body.innerText,
    active: document.querySelectorAll('script, img, iframe, object, embed, link, [onerror], [onload]').length,
    charts: Object.fromEntries([...document.querySelectorAll('svg.chart')].map(svg => [svg.dataset.chart, {
      box: box(svg),
      bars: [...svg.querySelectorAll('rect.bar')].map(box),
      lines: Object.fromEntries([...svg.querySelectorAll('polyline.series')].map(
        line => [line.classList[1], {points: line.points.numberOfItems, box: box(line)}])),
      quota: [...svg.querySelectorAll('line.quota')].map(box),
    }])),
  };
})()"""

FAULTS = {
    "seed": 7,
    "server_error": 0.08,
    "malformed": 0.04,
    "html_error": 0.03,
    "timeout": 0.03,
    "stall_seconds": STALL_SECONDS,
    "qos_burst": 0.02,
    "qos_burst_length": 3,
    "expire_tokens_after": [25],
}
FAST_RETRIES = {"OPEN1688_RETRY_BACKOFF": 0.01, "OPEN1688_RETRY_BACKOFF_MAX": 0.2, "DOWNLOAD_TIMEOUT": ANSWER_TIMEOUT}


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Chromium]:
    with Chromium(tmp_path / "chromium-profile") as browser:
        yield browser


def html_report(data_dir: Path, report: dict[str, Any]) -> Path:
    """The page beside the JSON file, checked to be the only one and small."""
    pages = sorted((data_dir / "_reports").glob("*.html"))
    assert [p.name for p in pages] == [f"{report['crawl_id']}-{report['worker_id']}.html"]
    assert not list((data_dir / "_reports").glob(".*")), "no temporary file left"
    assert pages[0].stat().st_size < 60_000
    return pages[0]


def inked(image: Image.Image, box: dict[str, float]) -> int:
    """Coloured (saturated: not white, grey or black) pixels inside a box of the screenshot: what charts draw with."""
    region = image.crop((int(box["x"]), int(box["y"]), int(box["x"] + box["width"]), int(box["y"] + box["height"])))
    return sum(region.convert("HSV").getchannel("S").histogram()[100:])


@pytest.mark.e2e
def test_a_crawl_through_faults_leaves_a_report_whose_charts_render(
    sandbox: SandboxProcess, tmp_path: Path, chromium: Chromium
) -> None:
    sandbox.admin.config(faults=FAULTS)
    run = crawl(
        "keyword",
        tmp_path / "data",
        sandbox=sandbox,
        args={"keywords": "毛笔,茶具,算盘"},
        # A quota line; and retries enough that no call meets a fault on every try (which call meets which fault
        # depends on the order calls arrive in: at 5 retries one in a few runs on a saturated machine gave up).
        settings={
            **FAST_RETRIES,
            "HARVEST_REPORT_SAMPLE_INTERVAL": 0.5,
            "OPEN1688_QPS": 100,
            "OPEN1688_RETRY_TIMES": 10,
        },
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = run.report

    # The JSON holds every figure the page shows.
    assert report["exit"]["code"] == 0
    assert report["queries"]["exact"] and report["queries"]["hits"] == 890
    assert [(q["query"], q["hits"]) for q in report["queries"]["top"]] == [("毛笔", 450), ("茶具", 380), ("算盘", 60)]
    errors = error_bars(report["stats"])
    assert {"gateway answers", "exceptions", "retries", "token refreshes"} <= {bar.group for bar in errors}
    steps = intervals(report["series"], MAX_INTERVALS)
    assert len(steps) >= 4

    page = html_report(run.data_dir, report)
    assert page.read_text(encoding="utf-8") == render(report), "the page is rebuilt from the JSON alone"
    chromium.open(page)
    laid_out = chromium.evaluate(PROBE)
    charts = laid_out["charts"]
    assert set(charts) == {"rate", "errors", "queries", "coverage"}
    for chart in charts.values():
        assert chart["box"]["width"] > 300 and chart["box"]["height"] > 50

    rate = charts["rate"]
    calls = rate["lines"]["calls"]
    assert calls["points"] == 2 * len(steps)
    assert calls["box"]["width"] > 0.8 * rate["box"]["width"] and calls["box"]["height"] > 0
    assert "retries" in rate["lines"]
    (quota,) = rate["quota"]
    assert quota["width"] > 0.8 * rate["box"]["width"]

    expected = {"errors": errors, "queries": query_bars(report), "coverage": coverage_bars(report["stats"])}
    for kind, bars in expected.items():
        drawn = charts[kind]["bars"]
        assert len(drawn) == len(bars), kind
        for bar, box in zip(bars, drawn):
            assert (box["width"] >= 1) == (bar.value > 0) and box["height"] > 0, (kind, bar)
    widths = [box["width"] for box in charts["queries"]["bars"]]
    assert widths == sorted(widths, reverse=True) and widths[0] > 5 * widths[2]

    screenshot = Image.open(io.BytesIO(chromium.screenshot(laid_out["height"]))).convert("RGB")
    assert screenshot.size == (chromium.width, laid_out["height"])
    white = screenshot.convert("L").histogram()[255]
    assert white < 0.97 * screenshot.width * screenshot.height, "the page is not blank"
    for kind, chart in charts.items():
        assert inked(screenshot, chart["box"]) > 200, f"the {kind} chart draws something"


@pytest.mark.e2e
def test_a_crawl_stopped_by_its_budget_still_leaves_a_page_that_says_so(
    sandbox: SandboxProcess, tmp_path: Path, chromium: Chromium
) -> None:
    run = crawl(
        "keyword",
        tmp_path / "data",
        sandbox=sandbox,
        args={"keywords": "茶具"},
        settings={"OPEN1688_DAILY_CALL_BUDGET": 12},
    )
    assert run.returncode == 3, run.stderr[-3000:]
    assert run.report["exit"]["code"] == 3
    chromium.open(html_report(run.data_dir, run.report))
    text = chromium.evaluate("document.body.innerText")
    assert "daily_budget_spent" in text and "the call quota is used up" in text


def test_markup_in_the_data_stays_text_in_the_browser(tmp_path: Path, chromium: Chromium) -> None:
    page = tmp_path / "hostile.html"
    page.write_text(render(hostile_document()), encoding="utf-8")
    chromium.open(page)
    laid_out = chromium.evaluate(PROBE)
    assert laid_out["active"] == 0, "no script, image, frame or handler came out of the data"
    assert HOSTILE in laid_out["title"]
    assert HOSTILE in laid_out["text"] and HOSTILE_ATTRIBUTE in laid_out["text"]
    assert {"rate", "errors", "queries", "coverage"} == set(laid_out["charts"])
