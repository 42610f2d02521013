"""Rolling-origin backtests: MASE and interval coverage per model, per series and overall.

With ``origins`` K and ``horizon`` H, the last origin is the month H-1 before the last observed
month and the origins step back one month at a time, so every forecast is scored against an
observed month. At each origin each model is fitted on the history before it only.

* **MASE** (mean absolute scaled error): |actual - mean| divided by the in-sample mean absolute
  seasonal (12-month) difference of that origin's history; averaged over origins (per horizon,
  and over horizons 1..H). Below 1 is better than the in-sample seasonal naive forecast.
* **Coverage**: the share of actual months inside the 80 % (and 95 %) interval.

``refit="every"`` (the default): AutoARIMA chooses its order and AutoETS its form at the first
origin of each series; later origins re-estimate the parameters of that order and form.
``refit="first"``: every parameter is estimated at the first origin and held; later origins
apply the fitted models to their longer history (statsforecast's ``forward``), which is faster
and is how a model fitted once is used in production; the held AutoARIMA keeps the regressors
of the first origin.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from asilo.forecast.models import (
    ALL_MODELS,
    SEASON,
    ArimaOrder,
    ForecastError,
    forecast_series,
    months_needed,
)
from asilo.forecast.regimes import Regimes
from asilo.forecast.series import Series, add_months

REFIT = ("every", "first")


@dataclass
class Scores:
    """Accumulated errors of one model: scaled absolute errors by horizon, hits by level."""

    scaled: dict[int, list[float]] = field(default_factory=dict)
    hits80: list[bool] = field(default_factory=list)
    hits95: list[bool] = field(default_factory=list)

    def add(self, h: int, scaled_error: float, in80: bool, in95: bool) -> None:
        self.scaled.setdefault(h, []).append(scaled_error)
        self.hits80.append(in80)
        self.hits95.append(in95)

    def merge(self, other: Scores) -> None:
        for h, values in other.scaled.items():
            self.scaled.setdefault(h, []).extend(values)
        self.hits80.extend(other.hits80)
        self.hits95.extend(other.hits95)

    def mase(self, horizons: Sequence[int] | None = None) -> float:
        keys = horizons or sorted(self.scaled)
        values = [x for h in keys for x in self.scaled.get(h, [])]
        return float(np.mean(values)) if values else float("nan")

    def coverage80(self) -> float:
        return float(np.mean(self.hits80)) if self.hits80 else float("nan")

    def coverage95(self) -> float:
        return float(np.mean(self.hits95)) if self.hits95 else float("nan")


@dataclass
class SeriesBacktest:
    label: str
    origins: tuple[dt.date, ...]
    horizon: int
    scores: dict[str, Scores]
    forecasts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Backtest:
    horizon: int
    per_series: list[SeriesBacktest]

    def overall(self) -> dict[str, Scores]:
        out: dict[str, Scores] = {}
        for result in self.per_series:
            for model, scores in result.scores.items():
                out.setdefault(model, Scores()).merge(scores)
        return out

    def rows(self) -> list[dict[str, Any]]:
        """One row per (series, model) plus the overall rows (series ``ALL``)."""
        out: list[dict[str, Any]] = []
        groups: list[tuple[str, dict[str, Scores]]] = [(r.label, r.scores) for r in self.per_series]
        if len(self.per_series) > 1:
            groups.append(("ALL", self.overall()))
        for label, scores in groups:
            for model, s in scores.items():
                row: dict[str, Any] = {"series": label, "model": model}
                for h in range(1, self.horizon + 1):
                    row[f"mase_h{h}"] = _round(s.mase([h]))
                row["mase"] = _round(s.mase())
                row["coverage80"] = _round(s.coverage80())
                row["coverage95"] = _round(s.coverage95())
                out.append(row)
        return out


def _round(x: float) -> float | None:
    return None if np.isnan(x) else round(x, 3)


def seasonal_scale(y: np.ndarray[Any, np.dtype[np.float64]], season: int = SEASON) -> float:
    """The in-sample mean absolute seasonal difference (the MASE denominator)."""
    if len(y) <= season:
        raise ForecastError("origins", "too little history to scale errors")
    scale = float(np.mean(np.abs(y[season:] - y[:-season])))
    return scale if scale > 0 else 1.0


def origin_months(
    series: Series, origins: int, horizon: int, last_origin: dt.date | None = None
) -> tuple[dt.date, ...]:
    if origins < 1 or origins > 120:
        raise ForecastError("origins", f"{origins} must be between 1 and 120")
    if horizon < 1 or horizon > 24:
        raise ForecastError("horizon", f"{horizon} must be between 1 and 24")
    if not series.months:
        raise ForecastError("series", "is empty")
    last = add_months(series.months[-1], -(horizon - 1))
    if last_origin is not None:
        if last_origin > last:
            raise ForecastError(
                "last-origin",
                f"{last_origin:%Y-%m} leaves fewer than {horizon} observed months to score "
                f"(latest possible: {last:%Y-%m})",
            )
        last = last_origin
    first = add_months(last, -(origins - 1))
    if series.months and first <= series.months[0]:
        raise ForecastError("origins", f"the first origin {first:%Y-%m} has no history")
    return tuple(add_months(first, i) for i in range(origins))


def backtest_series(
    series: Series,
    *,
    origins: int,
    horizon: int = 3,
    regimes: Regimes | None = None,
    models: Sequence[str] = ALL_MODELS,
    season: int = SEASON,
    keep_forecasts: bool = False,
    last_origin: dt.date | None = None,
    refit: str = "every",
) -> SeriesBacktest:
    if refit not in REFIT:
        raise ForecastError("refit", f"{refit!r}; use one of: {', '.join(REFIT)}")
    months = origin_months(series, origins, horizon, last_origin)
    actual = dict(zip(series.months, series.values, strict=True))
    scores: dict[str, Scores] = {m: Scores() for m in models}
    arima = ArimaOrder(refit=refit)
    kept: list[dict[str, Any]] = []
    for origin in months:
        history = series.before(origin)
        scale = seasonal_scale(history.values, season)
        forecast = forecast_series(
            series,
            horizon,
            regimes=regimes,
            models=models,
            origin=origin,
            season=season,
            arima=arima,
        )
        for model, fc in forecast.by_model.items():
            for h, month in enumerate(fc.months, start=1):
                y = float(actual[month])
                i = h - 1
                scores[model].add(
                    h,
                    abs(y - float(fc.mean[i])) / scale,
                    bool(fc.lo80[i] <= y <= fc.hi80[i]),
                    bool(fc.lo95[i] <= y <= fc.hi95[i]),
                )
            if keep_forecasts:
                for row in fc.rows():
                    kept.append({"origin": origin.strftime("%Y-%m"), **row})
    return SeriesBacktest(series.label, months, horizon, scores, kept)


def _one(job: tuple[Series, Regimes | None, dict[str, Any]]) -> SeriesBacktest:
    series, regimes, options = job
    return backtest_series(series, regimes=regimes, **options)


def backtest(
    series_list: Sequence[Series],
    *,
    origins: int,
    horizon: int = 3,
    regimes_for: Any = None,
    models: Sequence[str] = ALL_MODELS,
    season: int = SEASON,
    last_origin: dt.date | None = None,
    workers: int | None = None,
    refit: str = "every",
) -> Backtest:
    """Backtest every series. ``regimes_for(months)`` gives the indicators (or None).

    Series are independent: with several, they are spread over ``workers`` processes (default:
    one per CPU, at most 4, for 4 or more series). Results keep the order of ``series_list``.
    """
    options: dict[str, Any] = {
        "origins": origins,
        "horizon": horizon,
        "models": tuple(models),
        "season": season,
        "last_origin": last_origin,
        "refit": refit,
    }
    if refit not in REFIT:
        raise ForecastError("refit", f"{refit!r}; use one of: {', '.join(REFIT)}")
    for series in series_list:  # check every series before starting any work
        origin_months(series, origins, horizon, last_origin)
    jobs = [
        (
            series,
            None if regimes_for is None else regimes_for(months_needed(series, 1, None)),
            options,
        )
        for series in series_list
    ]
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if len(jobs) >= 4 else 1
    if workers <= 1:
        return Backtest(horizon, [_one(job) for job in jobs])
    # fork: the workers inherit the loaded libraries (spawn would import them again in each)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return Backtest(horizon, list(pool.map(_one, jobs)))
