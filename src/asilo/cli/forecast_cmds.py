"""``asilo forecast``: encounter forecasts, backtests, custody projections and port queues.

The work is done by :mod:`asilo.forecast`; these commands parse options and print. Bad input
exits with status 2 and a message naming the field, and prints nothing on standard output.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from asilo.cli.common import err, fail, out, say, setup_django, text_file, text_files
from asilo.cli.options import OutputFormat, RowsFormat, StatsDb, day_option
from asilo.csvsafe import rows_csv
from asilo.forecast import backtest as bt
from asilo.forecast import models, regimes, series

forecast_app = typer.Typer(
    help="Forecasts: monthly encounters, backtests, custody projections and port queues.",
    no_args_is_help=True,
)

SectorFileOption = Annotated[
    Path,
    typer.Option("--sector-file", help="USBP monthly apprehensions by sector (.psv)."),
]
SeriesOption = Annotated[
    str,
    typer.Option(
        "--series",
        help="Series SPEC, e.g. region=southwest, state=TX,demographic=FMUA, "
        "sector=rio_grande_valley (docs/forecast.md).",
    ),
]
ModelsOption = Annotated[
    str | None,
    typer.Option("--models", help="Comma-separated models (default: all and the ensemble)."),
]


def _load(spec_text: str, db: Path, sector_file: Path) -> series.Series:
    spec = series.parse_spec(spec_text)
    if spec.sectors:
        if sector_file.exists():
            text_file(sector_file, "sector")
        return series.load_series(spec, sector_file=sector_file)
    if not db.exists():
        raise series.SeriesError(
            "db", f"no statistics database at {db}; run 'asilo stats import FILE...' first"
        )
    from asilo.stats import store

    try:
        con = store.connect(db, read_only=True)
    except store.StoreError as exc:
        raise series.SeriesError("db", str(exc)) from exc
    try:
        return series.load_series(spec, con=con)
    finally:
        con.close()


def _regimes_for() -> Any:
    from asilo.policy import load_catalogue

    catalogue = load_catalogue()

    def make(months: list[Any]) -> regimes.Regimes:
        return regimes.regime_indicators(catalogue, months)

    return make


def print_rows(rows: list[dict[str, Any]], fmt: OutputFormat, title: str) -> None:
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if fmt is OutputFormat.csv:
        typer.echo(rows_csv(rows), nl=False)
        return
    table = Table(title=title)
    if not rows:
        out.print(table)
        return
    for name in rows[0]:
        numeric = isinstance(rows[0][name], int | float) and not isinstance(rows[0][name], bool)
        table.add_column(name, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(_cell(v) for v in row.values()))
    out.print(table)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _models(text: str | None) -> tuple[str, ...]:
    if not text:
        return models.ALL_MODELS
    names = []
    known = {m.lower(): m for m in models.ALL_MODELS}
    for part in text.split(","):
        key = part.strip().lower()
        if key not in known:
            raise models.ForecastError(
                "models", f"unknown model {part.strip()!r}; use: {', '.join(models.ALL_MODELS)}"
            )
        names.append(known[key])
    return tuple(names)


@forecast_app.command("encounters")
def encounters_cmd(
    spec: SeriesOption,
    horizon: Annotated[int, typer.Option("--horizon", help="Months to forecast (1-60).")],
    start: Annotated[
        str | None,
        typer.Option("--from", help="First forecast month YYYY-MM (history before it only)."),
    ] = None,
    fmt: RowsFormat = OutputFormat.table,
    model_names: ModelsOption = None,
    db: StatsDb = Path("var/stats.duckdb"),
    sector_file: SectorFileOption = series.DEFAULT_SECTOR_FILE,
) -> None:
    """Monthly forecasts with 80 % and 95 % intervals, per model and their ensemble."""
    try:
        wanted = _models(model_names)
        origin = series.parse_month(start, "from") if start else None
        data = _load(spec, db, sector_file)
        if (
            origin is not None
            and data.months
            and not (data.months[0] < origin <= series.add_months(data.months[-1], 1))
        ):
            raise series.SeriesError(
                "from",
                f"{origin:%Y-%m} is outside the series ({data.months[0]:%Y-%m} to "
                f"{series.add_months(data.months[-1], 1):%Y-%m})",
            )
        indicators = _regimes_for()(models.months_needed(data, horizon, origin))
        result = models.forecast_series(
            data, horizon, regimes=indicators, models=wanted, origin=origin
        )
    except (series.SeriesError, models.ForecastError) as exc:
        fail(str(exc))
    title = f"{data.label}: forecast from {result.origin:%Y-%m}"
    if result.regressors:
        title += f" (AutoARIMA regressors: {', '.join(result.regressors)})"
    print_rows(result.rows(), fmt, title)
    if fmt is OutputFormat.table:
        for note in result.notes:
            say(f"note: {note}", err)


@forecast_app.command("backtest")
def backtest_cmd(
    specs: Annotated[
        list[str],
        typer.Option("--series", help="Series SPEC (repeat for several series)."),
    ],
    origins: Annotated[int, typer.Option("--origins", help="Rolling monthly origins.")],
    horizon: Annotated[int, typer.Option("--horizon", help="Months ahead scored (1-24).")] = 3,
    fmt: RowsFormat = OutputFormat.table,
    model_names: ModelsOption = None,
    last_origin: Annotated[
        str | None,
        typer.Option("--last-origin", help="Last origin YYYY-MM (default: the latest scored)."),
    ] = None,
    refit: Annotated[
        str,
        typer.Option(
            "--refit",
            help="every: re-estimate at each origin; first: estimate once, then apply.",
        ),
    ] = "every",
    db: StatsDb = Path("var/stats.duckdb"),
    sector_file: SectorFileOption = series.DEFAULT_SECTOR_FILE,
) -> None:
    """Rolling-origin backtest: MASE by horizon and interval coverage, per model and series."""
    try:
        wanted = _models(model_names)
        if "SeasonalNaive" not in wanted:
            wanted = (*wanted, "SeasonalNaive")
        last = series.parse_month(last_origin, "last-origin") if last_origin else None
        data = [_load(spec, db, sector_file) for spec in specs]
        result = bt.backtest(
            data,
            origins=origins,
            horizon=horizon,
            regimes_for=_regimes_for(),
            models=wanted,
            last_origin=last,
            refit=refit,
        )
    except (series.SeriesError, models.ForecastError) as exc:
        fail(str(exc))
    first = result.per_series[0].origins
    title = (
        f"Backtest: {origins} origins {first[0]:%Y-%m} to {first[-1]:%Y-%m}, horizons 1-{horizon}"
    )
    print_rows(result.rows(), fmt, title)


def _custody_mix(db: Path, parameters: Any) -> tuple[Any, list[str]]:
    """mix_for(place, day) from the statistics store (by-state files), and its notes."""
    from asilo.forecast import custody

    if not db.exists():

        def missing(place_name: str, day: dt.date) -> Any:
            raise custody.CustodyError(
                "db",
                f"no statistics database at {db} to take the mix of people from; run "
                "'asilo stats import' or give demographic and nationality in --arrivals",
            )

        return missing, []
    from asilo.stats import store

    try:
        con = store.connect(db, read_only=True)
    except store.StoreError as exc:
        raise custody.CustodyError("db", str(exc)) from exc
    mix = custody.StoreMix(con, parameters.other_nationality)
    return mix, mix.notes


@forecast_app.command("custody")
def custody_cmd(
    scenarios: Annotated[
        list[Path],
        typer.Option("--scenario", help="Scenario YAML (repeat once to compare two)."),
    ],
    first: Annotated[dt.date, day_option("--from", "First day.", label="from")],
    last: Annotated[dt.date, day_option("--to", "Last day.", label="to")],
    arrivals_file: Annotated[
        Path | None,
        typer.Option("--arrivals", help="CSV date,place,count[,demographic,nationality]."),
    ] = None,
    from_forecast: Annotated[
        bool, typer.Option("--from-forecast", help="Arrivals from a monthly forecast.")
    ] = False,
    spec: Annotated[
        str | None, typer.Option("--series", help="With --from-forecast: the series SPEC.")
    ] = None,
    place_names: Annotated[
        list[str] | None,
        typer.Option("--place", help="With --from-forecast: the sector or port (repeatable)."),
    ] = None,
    model: Annotated[str, typer.Option("--model", help="Forecast model.")] = "Ensemble",
    capacity_file: Annotated[
        Path | None, typer.Option("--capacity", help="CSV place,capacity[,from,to].")
    ] = None,
    parameters_file: Annotated[
        Path | None, typer.Option("--parameters", help="Hours in custody by pathway (YAML).")
    ] = None,
    fmt: RowsFormat = OutputFormat.table,
    db: StatsDb = Path("var/stats.duckdb"),
    sector_file: SectorFileOption = series.DEFAULT_SECTOR_FILE,
) -> None:
    """People in custody per place and day under one or two scenarios (stock and flow)."""
    from asilo.forecast import custody
    from asilo.policy import CatalogueError, load_catalogue, load_scenario

    text_files(
        *(("scenario", path) for path in scenarios),
        ("arrivals", arrivals_file),
        ("capacity", capacity_file),
        ("parameters", parameters_file),
    )
    try:
        result, engines, notes = _run_custody(
            custody,
            load_catalogue,
            load_scenario,
            scenarios=scenarios,
            start=first,
            end=last,
            arrivals_file=arrivals_file,
            from_forecast=from_forecast,
            spec=spec,
            place_names=place_names or [],
            model=model,
            capacity_file=capacity_file,
            parameters_file=parameters_file,
            db=db,
            sector_file=sector_file,
        )
    except (
        custody.CustodyError,
        series.SeriesError,
        models.ForecastError,
        CatalogueError,
    ) as exc:
        fail(str(exc))
    labels = list(engines)
    _print_custody(result, labels, fmt)
    for note in notes:
        say(f"note: {note}", err)


def _run_custody(
    custody: Any,
    load_catalogue: Any,
    load_scenario: Any,
    *,
    scenarios: list[Path],
    start: dt.date,
    end: dt.date,
    arrivals_file: Path | None,
    from_forecast: bool,
    spec: str | None,
    place_names: list[str],
    model: str,
    capacity_file: Path | None,
    parameters_file: Path | None,
    db: Path,
    sector_file: Path,
) -> tuple[Any, dict[str, Any], list[str]]:
    if (arrivals_file is None) == (not from_forecast):
        raise custody.CustodyError("arrivals", "give either --arrivals FILE or --from-forecast")
    if not 1 <= len(scenarios) <= 2:
        raise custody.CustodyError("scenario", "give one scenario, or two to compare")
    parameters = custody.load_parameters(parameters_file or custody.PARAMETERS)
    catalogue = load_catalogue()
    engines: dict[str, Any] = {}
    for path in scenarios:
        if not path.exists():
            raise custody.CustodyError("scenario", f"{path}: no such file")
        scenario = load_scenario(path)
        if scenario.name in engines:
            raise custody.CustodyError("scenario", f"{scenario.name} given twice")
        engines[scenario.name] = custody.PathwayShares(catalogue, scenario)
    notes: list[str] = []
    if arrivals_file is not None:
        arrivals = custody.read_arrivals(arrivals_file, parameters.weekday_weights)
    else:
        arrivals = _forecast_arrivals(
            custody, parameters, spec, place_names, model, start, end, db, sector_file, notes
        )
    capacities = custody.read_capacity(capacity_file) if capacity_file else []
    mix_for, mix_notes = _custody_mix(db, parameters)
    result = custody.project(
        arrivals,
        first=start,
        last=end,
        parameters=parameters,
        engines=engines,
        mix_for=mix_for,
        capacities=capacities,
    )
    weekday = (
        "measured from the arrivals file"
        if arrivals.weekday_weights is not None
        else f"flat ({parameters.weekday_source})"
    )
    notes.append(f"weekday profile: {weekday}")
    return result, engines, [*notes, *mix_notes, *result.notes]


def _forecast_arrivals(
    custody: Any,
    parameters: Any,
    spec: str | None,
    place_names: list[str],
    model: str,
    start: Any,
    end: Any,
    db: Path,
    sector_file: Path,
    notes: list[str],
) -> Any:
    from asilo.policy import load_catalogue

    if not place_names:
        raise custody.CustodyError("place", "--from-forecast needs --place (a sector or port)")
    places = [custody.place_of(name).name for name in place_names]
    wanted = _models(model)
    if len(wanted) != 1:
        raise models.ForecastError("model", "give one model")
    catalogue = load_catalogue()
    by_place = {}
    for place in places:
        data = _load(spec or f"sector={place}", db, sector_file)
        days, note = custody.arrivals_from_forecast(
            data,
            model=wanted[0],
            first=start,
            last=end,
            parameters=parameters,
            catalogue=catalogue,
        )
        by_place[place] = days
        notes.append(f"{place}: {note}")
    return custody.Arrivals(by_place, source="forecast")


def _print_custody(result: Any, labels: list[str], fmt: OutputFormat) -> None:
    grouped: dict[tuple[Any, str], dict[str, Any]] = {}
    for row in result.rows:
        key = (row.day, row.place)
        entry = grouped.setdefault(
            key,
            {
                "date": row.day.isoformat(),
                "place": row.place,
                "arrivals": round(row.arrivals, 1),
            },
        )
        entry[f"held:{row.scenario}"] = round(row.in_custody, 1)
        if fmt is OutputFormat.json:
            entry.setdefault("by_scenario", {})[row.scenario] = {
                "in_custody": round(row.in_custody, 1),
                "by_pathway": {p: round(v, 1) for p, v in row.by_pathway.items()},
                "pathway_shares": {p: round(v, 4) for p, v in row.shares.items()},
            }
        entry["capacity"] = row.capacity
    rows = list(grouped.values())
    if len(labels) == 2:
        for entry in rows:
            entry["difference"] = round(entry[f"held:{labels[1]}"] - entry[f"held:{labels[0]}"], 1)
    for entry in rows:
        entry["capacity"] = entry.pop("capacity")
    exceeded = [
        {"scenario": s, "place": p, "first_day_over_capacity": d.isoformat() if d else None}
        for (s, p), d in result.first_exceeded().items()
    ]
    if fmt is OutputFormat.json:
        typer.echo(
            json.dumps(
                {"days": rows, "first_exceeded": exceeded, "shares": _share_rows(result)},
                indent=2,
            )
        )
        return
    print_rows(rows, fmt, "People in custody per day (average held over the day)")
    if fmt is OutputFormat.table:
        print_rows(_share_rows(result), fmt, "Pathway shares from the policy engine")
        for item in exceeded:
            when = item["first_day_over_capacity"] or "not within the period"
            say(
                f"{item['scenario']} / {item['place']}: capacity first exceeded on {when}",
            )


def _share_rows(result: Any) -> list[dict[str, Any]]:
    """Each run of days with the same pathway shares, per scenario and place."""
    out: list[dict[str, Any]] = []
    current: dict[tuple[str, str], dict[str, Any]] = {}
    for row in result.rows:
        key = (row.scenario, row.place)
        shares = ", ".join(f"{p} {v:.0%}" for p, v in row.shares.items())
        entry = current.get(key)
        if entry is not None and entry["pathway_shares"] == shares:
            entry["to"] = row.day.isoformat()
            continue
        entry = {
            "scenario": row.scenario,
            "place": row.place,
            "from": row.day.isoformat(),
            "to": row.day.isoformat(),
            "pathway_shares": shares,
        }
        current[key] = entry
        out.append(entry)
    return out


@forecast_app.command("queue")
def queue_cmd(
    program: Annotated[
        str | None, typer.Option("--program", help="Program code (the database's queue).")
    ] = None,
    registrations_file: Annotated[
        Path | None,
        typer.Option("--registrations", help="Instead of --program: REGS.csv (schedule allocate)."),
    ] = None,
    capacity_file: Annotated[
        Path | None, typer.Option("--capacity", help="With --registrations: CAPACITY.csv.")
    ] = None,
    first_day: Annotated[
        dt.date | None,
        day_option("--from", "First appointment day (default: tomorrow).", label="from"),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="First lottery seed.")] = 1,
    runs: Annotated[int, typer.Option("--runs", help="Allocation runs (seeds).")] = 20,
    fmt: RowsFormat = OutputFormat.table,
) -> None:
    """Waiting times by tier and family size: the real allocation run once per seed."""
    from asilo.forecast import queue

    try:
        if (program is None) == (registrations_file is None):
            raise queue.QueueError("program", "give --program P, or --registrations and --capacity")
        if program is not None:
            families, capacity, method, first_day = _program_inputs(program, first_day)
        else:
            families, capacity, method = _file_inputs(registrations_file, capacity_file)
            first_day = first_day or min(c.date for c in capacity)
            capacity = [c for c in capacity if c.date >= first_day]
        result = queue.simulate(
            families,
            capacity,
            method=method,
            seed=seed,
            runs=runs,
            as_of=first_day - dt.timedelta(days=1),
        )
    except queue.QueueError as exc:
        fail(str(exc))
    title = (
        f"Days from {result.as_of} to an appointment, {runs} allocation runs "
        f"(seeds {result.seeds[0]}-{result.seeds[-1]}), {method.name}-{method.version}; "
        f"capacity to {result.last_capacity_day}"
    )
    print_rows(result.summary(), fmt, title)


def _program_inputs(program: str, first_day: Any) -> tuple[Any, Any, Any, Any]:
    from asilo.forecast.queue import QueueError

    setup_django()
    from django.utils import timezone

    from asilo.web.forecasts.queue_inputs import program_queue
    from asilo.web.people.errors import DomainError

    day = first_day or timezone.localdate() + dt.timedelta(days=1)
    try:
        families, capacity, method = program_queue(program, day)
    except DomainError as exc:
        raise QueueError(exc.field or "program", exc.message) from exc
    return families, capacity, method, day


def _file_inputs(registrations: Path | None, capacity_path: Path | None) -> tuple[Any, Any, Any]:
    from asilo.forecast.queue import QueueError
    from asilo.scheduling import (
        InputFileError,
        load_method,
        read_capacity_csv,
        read_registrations_csv,
    )

    if registrations is None or capacity_path is None:
        raise QueueError("capacity", "--registrations needs --capacity")
    text_files(("capacity", capacity_path), ("registrations", registrations))
    method = load_method(None)
    try:
        capacity = read_capacity_csv(capacity_path)
        families = read_registrations_csv(
            registrations,
            known_ports={c.port for c in capacity},
            known_tiers={t.tier for t in method.tiers},
        )
    except InputFileError as exc:
        raise QueueError("registrations", str(exc)) from exc
    return families, capacity, method
