"""Forecast charts as SVG or PNG bytes, readable in black and white (matplotlib's object API).

* :func:`fan_chart`: history, a model's forecast and its 80 % and 95 % intervals, with the
  policy dates that fall in the window annotated.
* :func:`custody_chart`: people held per day under one scenario, with the capacity line.

Each chart has its rows (:func:`fan_rows`, :func:`custody_rows`) for the data table and CSV.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from asilo.csvsafe import rows_csv as rows_csv  # a chart's rows as CSV, for the pages
from asilo.forecast.models import ModelForecast
from asilo.forecast.series import Series
from asilo.stats.charts import render, thousands

Row = dict[str, Any]


def fan_rows(history: Series, forecast: ModelForecast) -> list[Row]:
    """The chart's data: observed months, then forecast months with their intervals."""
    rows: list[Row] = [
        {
            "period": m.strftime("%Y-%m"),
            "observed": float(v),
            "mean": None,
            "lo80": None,
            "hi80": None,
            "lo95": None,
            "hi95": None,
        }
        for m, v in zip(history.months, history.values, strict=True)
    ]
    for row in forecast.rows():
        rows.append({"observed": None, **{k: row[k] for k in row if k != "model"}})
    return rows


def fan_chart(
    history: Series,
    forecast: ModelForecast,
    title: str,
    fmt: str,
    policy_dates: Sequence[tuple[dt.date, str]] = (),
    labels: dict[str, str] | None = None,
) -> bytes:
    """History (solid), forecast mean (dashed), 80 % band (hatched) inside the 95 % band."""
    names = {"observed": "observed", "forecast": "forecast", "80": "80 %", "95": "95 %"}
    names.update(labels or {})
    fig = Figure(figsize=(10, 5.5))
    axes: Any = fig.add_subplot()
    axes.set_title(title)
    axes.yaxis.set_major_formatter(FuncFormatter(thousands))
    axes.grid(axis="y", color="#cccccc", linewidth=0.6)
    axes.plot(
        list(history.months),
        list(history.values),
        color="#000000",
        linestyle="-",
        marker="o",
        markersize=2.5,
        label=names["observed"],
    )
    months = list(forecast.months)
    axes.fill_between(
        months,
        forecast.lo95,
        forecast.hi95,
        color="#56B4E9",
        alpha=0.25,
        linewidth=0,
        label=names["95"],
    )
    axes.fill_between(
        months,
        forecast.lo80,
        forecast.hi80,
        facecolor="#0072B2",
        alpha=0.35,
        hatch="///",
        edgecolor="#000000",
        linewidth=0,
        label=names["80"],
    )
    axes.plot(
        months,
        forecast.mean,
        color="#D55E00",
        linestyle="--",
        marker="s",
        markersize=3,
        label=names["forecast"],
    )
    first = history.months[0] if history.months else months[0]
    last = months[-1]
    top = max([*history.values, *forecast.hi95]) if len(history.values) else max(forecast.hi95)
    for day, label in policy_dates:
        if first <= day <= last:
            axes.axvline(day, color="#666666", linestyle=":", linewidth=1)
            axes.text(day, top, f" {label}", rotation=90, va="top", ha="left", fontsize=8)
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper left", frameon=False, fontsize=9)
    return render(fig, fmt)


def custody_rows(
    days: Sequence[dt.date], held: Sequence[float], capacity: float | None
) -> list[Row]:
    return [
        {"date": d.isoformat(), "in_custody": round(h, 1), "capacity": capacity}
        for d, h in zip(days, held, strict=True)
    ]


def custody_chart(
    days: Sequence[dt.date],
    held: Sequence[float],
    capacity: float | None,
    title: str,
    fmt: str,
    labels: dict[str, str] | None = None,
    top: float | None = None,
) -> bytes:
    """People held per day (solid), the capacity (dashed); ``top`` aligns a pair of charts."""
    names = {"held": "people in custody", "capacity": "capacity"}
    names.update(labels or {})
    fig = Figure(figsize=(6.5, 4.5))
    axes: Any = fig.add_subplot()
    axes.set_title(title, fontsize=11)
    axes.yaxis.set_major_formatter(FuncFormatter(thousands))
    axes.grid(axis="y", color="#cccccc", linewidth=0.6)
    axes.plot(
        list(days), list(held), color="#000000", marker="o", markersize=2.5, label=names["held"]
    )
    if capacity is not None:
        axes.axhline(
            capacity, color="#D55E00", linestyle="--", linewidth=1.5, label=names["capacity"]
        )
    axes.set_ylim(0, top if top else None)
    axes.legend(loc="upper left", frameon=False, fontsize=9)
    fig.autofmt_xdate()
    return render(fig, fmt)
