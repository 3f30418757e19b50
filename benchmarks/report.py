"""The suite's one table, and its three renderings: Markdown (terminal and README), JSON, a PNG of bar charts.

Every benchmark reports :class:`Row` objects (measure, value, unit, note);
nothing here measures, so it is all tested with fixed inputs. A measure that
could not be taken (a distributed crawl without redis-server) is a row
whose value is ``None`` and whose note says why: a missing row would read as
"not measured", an invented one as a result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

BEGIN = "<!-- benchmarks:begin -->"
END = "<!-- benchmarks:end -->"


@dataclass(frozen=True)
class Row:
    measure: str
    value: float | int | str | None
    unit: str = ""
    note: str = ""
    #: Which benchmark produced it (``naive``, ``quota``, ``cpu``, ``scale``, ``distributed``).
    section: str = ""
    #: ``(chart title, bar label)`` to draw it as a bar in the PNG; ``None``: table only.
    chart: tuple[str, str] | None = None


def format_value(value: float | int | str | None) -> str:
    """Numbers to the precision a noisy machine justifies: 3 significant digits, thousands separated."""
    if value is None:
        return "not available"
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:#.3g}"


def markdown_table(headers: Sequence[str], lines: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    """A Markdown table of any columns (numbers through :func:`format_value`); ``right``: columns aligned right.

    For what does not fit :class:`Row`'s measure-value-unit-note, such as the fault soak's injected-against-survived.
    """

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    rule = "|" + "".join("---:|" if n in right else "---|" for n in range(len(headers)))
    return "\n".join(
        [
            line(headers),
            rule,
            *(line([cell if isinstance(cell, str) else format_value(cell) for cell in cells]) for cells in lines),
        ]
    )


def render_table(rows: Sequence[Row]) -> str:
    """The Markdown table printed and put in the README."""
    return markdown_table(
        ("measure", "value", "unit", "note"),
        [(row.measure, format_value(row.value), row.unit, row.note) for row in rows],
        right=(1,),
    )


def summary(
    rows: Sequence[Row], *, measured_at: datetime, machine: dict[str, Any], seconds: float, command: str
) -> dict[str, Any]:
    """The document saved as summary.json."""
    return {
        "measured_at": measured_at.isoformat(timespec="seconds"),
        "command": command,
        "duration_seconds": round(seconds, 1),
        "machine": machine,
        "rows": [{**asdict(row), "chart": list(row.chart) if row.chart else None} for row in rows],
    }


def rows_of(document: dict[str, Any]) -> list[Row]:
    """The rows of a summary document (to redraw or re-render an earlier run)."""
    return [Row(**{**row, "chart": tuple(row["chart"]) if row.get("chart") else None}) for row in document["rows"]]


def write_json(document: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def machine_line(machine: dict[str, Any]) -> str:
    return (
        f"{machine['cpu']}, {machine['cores']} cores, {machine['ram_gib']:g} GiB RAM, {machine['os']}, "
        f"Python {machine['python']}, Scrapy {machine['scrapy']}"
    )


def readme_section(document: dict[str, Any], chart: str | None) -> str:
    """What goes between the README's benchmarks markers."""
    minutes = document["duration_seconds"] / 60
    parts = [
        f"Measured {document['measured_at'][:10]} with `{document['command']}` ({minutes:.1f} min from a fresh "
        f"clone) on {machine_line(document['machine'])}. The machine is shared: compare CPU figures, not wall "
        "time. Figures and machine details: `benchmarks/results/summary.json`; where the CPU goes: "
        "`benchmarks/results/profile-top10.txt`.",
        render_table(rows_of(document)),
    ]
    if chart:
        parts.append(f"![benchmark charts]({chart})")
    return "\n\n".join(parts)


def replace_section(readme: str, section: str) -> str:
    """The README with only the text between the benchmarks markers replaced."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
    if len(pattern.findall(readme)) != 1:
        raise ValueError(f"the README must hold exactly one {BEGIN} ... {END} section")
    return pattern.sub(lambda _: f"{BEGIN}\n{section}\n{END}", readme)


def charts(rows: Sequence[Row]) -> dict[str, list[Row]]:
    """The rows drawn, grouped by chart title, in the order they first appear."""
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        if row.chart is not None and isinstance(row.value, (int, float)):
            grouped.setdefault(row.chart[0], []).append(row)
    return grouped


def write_png(rows: Sequence[Row], path: Path, title: str) -> None:
    """One bar chart per chart title, side by side (Agg: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grouped = charts(rows)
    if not grouped:
        return
    columns = min(3, len(grouped))
    lines = -(-len(grouped) // columns)
    figure, axes = plt.subplots(lines, columns, figsize=(4.2 * columns, 3.8 * lines), squeeze=False)
    for axis in axes.flat[len(grouped) :]:
        axis.set_visible(False)
    for axis, (chart_title, members) in zip(axes.flat, grouped.items()):
        labels = [row.chart[1] for row in members if row.chart]
        values = [float(row.value) for row in members]  # type: ignore[arg-type]
        bars = axis.bar(range(len(values)), values, color=[f"C{n}" for n in range(len(values))])
        axis.bar_label(bars, labels=[format_value(row.value) for row in members], fontsize=8)
        axis.set_xticks(range(len(values)), labels, fontsize=8)
        axis.set_title(f"{chart_title}\n({members[0].unit})", fontsize=9)
        axis.margins(y=0.15)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
