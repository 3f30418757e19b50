"""One crawl report document in, one self-contained HTML page out: a pure function, so it is tested alone.

The page carries its CSS and its charts (inline SVG) and a
Content-Security-Policy that allows nothing else: it opens offline, from
a file, years later, and even a label that escaped escaping could neither
run a script nor reach the network.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from ..crawl import stats as keys
from .figures import (
    Bar,
    coverage_bars,
    dataset_tables,
    error_bars,
    intervals,
    query_bars,
    stats_of,
)
from .formats import compact, count, duration, number, size, when
from .svg import bar_chart, rate_chart

#: Steps of the rate chart at most: enough to see a crawl's shape, few enough to keep the page small.
MAX_INTERVALS = 240

CSP = "default-src 'none'; style-src 'unsafe-inline'"

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;color:#222;background:#fff;margin:0}
main{max-width:760px;margin:0 auto;padding:16px 20px 40px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
dl.facts dt{color:#666}dl.facts dd{margin:0;overflow-wrap:anywhere}
.status{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600}
.ok{background:#d8f0e0;color:#0a5a2a}.warn{background:#fcebc8;color:#7a4b00}.bad{background:#f9d6d2;color:#8a1c10}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:6px 10px;min-width:120px}
.card b{display:block;font-size:18px}.card span{color:#666;font-size:12px}
table{border-collapse:collapse;margin:8px 0;width:100%}
th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left;overflow-wrap:anywhere}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.note{color:#666;font-size:13px}svg.chart{display:block;max-width:720px;margin:8px 0}
footer{color:#888;font-size:12px;margin-top:32px}
"""

_EXIT_CLASS = {0: "ok", 3: "warn", 4: "warn", 130: "warn"}


def _facts(rows: Iterable[tuple[str, str]], css: str = "facts") -> str:
    items = "".join(f"<dt>{escape(name)}</dt><dd>{value}</dd>" for name, value in rows if value)
    return f'<dl class="{css}">{items}</dl>'


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric_from: int = 1) -> str:
    """A table of pre-escaped cells; columns from ``numeric_from`` on are right-aligned numbers."""

    def cells(tag: str, values: Sequence[str]) -> str:
        return "".join(f"<{tag}{' class=n' if i >= numeric_from else ''}>{v}</{tag}>" for i, v in enumerate(values))

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f"<table><thead><tr>{cells('th', [escape(h) for h in head])}</tr></thead><tbody>{body}</tbody></table>"


def _note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def _header(document: Mapping[str, Any], stats: Mapping[str, Any]) -> str:
    exit_status = document.get("exit")
    status = ""
    if isinstance(exit_status, Mapping):
        code = number(exit_status.get("code"))
        status = (
            f'<span class="status {_EXIT_CLASS.get(int(code), "bad")}">{int(code)}</span> '
            f"{escape(str(exit_status.get('meaning', '')))}"
        )
    stop_reason = stats.get(keys.STOP_REASON)
    elapsed = stats.get("elapsed_time_seconds")
    facts = [
        ("spider", escape(str(document.get("spider", "")))),
        ("crawl id", escape(str(document.get("crawl_id", "")))),
        ("worker", escape(str(document.get("worker_id", "")))),
        ("started", escape(when(stats.get("start_time")))),
        ("finished", escape(when(stats.get("finish_time")))),
        ("duration", duration(number(elapsed)) if elapsed is not None else ""),
        ("finish reason", escape(str(document.get("finish_reason") or stats.get("finish_reason") or ""))),
        ("stopped because", escape(str(stop_reason)) if stop_reason else ""),
        ("message", escape(str(stats.get(keys.STOP_MESSAGE) or ""))),
        ("exit status", status),
    ]
    title = f"Crawl report: {document.get('spider', '')}"
    return f"<header><h1>{escape(title)}</h1>{_facts(facts)}</header>"


def _cards(document: Mapping[str, Any], stats: Mapping[str, Any]) -> str:
    calls = number(stats.get(keys.QUOTA_CALLS))
    elapsed = number(stats.get("elapsed_time_seconds"))
    rows = sum(number(value) for key, value in stats.items() if key.startswith(keys.DATASET_ROWS + "/"))
    cards = [
        ("gateway calls", compact(calls)),
        ("calls/s on average", compact(round(calls / elapsed, 2)) if elapsed > 0 else "–"),
        ("busiest second", compact(number(stats.get(keys.QUOTA_MAX_PER_SECOND)))),
        ("quota (calls/s)", compact(number(document.get("qps"))) if number(document.get("qps")) else "none"),
        ("offers with details", compact(number(stats.get(keys.DETAILS_FETCHED)))),
        ("rows written", compact(rows)),
    ]
    items = "".join(f'<div class="card"><b>{value}</b><span>{escape(name)}</span></div>' for name, value in cards)
    return f'<div class="cards">{items}</div>'


def _rates(document: Mapping[str, Any]) -> str:
    series = document.get("series")
    steps = intervals(series if isinstance(series, list) else [], MAX_INTERVALS)
    heading = "<h2>Calls per second against the quota</h2>"
    if not steps:
        return heading + _note("Too few samples for a chart: the crawl ended before a second sample was taken.")
    return (
        heading
        + rate_chart(steps, float(number(document.get("qps"))))
        + _note(
            "Average rate over each interval between samples of the time series. The quota is all workers' together."
        )
    )


def _bars_section(
    kind: str, heading: str, bars: Sequence[Bar], head: Sequence[str], empty: str, *, grouped: bool = False
) -> str:
    """A bar chart and the table of the same figures (exact, with what each counts); ``grouped`` adds the group."""
    if not bars:
        return f"<h2>{escape(heading)}</h2>" + _note(empty)
    rows = []
    for bar in bars:
        label = escape(bar.label) + (f'<br><span class="note">{escape(bar.detail)}</span>' if bar.detail else "")
        rows.append(((escape(bar.group),) if grouped else ()) + (label, count(bar.value)))
    table = _table((("",) if grouped else ()) + tuple(head), rows, numeric_from=len(head) + grouped - 1)
    return f"<h2>{escape(heading)}</h2>" + bar_chart(kind, heading, bars) + table


def _queries(document: Mapping[str, Any]) -> str:
    bars = query_bars(document)
    section = _bars_section(
        "queries", "Offers per query", bars, ("query", "search hits"), "No search hits in this crawl."
    )
    queries = document.get("queries")
    if bars and isinstance(queries, Mapping) and queries.get("exact") is False:
        section += _note(
            "This crawl had more queries than the report counts one by one: "
            "the counts are upper bounds (each says by how much at most)."
        )
    return section


def _coverage(stats: Mapping[str, Any]) -> str:
    bars = coverage_bars(stats)
    section = _bars_section(
        "coverage", "Coverage against what the gateway reported", bars, ("offers", "count"), "No offers."
    )
    pages_lost = number(stats.get(keys.SEARCH_PAGES_LOST))
    return section + _note(f"Search pages lost: {count(pages_lost)}.") if pages_lost else section


def _dataset(stats: Mapping[str, Any]) -> str:
    tables = dataset_tables(stats)
    heading = "<h2>Dataset</h2>"
    if not tables:
        return heading + _note("No rows were written.")
    rows = [(escape(t.name), count(t.rows), count(t.files), size(t.bytes), count(t.lost_rows)) for t in tables]
    rows.append(
        (
            "<b>all tables</b>",
            count(sum(t.rows for t in tables)),
            count(sum(t.files for t in tables)),
            size(sum(t.bytes for t in tables)),
            count(sum(t.lost_rows for t in tables)),
        )
    )
    return heading + _table(("table", "rows", "files", "size", "lost rows"), rows)


def _media(stats: Mapping[str, Any]) -> str:
    """Pictures and videos of a crawl given ``-a media``: referenced, downloaded, stored once, failed (no API call
    among them); nothing when media were not asked for."""
    references = number(stats.get(keys.MEDIA_REFERENCES))
    if not references and not number(stats.get(keys.MEDIA_URLS)):
        return ""
    failed_by = sorted(
        (
            (key.rsplit("/", 1)[1], number(value))
            for key, value in stats.items()
            if key.startswith(keys.MEDIA_FAILED_BY + "/")
        ),
        key=lambda pair: (-pair[1], pair[0]),
    )
    facts = [
        ("references (rows of media)", count(references)),
        ("distinct URLs", count(number(stats.get(keys.MEDIA_URLS)))),
        (
            "downloaded",
            f"{count(number(stats.get(keys.MEDIA_DOWNLOADED)))} "
            f"({size(number(stats.get(keys.MEDIA_DOWNLOADED_BYTES)))})",
        ),
        (
            "stored (new files)",
            f"{count(number(stats.get(keys.MEDIA_STORED)))} ({size(number(stats.get(keys.MEDIA_STORED_BYTES)))})",
        ),
        ("already stored (same content)", count(number(stats.get(keys.MEDIA_ALREADY_STORED)))),
        (
            "failed URLs (references)",
            f"{count(number(stats.get(keys.MEDIA_FAILED)))} ({count(number(stats.get(keys.MEDIA_FAILED_REFERENCES)))})",
        ),
        *((f"failed: {reason}", count(value)) for reason, value in failed_by[:10]),
    ]
    return "<h2>Media</h2>" + _facts(facts)


def _process(stats: Mapping[str, Any]) -> str:
    cpu = number(stats.get(keys.PROCESS_CPU_SECONDS))
    elapsed = number(stats.get("elapsed_time_seconds"))
    facts = [
        ("peak memory (RSS)", f"{number(stats.get('harvester/process/peak_rss_mb')):,.0f} MB"),
        ("CPU time", duration(cpu)),
        ("CPU share of the crawl's time", f"{cpu / elapsed:.0%}" if elapsed > 0 else ""),
    ]
    return "<h2>Process</h2>" + _facts(facts)


def render(document: Mapping[str, Any]) -> str:
    """The report page of one crawl report document (as written to ``_reports/*.json``)."""
    stats = stats_of(document)
    title = f"{document.get('spider', '')} crawl {document.get('crawl_id', '')}: harvester report"
    source = f"{document.get('crawl_id', '')}-{document.get('worker_id', '')}.json"
    body = "".join(
        (
            _header(document, stats),
            _cards(document, stats),
            _rates(document),
            _bars_section(
                "errors",
                "Errors and retries by reason",
                error_bars(stats),
                ("reason", "count"),
                "No errors and no retries.",
                grouped=True,
            ),
            _queries(document),
            _coverage(stats),
            _dataset(stats),
            _media(stats),
            _process(stats),
            f"<footer>Every figure here is in {escape(source)} beside this page.</footer>",
        )
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>\n"
    )
