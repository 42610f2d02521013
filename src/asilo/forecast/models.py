"""Monthly forecasts with Nixtla's statsforecast: AutoETS, AutoARIMA, AutoTheta, SeasonalNaive
and their ensemble, each with 80 % and 95 % prediction intervals.

Only AutoARIMA takes exogenous regressors in statsforecast (ETS, Theta and seasonal naive are
univariate), so the policy-regime indicators go to AutoARIMA. An indicator that is constant over
the fitted history (a policy that never changed there) carries no information and is dropped.

The ensemble's mean is the mean of the member models' means; its interval bounds are the means
of the members' bounds (a simple, documented combination: not a proper predictive distribution).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from asilo.forecast.errors import FieldError
from asilo.forecast.regimes import Regimes
from asilo.forecast.series import Series, add_months

FloatArray = npt.NDArray[np.float64]

MODELS: tuple[str, ...] = ("AutoETS", "AutoARIMA", "AutoTheta", "SeasonalNaive")
ENSEMBLE = "Ensemble"
ENSEMBLE_MEMBERS: tuple[str, ...] = ("AutoETS", "AutoARIMA", "AutoTheta")
ALL_MODELS: tuple[str, ...] = (*MODELS, ENSEMBLE)
LEVELS = (80, 95)
SEASON = 12


class ForecastError(FieldError):
    """A model's bad input (an unknown model, too short a series)."""


@dataclass(frozen=True)
class ModelForecast:
    """One model's forecast: a row per month."""

    model: str
    months: tuple[dt.date, ...]
    mean: FloatArray
    lo80: FloatArray
    hi80: FloatArray
    lo95: FloatArray
    hi95: FloatArray
    detail: str = ""

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "period": m.strftime("%Y-%m"),
                "mean": round(float(self.mean[i]), 1),
                "lo80": round(float(self.lo80[i]), 1),
                "hi80": round(float(self.hi80[i]), 1),
                "lo95": round(float(self.lo95[i]), 1),
                "hi95": round(float(self.hi95[i]), 1),
                "model": self.model,
            }
            for i, m in enumerate(self.months)
        ]


@dataclass
class Forecast:
    """Every model's forecast of one series from one origin (the first forecast month)."""

    series: Series
    origin: dt.date
    by_model: dict[str, ModelForecast]
    regressors: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    def rows(self, models: Sequence[str] | None = None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for name in models or self.by_model:
            out.extend(self.by_model[name].rows())
        return out


@dataclass
class ArimaOrder:
    """The ARIMA order and ETS form chosen at a backtest's first origin, kept for the later
    origins (whose parameters are re-estimated)."""

    order: tuple[int, int, int] | None = None
    seasonal_order: tuple[int, int, int] | None = None
    include_constant: bool = True
    ets: str | None = None
    ets_damped: bool | None = None
    #: ``refit="first"``: every parameter is estimated at the first origin and held; later
    #: origins apply the fitted models to their longer history (statsforecast's ``forward``).
    refit: str = "every"
    fitted: dict[str, Any] = field(default_factory=dict)
    #: the regressors of the first origin (``refit="first"`` keeps the fitted model's inputs)
    regressors: tuple[str, ...] | None = None


def _model(name: str, season: int, arima: ArimaOrder | None) -> Any:
    from statsforecast.models import ARIMA, AutoARIMA, AutoETS, AutoTheta, SeasonalNaive

    if name == "AutoETS":
        if arima is not None and arima.ets is not None:
            return AutoETS(season_length=season, model=arima.ets, damped=arima.ets_damped)
        return AutoETS(season_length=season)
    if name == "AutoARIMA":
        if arima is not None and arima.order is not None and arima.seasonal_order is not None:
            return ARIMA(
                order=arima.order,
                seasonal_order=arima.seasonal_order,
                season_length=season,
                include_constant=arima.include_constant,
            )
        return AutoARIMA(season_length=season, approximation=True)
    if name == "AutoTheta":
        return AutoTheta(season_length=season)
    if name == "SeasonalNaive":
        return SeasonalNaive(season_length=season)
    raise ForecastError("model", f"unknown model {name!r}; use one of: {', '.join(ALL_MODELS)}")


def _informative(x: FloatArray) -> list[int]:
    return [j for j in range(x.shape[1]) if np.ptp(x[:, j]) > 0]


def fit_one(
    name: str,
    y: FloatArray,
    h: int,
    *,
    season: int = SEASON,
    x: FloatArray | None = None,
    x_future: FloatArray | None = None,
    arima: ArimaOrder | None = None,
) -> tuple[dict[str, FloatArray], str | None]:
    """One model's forecast dict (``mean``, ``lo-80``, ``hi-80``, ``lo-95``, ``hi-95``) and a
    note when the model could not be fitted as asked.

    A kept ARIMA order or ETS form that fails is chosen afresh; a model that still fails (the
    library refuses some flat or very short series) is replaced by the seasonal naive forecast,
    and the note says so.
    """
    history = _History(y, h, season, x, x_future)
    try:
        return _fit_one(name, history, arima), None
    except Exception as first:  # statsforecast raises assorted errors on degenerate series
        if arima is not None and (
            arima.order is not None or arima.ets is not None or name in arima.fitted
        ):
            arima.fitted.pop(name, None)
            try:
                return _fit_one(name, history, ArimaOrder()), None
            except Exception:
                pass
        result = _fit_one("SeasonalNaive", _History(y, h, season), None)
        return result, f"{name} failed ({type(first).__name__}); seasonal naive used"


@dataclass(frozen=True)
class _History:
    """What a model is fitted to: the history ``y``, to forecast ``h`` months ahead, its
    season, and the regressors over the history and the forecast months (AutoARIMA only)."""

    y: FloatArray
    h: int
    season: int
    x: FloatArray | None = None
    x_future: FloatArray | None = None


def _fit_one(name: str, history: _History, arima: ArimaOrder | None) -> dict[str, FloatArray]:
    """One model's forecast dict (``mean``, ``lo-80``, ``hi-80``, ``lo-95``, ``hi-95``)."""
    y, h, x, x_future = history.y, history.h, history.x, history.x_future
    model = _model(name, history.season, arima)
    kwargs: dict[str, Any] = {}
    if name == "AutoARIMA" and x is not None and x_future is not None and x.shape[1]:
        kwargs = {"X": x, "X_future": x_future}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        held = None if arima is None or arima.refit != "first" else arima.fitted.get(name)
        if held is not None:
            result: dict[str, FloatArray] = held.forward(y=y, h=h, level=list(LEVELS), **kwargs)
        elif arima is not None and arima.refit == "first" and name in ("AutoARIMA", "AutoETS"):
            model.fit(y, **({"X": kwargs["X"]} if kwargs else {}))
            arima.fitted[name] = model
            result = model.predict(h=h, X=kwargs.get("X_future"), level=list(LEVELS))
        elif name == "AutoARIMA" and arima is not None and arima.order is None:
            model.fit(y, **({"X": kwargs["X"]} if kwargs else {}))
            arma = model.model_["arma"]
            arima.order = (int(arma[0]), int(arma[5]), int(arma[1]))
            arima.seasonal_order = (int(arma[2]), int(arma[6]), int(arma[3]))
            result = model.predict(h=h, X=kwargs.get("X_future"), level=list(LEVELS))
        elif name == "AutoETS" and arima is not None and arima.ets is None:
            model.fit(y)
            components = model.model_["components"]
            arima.ets = "".join(components[:3])
            arima.ets_damped = len(components) > 3 and components[3] == "D"
            result = model.predict(h=h, level=list(LEVELS))
        else:
            result = model.forecast(y=y, h=h, level=list(LEVELS), **kwargs)
    for key in ("mean", "lo-80", "hi-80", "lo-95", "hi-95"):
        if key not in result or not np.all(np.isfinite(result[key])):
            raise ValueError(f"{name} gave no finite {key}")
    return result


def _clip(values: FloatArray) -> FloatArray:
    """Encounters are never negative."""
    clipped: FloatArray = np.maximum(np.asarray(values, dtype=float), 0.0)
    return clipped


def forecast_series(
    series: Series,
    horizon: int,
    *,
    regimes: Regimes | None = None,
    models: Sequence[str] = MODELS,
    origin: dt.date | None = None,
    season: int = SEASON,
    arima: ArimaOrder | None = None,
) -> Forecast:
    """Forecast ``horizon`` months from ``origin`` (default: the month after the last one).

    ``regimes`` must cover the history and the forecast months (see :func:`months_needed`).
    """
    if horizon < 1 or horizon > 60:
        raise ForecastError("horizon", f"{horizon} must be between 1 and 60 months")
    history = series if origin is None else series.before(origin)
    if origin is None:
        if not series.months:
            raise ForecastError("series", "is empty")
        origin = add_months(series.months[-1], 1)
    minimum = 2 * season + 2
    if len(history.values) < minimum:
        raise ForecastError(
            "from",
            f"{len(history.values)} months of history before {origin:%Y-%m}; the models need "
            f"at least {minimum}",
        )
    if history.months and add_months(history.months[-1], 1) != origin:
        raise ForecastError(
            "from",
            f"{origin:%Y-%m} is not the month after the last observed month "
            f"({history.months[-1]:%Y-%m}) or within the data",
        )
    months = tuple(add_months(origin, i) for i in range(horizon))
    y = history.values.astype(float)
    x: FloatArray | None = None
    x_future: FloatArray | None = None
    used: tuple[str, ...] = ()
    notes: list[str] = []
    if regimes is not None:
        names = list(regimes.columns)
        full = regimes.matrix(names)
        index = {m: i for i, m in enumerate(regimes.months)}
        try:
            rows = [index[m] for m in history.months]
            future_rows = [index[m] for m in months]
        except KeyError as exc:
            raise ForecastError("regimes", f"no indicator for month {exc.args[0]}") from exc
        keep = _informative(full[rows])
        if arima is not None and arima.refit == "first":
            if arima.regressors is None:
                arima.regressors = tuple(names[j] for j in keep)
            keep = [names.index(n) for n in arima.regressors if n in names]
        used = tuple(names[j] for j in keep)
        dropped = [n for j, n in enumerate(names) if j not in keep]
        if dropped:
            notes.append("regressors constant over the history, not used: " + ", ".join(dropped))
        if regimes.missing:
            notes.append("not in the policy catalogue: " + ", ".join(regimes.missing))
        x = full[rows][:, keep]
        x_future = full[future_rows][:, keep]
    by_model: dict[str, ModelForecast] = {}
    wanted = list(models)
    fit_names = [n for n in MODELS if n in wanted or (ENSEMBLE in wanted and n in ENSEMBLE_MEMBERS)]
    for name in fit_names:
        result, failed = fit_one(
            name, y, horizon, season=season, x=x, x_future=x_future, arima=arima
        )
        detail = ""
        if failed:
            notes.append(failed)
            detail = failed
        if name == "AutoARIMA" and used:
            detail = "regressors: " + ", ".join(used)
        by_model[name] = ModelForecast(
            name,
            months,
            _clip(result["mean"]),
            _clip(result["lo-80"]),
            _clip(result["hi-80"]),
            _clip(result["lo-95"]),
            _clip(result["hi-95"]),
            detail,
        )
    if ENSEMBLE in wanted:
        members = [by_model[n] for n in ENSEMBLE_MEMBERS]

        def avg(attr: str) -> FloatArray:
            averaged: FloatArray = np.mean([getattr(m, attr) for m in members], axis=0)
            return averaged

        by_model[ENSEMBLE] = ModelForecast(
            ENSEMBLE,
            months,
            avg("mean"),
            avg("lo80"),
            avg("hi80"),
            avg("lo95"),
            avg("hi95"),
            "mean of " + ", ".join(ENSEMBLE_MEMBERS),
        )
    ordered = {n: by_model[n] for n in ALL_MODELS if n in wanted and n in by_model}
    return Forecast(series, origin, ordered, used, notes)


def months_needed(series: Series, horizon: int, origin: dt.date | None) -> list[dt.date]:
    """Every month a forecast's regime indicators must cover (history and horizon)."""
    if not series.months:
        return []
    last = add_months(origin or add_months(series.months[-1], 1), horizon - 1)
    out: list[dt.date] = []
    m = series.months[0]
    while m <= last:
        out.append(m)
        m = add_months(m, 1)
    return out
