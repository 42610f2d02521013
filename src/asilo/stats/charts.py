"""Charts of encounter reports, as SVG or PNG bytes, readable in black and white.

Every function here takes report rows (plain dicts, as :mod:`asilo.stats.reports` returns them)
and gives back the image's bytes; none touches the database, a file or global state (figures are
made with matplotlib's object API, not pyplot), so the command line and the web page call them
alike. Series differ by line style and marker, bars by hatch pattern, never by colour alone;
:func:`data_table_csv` gives the table to print beside each chart for screen readers.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from asilo.csvsafe import rows_csv
from asilo.stats import reports
from asilo.stats.policy_dates import PolicyDate, policy_dates, within

Row = dict[str, Any]
FORMATS = ("svg", "png")

LINE_STYLES: tuple[Any, ...] = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)))
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "x", "+", "*")
HATCHES: tuple[str, ...] = ("", "///", "\\\\\\", "xxx", "...", "ooo", "---", "+++", "|||", "**")
#: Colours that stay distinct for colour-blind readers (Okabe–Ito); styles carry the meaning.
COLOURS: tuple[str, ...] = (
    "#000000",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#999999",
    "#F0E442",
    "#666666",
)


def thousands(value: float, _position: int) -> str:
    """An axis label with thousands separators (for ``FuncFormatter``)."""
    return f"{value:,.0f}"


def render(fig: Figure, fmt: str) -> bytes:
    """The figure as SVG or PNG bytes; the same figure always gives the same bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format {fmt!r}; use svg or png")
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    # A fixed hash salt and no date make the same rows give the same bytes.
    with rc_context({"svg.hashsalt": "asilo", "svg.fonttype": "path"}):
        metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buffer, format=fmt, dpi=100, bbox_inches="tight", metadata=metadata)
    return buffer.getvalue()


def _figure(title: str, width: float = 10, height: float = 5.5) -> tuple[Figure, Any]:
    fig = Figure(figsize=(width, height))
    axes = fig.add_subplot()
    axes.set_title(title)
    axes.yaxis.set_major_formatter(FuncFormatter(thousands))
    axes.grid(axis="y", color="#cccccc", linewidth=0.6)
    return fig, axes


def _month(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    year, month = str(value).split("-")[:2]
    return dt.date(int(year), int(month), 1)


def _mark_policy_dates(axes: Any, marks: Sequence[PolicyDate]) -> None:
    """A dotted vertical line on each policy date, labelled along it (labels of one day joined)."""
    by_day: dict[dt.date, list[str]] = {}
    for mark in marks:
        by_day.setdefault(mark.day, []).append(mark.label)
    for day, labels in sorted(by_day.items()):
        axes.axvline(day, color="#444444", linestyle=(0, (1, 2)), linewidth=1.1, zorder=1)
        axes.annotate(
            "; ".join(labels) + f" ({day.isoformat()})",
            xy=(day, 0.98),
            xycoords=("data", "axes fraction"),
            xytext=(-3, 0),
            textcoords="offset points",
            rotation=90,
            ha="right",
            va="top",
            fontsize=8,
            color="#222222",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0},
        )


def trend_chart(
    rows: Sequence[Row],
    series: str,
    title: str,
    fmt: str = "svg",
    marks: Sequence[PolicyDate] = (),
) -> bytes:
    """Monthly lines, one per value of ``series``; rows: ``month``, ``series``, ``encounters``.

    ``marks`` are policy dates drawn as labelled vertical lines (those outside the months the
    rows cover are left out)."""
    fig, axes = _figure(title)
    by_series: dict[str, dict[dt.date, int]] = {}
    for row in rows:
        by_series.setdefault(str(row[series]), {})[_month(row["month"])] = int(row["encounters"])
    months = sorted({m for points in by_series.values() for m in points})
    for i, (name, points) in enumerate(sorted(by_series.items())):
        axes.plot(
            months,
            [points.get(m, 0) for m in months],
            label=name,
            linestyle=LINE_STYLES[i % len(LINE_STYLES)],
            marker=MARKERS[i % len(MARKERS)],
            markersize=4,
            markevery=max(1, len(months) // 12),
            color=COLOURS[i % len(COLOURS)],
            linewidth=1.6,
        )
    if months:
        _mark_policy_dates(axes, within(marks, months[0], months[-1]))
    axes.set_xlabel("month")
    axes.set_ylabel("encounters")
    if by_series:
        axes.legend(
            title=series.replace("_", " "),
            frameon=False,
            bbox_to_anchor=(1.01, 1),
            loc="upper left",
        )
    fig.autofmt_xdate()
    return render(fig, fmt)


def stacked_bar_chart(
    rows: Sequence[Row], category: str, stack: str, title: str, fmt: str = "svg"
) -> bytes:
    """Bars per value of ``category``, stacked by ``stack``, each layer with its own hatch."""
    fig, axes = _figure(title)
    categories: list[Any] = []
    layers: list[str] = []
    values: dict[tuple[Any, str], int] = {}
    for row in rows:
        if row[category] not in categories:
            categories.append(row[category])
        if str(row[stack]) not in layers:
            layers.append(str(row[stack]))
        values[(row[category], str(row[stack]))] = int(row["encounters"])
    positions = list(range(len(categories)))
    bottoms = [0] * len(categories)
    for i, layer in enumerate(layers):
        heights = [values.get((c, layer), 0) for c in categories]
        axes.bar(
            positions,
            heights,
            bottom=bottoms,
            label=layer,
            hatch=HATCHES[i % len(HATCHES)],
            color=COLOURS[(i + 1) % len(COLOURS)],
            edgecolor="black",
            linewidth=0.5,
        )
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    axes.set_xticks(positions, [str(c) for c in categories])
    axes.set_xlabel(category.replace("_", " "))
    axes.set_ylabel("encounters")
    if layers:
        handles, labels = axes.get_legend_handles_labels()
        axes.legend(  # top to bottom, as the layers stand
            handles[::-1],
            labels[::-1],
            title=stack.replace("_", " "),
            frameon=False,
            bbox_to_anchor=(1.01, 1),
            loc="upper left",
        )
    return render(fig, fmt)


def breakdown_chart(
    rows: Sequence[Row], label: str, group: str, title: str, fmt: str = "svg"
) -> bytes:
    """Horizontal bars, one per ``label`` (a sector or field office), hatched by ``group``."""
    ordered = sorted(rows, key=lambda r: (str(r[group]), int(r["encounters"])))
    fig, axes = _figure(title, width=10, height=max(3.0, 0.32 * len(ordered) + 1.2))
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", color="#cccccc", linewidth=0.6)
    axes.xaxis.set_major_formatter(FuncFormatter(thousands))
    groups = sorted({str(r[group]) for r in ordered})
    for i, name in enumerate(groups):
        members = [(y, r) for y, r in enumerate(ordered) if str(r[group]) == name]
        axes.barh(
            [y for y, _ in members],
            [int(r["encounters"]) for _, r in members],
            label=name,
            hatch=HATCHES[(i + 1) % len(HATCHES)],
            color=COLOURS[(i + 2) % len(COLOURS)],
            edgecolor="black",
            linewidth=0.5,
        )
    axes.set_yticks(range(len(ordered)), [str(r[label]) for r in ordered])
    axes.set_xlabel("encounters")
    if groups:
        axes.legend(title=group.replace("_", " "), frameon=False, loc="lower right")
    return render(fig, fmt)


#: The rows a chart draws, as CSV (header from the first row's keys).
data_table_csv = rows_csv


def _marks_within(marks: tuple[PolicyDate, ...], rows: Sequence[Row]) -> tuple[PolicyDate, ...]:
    months = sorted({_month(r["month"]) for r in rows})
    return tuple(within(marks, months[0], months[-1])) if months else ()


@dataclass(frozen=True)
class Chart:
    """One standard chart: its file name, its title, the rows it draws and how to draw them."""

    name: str
    title: str
    rows: list[Row]
    kind: str  # trend | stacked | breakdown
    keys: tuple[str, ...]
    #: Policy dates drawn on a trend chart (only those within its months).
    marks: tuple[PolicyDate, ...] = ()

    def render(self, fmt: str = "svg") -> bytes:
        if self.kind == "trend":
            return trend_chart(self.rows, self.keys[0], self.title, fmt, self.marks)
        if self.kind == "stacked":
            return stacked_bar_chart(self.rows, self.keys[0], self.keys[1], self.title, fmt)
        return breakdown_chart(self.rows, self.keys[0], self.keys[1], self.title, fmt)


def standard_charts(
    con: duckdb.DuckDBPyConnection,
    region: str | None = "Southwest Land Border",
    fiscal_years: tuple[int, ...] = (),
    top_citizenships: int = 8,
    marks: Sequence[PolicyDate] | None = None,
) -> list[Chart]:
    """The four charts of the statistics page, from the imported data.

    A chart whose dimensions no imported file carries (the sector breakdown needs a by-AOR
    file) is left out. The trend charts mark ``marks`` (default: the policy dates of the
    catalogue, :func:`asilo.stats.policy_dates.policy_dates`) that fall within their months.
    """
    marked = tuple(policy_dates() if marks is None else marks)
    where = f" — {region}" if region else " — all regions"
    q = reports.Query(region=region, fiscal_years=fiscal_years)
    charts: list[Chart] = []

    def rows_for(by: tuple[str, ...]) -> list[Row]:
        try:
            return reports.totals(con, reports.Query(by, q.region, q.fiscal_years))
        except ValueError:
            return []

    for name, dimension, label in (
        ("trend_by_authority", "title_of_authority", "title of authority"),
        ("trend_by_demographic", "demographic", "demographic"),
    ):
        trend = rows_for(("month", dimension))
        if trend:
            charts.append(
                Chart(
                    name,
                    f"Monthly encounters by {label}" + where,
                    trend,
                    "trend",
                    (dimension,),
                    _marks_within(marked, trend),
                )
            )
    citizenship = rows_for(("fiscal_year", "citizenship"))
    if citizenship:
        charts.append(
            Chart(
                "citizenship_by_fiscal_year",
                f"Encounters by citizenship (top {top_citizenships}) and fiscal year" + where,
                reports.fold_others(citizenship, "citizenship", top_citizenships),
                "stacked",
                ("fiscal_year", "citizenship"),
            )
        )
    by_month = rows_for(("month", "aor", "component"))
    if by_month:
        months = sorted({r["month"] for r in by_month})
        span = months[0] if months[0] == months[-1] else f"{months[0]} to {months[-1]}"
        summed: dict[tuple[str, str], int] = {}
        for r in by_month:
            key = (r["aor"], r["component"])
            summed[key] = summed.get(key, 0) + int(r["encounters"])
        charts.append(
            Chart(
                "sector_field_office_breakdown",
                f"Encounters by sector (USBP) and field office (OFO), {span}" + where,
                [
                    {"aor": aor, "component": component, "encounters": n}
                    for (aor, component), n in sorted(summed.items())
                ],
                "breakdown",
                ("aor", "component"),
            )
        )
    return charts
