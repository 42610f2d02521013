"""asilo.forecast: encounter forecasts, backtests, custody projections and port queues (pure:
never imports Django).

Modules: ``series`` (SPECs and monthly series from the statistics store or the USBP sector
file), ``regimes`` (policy-regime indicators from the catalogue), ``models`` (statsforecast's
AutoETS, AutoARIMA, AutoTheta, SeasonalNaive and an ensemble, with 80 % / 95 % intervals),
``backtest`` (rolling origins, MASE, coverage). See docs/forecast.md.
"""
