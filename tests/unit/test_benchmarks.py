"""The benchmark suite's rendering (fixed inputs: nothing is measured here) and a smoke run of the naive baseline."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks import naive_baseline
from benchmarks.distributed import DistributedRun
from benchmarks.distributed_scaling import Scaling, Sizes, measure
from benchmarks.incremental import DETAIL_API, SEARCH_API, Harvest, Level, Recall, Snapshot, goals
from benchmarks.report import (
    BEGIN,
    END,
    Row,
    charts,
    format_value,
    markdown_table,
    readme_section,
    render_table,
    replace_section,
    rows_of,
    summary,
    write_json,
    write_png,
)
from benchmarks.runs import Usage
from harvester.open1688 import endpoints
from harvester.sandbox.process import SandboxProcess

MACHINE = {
    "host": "vm",
    "cpu": "AMD EPYC",
    "cores": 2,
    "ram_gib": 23.5,
    "os": "Linux 6.1",
    "python": "3.11.7",
    "scrapy": "2.19.0",
}
ROWS = [
    Row(
        "naive script: offers/s",
        9.46,
        "offers/s",
        "紫砂茶具, OPEN1688_QPS=10",
        "naive",
        ("Against the tutorial", "naive"),
    ),
    Row("harvester: offers/s", 54.2, "offers/s", "start-up included", "naive", ("Against the tutorial", "harvester")),
    Row(
        "offers/s, quota off, 2 workers",
        None,
        "offers/s",
        "redis-server is not on PATH",
        "cpu",
        ("Offers/s, quota off", "2 workers"),
    ),
    Row("peak RSS, crawl of 100,000 offers", 331.04, "MB", "a | in a note", "scale"),
    Row("calls made / minimum possible", 1.0142857, "x", "", "quota"),
]


def document() -> dict:
    return summary(
        ROWS,
        measured_at=datetime(2026, 11, 28, 19, 0, tzinfo=UTC),
        machine=MACHINE,
        seconds=612.34,
        command="python -m benchmarks",
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "not available"),
        (12_345, "12,345"),
        (15_234.6, "15,235"),
        (54.24, "54.2"),
        (1.0142857, "1.01"),
        (1.0, "1.00"),
        (0.08333, "0.0833"),
        ("profile.py:12 run", "profile.py:12 run"),
        (0.0, "0.00"),
    ],
)
def test_values_keep_the_precision_a_noisy_machine_justifies(value, text):
    assert format_value(value) == text


def test_the_table_has_one_line_per_row_and_escapes_pipes():
    lines = render_table(ROWS).splitlines()
    assert lines[:2] == ["| measure | value | unit | note |", "|---|---:|---|---|"]
    assert lines[2] == "| naive script: offers/s | 9.46 | offers/s | 紫砂茶具, OPEN1688_QPS=10 |"
    assert lines[4] == ("| offers/s, quota off, 2 workers | not available | offers/s | redis-server is not on PATH |")
    assert lines[5] == "| peak RSS, crawl of 100,000 offers | 331 | MB | a \\| in a note |"
    assert len(lines) == 2 + len(ROWS)


def test_any_columns_render_as_markdown_with_numbers_formatted_and_chosen_columns_right_aligned():
    lines = markdown_table(
        ("fault", "injected", "survived"), [("timeouts | 5xx", 1234, 12.345), ("given up", "-", 0)], right=(1, 2)
    ).splitlines()
    assert lines == [
        "| fault | injected | survived |",
        "|---|---:|---:|",
        "| timeouts \\| 5xx | 1,234 | 12.3 |",
        "| given up | - | 0 |",
    ]


class _FixedScaling(Scaling):
    """The distributed section's runs, invented: measure() only turns them into rows."""

    def _run(self, workers: int, keywords: tuple[str, ...], qps: float) -> DistributedRun:
        if qps:
            per_second = [[s, 10 if 2 <= s <= 11 else 2] for s in range(14)]
            return DistributedRun(
                workers,
                1_090,
                12.5,
                6.0,
                {
                    "calls_total": 110,
                    "max_calls_per_second": 10,
                    "calls_by_code": {"gw.QosAppFrequencyLimit": 2},
                    "calls_per_second": per_second,
                },
                [40, 37, 33],
            )
        return DistributedRun(
            workers, 5_037, 5.0 + workers, 6.0 * workers, {"calls_total": 360}, [360 // workers] * workers
        )


def test_the_distributed_section_reports_each_worker_count_and_the_quota_held(tmp_path: Path):
    rows = {row.measure: row for row in measure(_FixedScaling(tmp_path, Sizes()))}
    two = rows["offers/s, quota off, 2 workers (distributed)"]
    assert (two.value, two.unit, two.chart) == (
        5_037 / 7.0,
        "offers/s",
        ("Offers/s, quota off, distributed", "2 workers"),
    )
    assert "calls per worker 50% / 50%" in two.note
    assert rows["crawl CPU per 1,000 offers, 3 workers (distributed)"].value == pytest.approx(18 / 5.037)
    combined = rows["combined calls/s at OPEN1688_QPS=10, 3 workers"]
    assert combined.value == pytest.approx(100.0), "the steady seconds, not the ramps"
    assert "8.8 from the enqueue" in combined.note
    assert rows["max calls in any 1 s (sandbox), 3 workers at OPEN1688_QPS=10"].value == 10
    assert rows["QosAppFrequencyLimit per 1,000 calls, 3 workers"].value == pytest.approx(2000 / 110)
    assert {row.section for row in rows.values()} == {"distributed"}
    assert len(rows) == 2 * 3 + 3


def test_summary_json_says_when_where_and_round_trips(tmp_path: Path):
    path = tmp_path / "results" / "summary.json"
    write_json(document(), path)
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert loaded["measured_at"] == "2026-11-28T19:00:00+00:00"
    assert loaded["machine"] == MACHINE
    assert loaded["duration_seconds"] == 612.3
    assert loaded["rows"][0] == {
        "measure": "naive script: offers/s",
        "value": 9.46,
        "unit": "offers/s",
        "note": "紫砂茶具, OPEN1688_QPS=10",
        "section": "naive",
        "chart": ["Against the tutorial", "naive"],
    }
    assert rows_of(loaded) == ROWS


def test_readme_section_replaces_only_what_lies_between_the_markers():
    readme = f"# Title\n\n## Benchmarks\n\n{BEGIN}\nold table\n{END}\n\n## Next\nkept\n"
    section = readme_section(document(), "benchmarks/results/summary.png")
    updated = replace_section(readme, section)
    assert updated.startswith(
        "# Title\n\n## Benchmarks\n\n" + BEGIN + "\nMeasured 2026-11-28 with "
        "`python -m benchmarks` (10.2 min from a fresh clone) on AMD EPYC, 2 cores, 23.5 GiB RAM"
    )
    assert updated.endswith(f"![benchmark charts](benchmarks/results/summary.png)\n{END}\n\n## Next\nkept\n")
    assert render_table(ROWS) in updated
    assert "old table" not in updated
    assert replace_section(updated, section) == updated


@pytest.mark.parametrize("readme", ["no markers at all", f"{BEGIN}\n{END}\n{BEGIN}\n{END}\n"])
def test_a_readme_without_exactly_one_section_is_refused(readme):
    with pytest.raises(ValueError, match="exactly one"):
        replace_section(readme, "table")


def test_charts_draw_only_measured_values_grouped_by_title(tmp_path: Path):
    grouped = charts(ROWS)
    assert list(grouped) == ["Against the tutorial"]
    assert [row.chart[1] for row in grouped["Against the tutorial"]] == ["naive", "harvester"]
    write_png(ROWS, tmp_path / "summary.png", "test")
    assert (tmp_path / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.e2e
def test_naive_baseline_harvests_a_tiny_keyword_with_correctly_signed_calls(tmp_path: Path):
    with SandboxProcess() as sandbox:
        assert sandbox.credentials is not None
        credentials = sandbox.credentials
        app = naive_baseline.App(
            sandbox.base_url, credentials.app_key, credentials.app_secret, credentials.access_token
        )
        counts = naive_baseline.harvest(app, "算盘", qps=0, out=tmp_path, max_pages=1)
        served = sandbox.admin.stats()
    assert counts["offers"] == naive_baseline.PAGE_SIZE
    assert counts["calls"] == 1 + naive_baseline.PAGE_SIZE
    assert counts["failed"] == 0
    assert served["calls_by_code"] == {"ok": counts["calls"]}
    assert served["calls_by_api"] == {
        endpoints.KEYWORD_SEARCH.name: 1,
        endpoints.PRODUCT_DETAIL.name: naive_baseline.PAGE_SIZE,
    }
    files = sorted(tmp_path.glob("*.json"))
    assert len(files) == naive_baseline.PAGE_SIZE
    detail = json.loads(files[0].read_text(encoding="utf-8"))
    assert f"{detail['offerId']}.json" == files[0].name
    assert detail["categoryName"] == "算盘"


def test_rss_trend_sees_through_the_sawtooth_of_row_groups():
    # 100 s sampled every 50 ms: a 30 MB sawtooth of 7 s teeth (row groups filling, then written) over a 0.1 MB/s
    # rise; a line through every sample would lean with the teeth.
    timeline = [(n * 0.05, int(300e6 + 0.1e6 * n * 0.05 + 30e6 * ((n % 140) / 140))) for n in range(2000)]
    usage = Usage(wall=100.0, rss_timeline=timeline)
    assert usage.rss_slope(after=0.2) == pytest.approx(0.1e6, rel=0.05)
    settled = [rss for t, rss in timeline if t >= 20.0]
    assert usage.rss_range(after=0.2) == (min(settled), max(settled))
    assert Usage(wall=1.0).rss_slope(after=0.2) == 0.0


def test_the_steady_rate_leaves_the_ramps_out():
    from benchmarks.distributed_scaling import steady_rate

    series = [[100, 1], [101, 3], [102, 10], [103, 10], [104, 9], [105, 10], [106, 10], [107, 2], [108, 1]]
    assert steady_rate(series) == (10 + 9 + 10) / 3, "first and last busy seconds may be partial"
    assert steady_rate([[1, 2], [2, 4]]) == 3.0, "too short to trim: all of it"
    assert steady_rate([]) == 0.0


def _harvest(mode: str, pages: int, details: int, offers: int) -> Harvest:
    return Harvest(
        mode,
        "c",
        {f"harvester/dataset/rows/{'listings' if mode == 'none' else 'products'}": offers},
        pages + details,
        {SEARCH_API: pages, DETAIL_API: details},
        Path("."),
    )


def test_incremental_goals_say_met_or_not_from_counts():
    first = _harvest("all", 100, 5000, 5000)

    def level(share: float, details: int, price: tuple[int, int], wrong: int) -> Level:
        recall = Recall(
            events=300,
            caught=200,
            price_events=price[0],
            price_caught=price[1],
            price_missed_sparse=price[0] - price[1],
        )
        return Level(
            share, _harvest("changed", 100, details, 5000), None, 300, recall, None, Snapshot(5000, 0, 0, wrong), None
        )

    met = {row.measure: row for row in goals([level(0.05, 400, (100, 99), 0), level(0.10, 400, (200, 200), 0)], first)}
    assert met["goal, 5% drift: re-harvest calls / full harvest calls <= 0.1"].value == pytest.approx(500 / 5100)
    assert all(row.note.startswith("met") or row.value == "met" for row in met.values())
    missed = {
        row.measure: row for row in goals([level(0.05, 600, (100, 98), 0), level(0.10, 300, (200, 198), 2)], first)
    }
    assert missed["goal, 5% drift: re-harvest calls / full harvest calls <= 0.1"].note.startswith("NOT met")
    assert missed["goal, 5% drift: price changes caught >= 99%"].note.startswith(
        "NOT met: 98 of 100, 2 of the 2 missed on sparse search items"
    )
    assert missed["goal, 10% drift: calls / (search pages + changed offers) <= 1.25"].note.startswith("met")
    assert missed["goal, 10% drift: latest crawl alone holds every offer, exact SKU prices"].value == "NOT met"
