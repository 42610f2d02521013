"""Forecasts, regime indicators from the catalogue, and rolling-origin backtests.

Synthetic series use a short season (4) so the models fit in milliseconds.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from asilo.forecast import backtest as bt
from asilo.forecast import models, regimes
from asilo.forecast.series import Series, add_months, parse_spec
from asilo.policy import load_catalogue, load_scenario

SEASON = 4


def synthetic(n: int = 40, *, noise: float = 5.0, seed: int = 7) -> Series:
    rng = np.random.default_rng(seed)
    pattern = np.array([100.0, 140.0, 120.0, 80.0])
    values = np.tile(pattern, n // SEASON + 1)[:n] + rng.normal(0, noise, n)
    months = tuple(add_months(dt.date(2020, 1, 1), i) for i in range(n))
    return Series(parse_spec("region=southwest"), months, values)


def test_every_model_and_the_ensemble_with_both_intervals() -> None:
    data = synthetic()
    result = models.forecast_series(data, 4, models=models.ALL_MODELS, season=SEASON)
    assert list(result.by_model) == list(models.ALL_MODELS)
    rows = result.rows()
    assert len(rows) == 4 * len(models.ALL_MODELS)
    assert set(rows[0]) == {"period", "mean", "lo80", "hi80", "lo95", "hi95", "model"}
    assert rows[0]["period"] == "2023-05"
    for row in rows:
        assert row["lo95"] <= row["lo80"] <= row["mean"] <= row["hi80"] <= row["hi95"]
    naive = result.by_model["SeasonalNaive"]
    assert naive.mean.tolist() == pytest.approx(data.values[-SEASON:].tolist())
    members = [result.by_model[m].mean for m in models.ENSEMBLE_MEMBERS]
    assert result.by_model["Ensemble"].mean == pytest.approx(np.mean(members, axis=0))


def test_a_seasonal_pattern_is_forecast_better_than_a_flat_line() -> None:
    data = synthetic(noise=1.0)
    result = models.forecast_series(data, 4, models=("AutoETS",), season=SEASON)
    expected = np.array([100.0, 140.0, 120.0, 80.0])
    assert np.abs(result.by_model["AutoETS"].mean - expected).max() < 10


def test_origin_inside_the_data_uses_only_the_history_before_it() -> None:
    data = synthetic()
    origin = data.months[30]
    early = models.forecast_series(data, 2, origin=origin, models=("SeasonalNaive",), season=4)
    assert early.origin == origin
    assert early.by_model["SeasonalNaive"].mean.tolist() == pytest.approx(
        data.values[26:28].tolist()
    )


def test_bad_horizon_and_short_history_name_the_field() -> None:
    with pytest.raises(models.ForecastError) as caught:
        models.forecast_series(synthetic(), 0, season=SEASON)
    assert caught.value.field == "horizon"
    with pytest.raises(models.ForecastError) as caught:
        models.forecast_series(synthetic(8), 2, season=SEASON)
    assert caught.value.field == "from"


def test_regime_indicators_come_from_the_catalogue_and_follow_a_scenario() -> None:
    catalogue = load_catalogue()
    months = [dt.date(2023, 4, 1), dt.date(2023, 5, 1), dt.date(2023, 6, 1)]
    real = regimes.regime_indicators(catalogue, months)
    # Title 42 ended at 23:59 on 2023-05-11: 11 of May's 31 days at noon
    assert real.columns["title42"].tolist() == pytest.approx([1.0, 11 / 31, 0.0])
    assert real.columns["lawful_pathways_2023"].tolist() == pytest.approx([0.0, 20 / 31, 1.0])
    from asilo.forecast.custody import SCENARIOS

    kept = load_scenario(SCENARIOS / "title42-kept.yaml").apply(catalogue)
    assert regimes.regime_indicators(kept, months).columns["title42"].tolist() == [1.0] * 3
    dates = regimes.policy_dates(catalogue, dt.date(2020, 1, 1), dt.date(2023, 12, 31))
    assert (dt.date(2023, 5, 11), "title42", "end") in dates
    assert (dt.date(2020, 3, 20), "title42", "start") in dates


def test_arima_takes_the_regime_regressors_and_drops_constant_ones() -> None:
    data = synthetic(40)
    months = models.months_needed(data, 3, None)
    step = np.array([0.0] * 20 + [1.0] * 23)
    flat = np.zeros(43)
    indicators = regimes.Regimes(tuple(months), {"step": step, "flat": flat}, ("x/missing",))
    result = models.forecast_series(
        data, 3, regimes=indicators, models=("AutoARIMA",), season=SEASON
    )
    assert result.regressors == ("step",)
    assert any("flat" in note for note in result.notes)
    assert any("x/missing" in note for note in result.notes)


def test_backtest_scores_against_hand_computed_seasonal_naive() -> None:
    data = synthetic(36)
    result = bt.backtest_series(
        data, origins=3, horizon=2, models=("SeasonalNaive",), season=SEASON
    )
    assert result.origins == (data.months[-4], data.months[-3], data.months[-2])
    errors: dict[int, list[float]] = {1: [], 2: []}
    for origin_index in (32, 33, 34):
        history = data.values[:origin_index]
        scale = np.mean(np.abs(history[SEASON:] - history[:-SEASON]))
        for h in (1, 2):
            actual = data.values[origin_index + h - 1]
            forecast = history[origin_index - SEASON + h - 1]
            errors[h].append(abs(actual - forecast) / scale)
    scores = result.scores["SeasonalNaive"]
    assert scores.mase([1]) == pytest.approx(np.mean(errors[1]))
    assert scores.mase([2]) == pytest.approx(np.mean(errors[2]))
    assert len(scores.hits80) == 6


def test_backtest_rows_per_series_and_overall() -> None:
    result = bt.backtest(
        [synthetic(seed=1), synthetic(seed=2)],
        origins=2,
        horizon=2,
        models=("AutoTheta", "SeasonalNaive"),
        season=SEASON,
    )
    rows = result.rows()
    assert [r["series"] for r in rows].count("ALL") == 2
    assert {"mase_h1", "mase_h2", "mase", "coverage80", "coverage95"} <= set(rows[0])
    for row in rows:
        assert 0.0 <= row["coverage80"] <= row["coverage95"] <= 1.0
    with pytest.raises(models.ForecastError) as caught:
        bt.backtest([synthetic()], origins=0, horizon=2, season=SEASON)
    assert caught.value.field == "origins"


def test_a_model_that_fails_is_replaced_by_seasonal_naive_and_said_so() -> None:
    data = synthetic(24)
    bad_x = np.ones((5, 1))  # wrong length: AutoARIMA refuses it
    result, note = models.fit_one(
        "AutoARIMA", data.values, 2, season=SEASON, x=bad_x, x_future=np.ones((2, 1))
    )
    assert note is not None and "AutoARIMA failed" in note and "seasonal naive" in note
    assert result["mean"].tolist() == pytest.approx(data.values[-SEASON:][:2].tolist())


def test_backtest_in_worker_processes_equals_one_process() -> None:
    series_list = [synthetic(seed=s) for s in (1, 2, 3, 4)]
    args = {"origins": 2, "horizon": 1, "models": ("AutoTheta", "SeasonalNaive"), "season": 4}
    alone = bt.backtest(series_list, workers=1, **args)  # type: ignore[arg-type]
    spread = bt.backtest(series_list, workers=2, **args)  # type: ignore[arg-type]
    assert alone.rows() == spread.rows()


def test_refit_first_holds_the_parameters_of_the_first_origin() -> None:
    data = synthetic(40, noise=1.0)
    every = bt.backtest_series(data, origins=3, horizon=2, models=("AutoETS",), season=SEASON)
    first = bt.backtest_series(
        data, origins=3, horizon=2, models=("AutoETS",), season=SEASON, refit="first"
    )
    # the first origin is the same fit either way; the held parameters still forecast well
    assert every.scores["AutoETS"].scaled[1][0] == pytest.approx(
        first.scores["AutoETS"].scaled[1][0]
    )
    assert first.scores["AutoETS"].mase() < 1.0
    with pytest.raises(models.ForecastError) as caught:
        bt.backtest_series(data, origins=2, horizon=1, season=SEASON, refit="sometimes")
    assert caught.value.field == "refit"


def test_refit_first_keeps_the_first_origins_regressors() -> None:
    data = synthetic(40)
    months = models.months_needed(data, 2, None)
    step = np.array([0.0] * 35 + [1.0] * (len(months) - 35))
    indicators = regimes.Regimes(tuple(months), {"step": step}, ())
    memory = models.ArimaOrder(refit="first")
    first = models.forecast_series(
        data, 2, regimes=indicators, models=("AutoARIMA",), season=SEASON,
        origin=data.months[33], arima=memory,
    )  # fmt: skip
    fitted = memory.fitted["AutoARIMA"]
    assert first.regressors == () and memory.regressors == ()
    later = models.forecast_series(
        data, 2, regimes=indicators, models=("AutoARIMA",), season=SEASON,
        origin=data.months[38], arima=memory,
    )  # fmt: skip
    # the step is informative by now, but the held model was fitted without it
    assert later.regressors == ()
    assert memory.fitted["AutoARIMA"] is fitted
    assert not any("failed" in note for note in later.notes)
