"""The stock-and-flow custody model: how many people are in CBP custody per place and day.

    daily arrivals (a monthly forecast spread over days by a weekday profile, or an arrivals file)
  × the policy engine's pathway shares for that day's mix of people (``asilo.policy.decide`` on
    a representative encounter per demographic and nationality; cached per regime)
  × hours in custody by pathway (``custody_parameters.yaml``: cited standards or assumptions)
  → people in custody per place per day, and the first day a capacity is exceeded.

A person arrives at a uniformly random time of their arrival day and stays the pathway's hours;
the figure for a day is the average number held over that day (so constant arrivals ``a`` a
day held ``h`` hours give ``a * h / 24``, Little's law).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

from asilo.forecast.errors import FieldError
from asilo.forecast.models import ALL_MODELS, forecast_series, months_needed
from asilo.forecast.regimes import regime_indicators
from asilo.forecast.series import Series, add_months
from asilo.policy import Catalogue, Scenario, decide, parse_encounter
from asilo.policy.places import Place, find_place
from asilo.stats import reports

FloatArray = npt.NDArray[np.float64]

PARAMETERS = Path(__file__).with_name("custody_parameters.yaml")
SCENARIOS = Path(__file__).with_name("scenarios")
EXAMPLES = Path(__file__).with_name("examples")

#: The demographics the model decides, and the representative group of each (ages assumed).
DEMOGRAPHICS = ("single_adult", "family_unit", "unaccompanied_child")
REPRESENTATIVE: dict[str, list[dict[str, Any]]] = {
    "single_adult": [{"age": 30, "role": "adult"}],
    "family_unit": [
        {"age": 30, "role": "adult", "relationship": "parent"},
        {"age": 8, "role": "child"},
    ],
    "unaccompanied_child": [{"age": 15, "role": "child"}],
}
#: CBP's demographics → the model's (accompanied minors are counted at ports, with families).
CBP_DEMOGRAPHICS = {
    "Single Adults": "single_adult",
    "FMUA": "family_unit",
    "UC / Single Minors": "unaccompanied_child",
    "Accompanied Minors": "family_unit",
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class CustodyError(FieldError):
    """Bad custody input; ``field`` names the option, file or column at fault."""


# --- parameters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Hours:
    hours: float
    kind: str
    source: str


@dataclass(frozen=True)
class CustodyParameters:
    version: str
    pathways: dict[str, Hours]
    default: Hours
    weekday_weights: tuple[float, ...]
    weekday_source: str
    other_nationality: str

    def hours(self, pathway: str) -> Hours:
        return self.pathways.get(pathway, self.default)


def _hours(where: str, raw: Any) -> Hours:
    if not isinstance(raw, dict):
        raise CustodyError(where, "must be a mapping with hours, kind and source")
    hours = raw.get("hours")
    if not isinstance(hours, int | float) or isinstance(hours, bool) or not 0 < hours <= 24 * 60:
        raise CustodyError(f"{where}.hours", f"{hours!r} must be a number of hours above 0")
    kind = raw.get("kind")
    if kind not in ("documented", "assumption"):
        raise CustodyError(f"{where}.kind", f"{kind!r} must be documented or assumption")
    source = raw.get("source")
    if not isinstance(source, str) or len(source.strip()) < 3:
        raise CustodyError(f"{where}.source", "every figure needs its source or reason")
    return Hours(float(hours), kind, " ".join(source.split()))


def load_parameters(path: Path = PARAMETERS) -> CustodyParameters:
    """Read and check a parameter file; errors name the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CustodyError("parameters", f"{path}: no such file") from exc
    except yaml.YAMLError as exc:
        raise CustodyError("parameters", f"{path}: not YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise CustodyError("parameters", f"{path}: not a mapping")
    try:
        pathways = raw.get("pathways")
        if not isinstance(pathways, dict) or not pathways:
            raise CustodyError("pathways", "must map pathways to their hours")
        parsed = {str(k): _hours(f"pathways.{k}", v) for k, v in pathways.items()}
        default = _hours("default", raw.get("default"))
        profile = raw.get("weekday_profile") or {}
        weights = profile.get("weights")
        if (
            not isinstance(weights, list)
            or len(weights) != 7
            or not all(isinstance(w, int | float) and w >= 0 for w in weights)
            or sum(weights) <= 0
        ):
            raise CustodyError("weekday_profile.weights", "must be 7 weights, Monday first")
        other = (raw.get("other_nationality") or {}).get("iso3")
        if not isinstance(other, str) or len(other) != 3:
            raise CustodyError("other_nationality.iso3", "must be an ISO alpha-3 code")
    except CustodyError as exc:
        raise CustodyError("parameters", f"{path}: {exc}") from exc
    return CustodyParameters(
        version=str(raw.get("version", "")),
        pathways=parsed,
        default=default,
        weekday_weights=tuple(float(w) for w in weights),
        weekday_source=str(profile.get("source", "")),
        other_nationality=other,
    )


# --- the mix of people and the engine's pathway shares ------------------------------------


@dataclass(frozen=True)
class Mix:
    """Persons by (demographic, ISO nationality), as weights (any scale)."""

    cells: tuple[tuple[str, str, float], ...]

    @property
    def key(self) -> tuple[tuple[str, str, float], ...]:
        return self.cells

    def normalised(self) -> Mix:
        total = sum(w for _, _, w in self.cells)
        if total <= 0:
            raise CustodyError("mix", "has no people")
        return Mix(tuple(sorted((d, n, round(w / total, 6)) for d, n, w in self.cells if w > 0)))


def _citizenship_codes() -> dict[str, str]:
    path = Path(reports.__file__).with_name("cbp_citizenships.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["cbp_citizenship"]: row["iso3"] for row in csv.DictReader(handle)}


def mixes_from_store(con: Any, state: str, other_nationality: str) -> dict[dt.date, Mix]:
    """Every month's persons by demographic and citizenship in a state (by-state files)."""
    codes = _citizenship_codes()
    query = reports.Query(
        by=("month", "demographic", "citizenship"),
        region="southwest",
        filters=(("state", state),),
        product="nationwide_state",
    )
    cells: dict[dt.date, dict[tuple[str, str], float]] = {}
    for row in reports.totals(con, query):
        demographic = CBP_DEMOGRAPHICS.get(str(row["demographic"]))
        if demographic is None or not row["encounters"]:
            continue
        year, month_number = str(row["month"]).split("-")
        month = dt.date(int(year), int(month_number), 1)
        nationality = codes.get(str(row["citizenship"]).upper(), other_nationality)
        bucket = cells.setdefault(month, {})
        key = (demographic, nationality)
        bucket[key] = bucket.get(key, 0.0) + float(row["encounters"])
    return {
        month: Mix(tuple((d, n, w) for (d, n), w in bucket.items())).normalised()
        for month, bucket in cells.items()
    }


def mix_from_store(con: Any, state: str, month: dt.date, other_nationality: str) -> Mix | None:
    """One month's mix in a state (see :func:`mixes_from_store`)."""
    return mixes_from_store(con, state, other_nationality).get(month)


@dataclass
class PathwayShares:
    """The engine's pathway shares for a mix at a place on a day, cached per regime."""

    catalogue: Catalogue
    scenario: Scenario | None = None
    _effective: Catalogue | None = None
    _cache: dict[tuple[Any, ...], dict[str, float]] = field(default_factory=dict)
    _cells: dict[tuple[Any, ...], dict[str, float]] = field(default_factory=dict)
    decisions: int = 0

    @property
    def effective(self) -> Catalogue:
        if self._effective is None:
            self._effective = (
                self.catalogue if self.scenario is None else self.scenario.apply(self.catalogue)
            )
        return self._effective

    def shares(self, day: dt.date, place: Place, mix: Mix) -> dict[str, float]:
        state = self.effective.state_at(day)
        key = (state.key, place.name, mix.key)
        if key not in self._cache:
            self._cache[key] = self._decide(day, place, mix)
        return self._cache[key]

    def _decide(self, day: dt.date, place: Place, mix: Mix) -> dict[str, float]:
        state_key = self.effective.state_at(day).key
        shares: dict[str, float] = {}
        for demographic, nationality, weight in mix.cells:
            key = (state_key, place.name, demographic, nationality)
            if key not in self._cells:
                self._cells[key] = self._decide_cell(day, place, demographic, nationality)
            for pathway, part in self._cells[key].items():
                shares[pathway] = shares.get(pathway, 0.0) + weight * part
        total = sum(shares.values())
        return {p: s / total for p, s in sorted(shares.items())}

    def _decide_cell(
        self, day: dt.date, place: Place, demographic: str, nationality: str
    ) -> dict[str, float]:
        """The pathways of one representative group, as shares of its people."""
        people = [{**p, "nationality": nationality} for p in REPRESENTATIVE[demographic]]
        document: dict[str, Any] = {
            "date": day.isoformat(),
            "place": {"kind": place.kind, "name": place.name},
            "people": people,
        }
        if demographic == "unaccompanied_child":
            document["unaccompanied"] = True
        encounter = parse_encounter(document, catalogue=self.catalogue)
        decision = decide(encounter, catalogue=self.catalogue, scenario=self.scenario)
        self.decisions += 1
        if not decision.members:
            return {decision.pathway: 1.0}
        out: dict[str, float] = {}
        for member in decision.members:
            out[member.pathway] = out.get(member.pathway, 0.0) + 1 / len(decision.members)
        return out


# --- arrivals -----------------------------------------------------------------------------


def days_of(month: dt.date) -> list[dt.date]:
    nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return [month + dt.timedelta(days=i) for i in range((nxt - month).days)]


def spread_month(month: dt.date, total: float, weights: Sequence[float]) -> dict[dt.date, float]:
    """A month's total over its days in proportion to the weekday weights (sums to total)."""
    days = days_of(month)
    w = [weights[d.weekday()] for d in days]
    scale = total / sum(w)
    return {d: wi * scale for d, wi in zip(days, w, strict=True)}


@dataclass
class Arrivals:
    """Arrivals per place and day, with the mix of people where the source gives one."""

    by_place: dict[str, dict[dt.date, float]]
    mixes: dict[tuple[str, dt.date], Mix] = field(default_factory=dict)
    weekday_weights: tuple[float, ...] | None = None
    source: str = ""


def _parse_day_or_month(text: str, where: str) -> tuple[dt.date, bool]:
    value = text.strip()
    try:
        if len(value) == 7:
            year, month = value.split("-")
            return dt.date(int(year), int(month), 1), True
        return dt.date.fromisoformat(value), False
    except ValueError as exc:
        raise CustodyError(where, f"{text!r} is not a date YYYY-MM-DD or month YYYY-MM") from exc


def read_arrivals(path: Path, weekday_weights: Sequence[float]) -> Arrivals:
    """An arrivals CSV: ``date,place,count`` and optionally ``demographic,nationality``.

    ``date`` is a day (YYYY-MM-DD) or a month (YYYY-MM, spread over its days by the weekday
    profile). With ``demographic`` and ``nationality`` each row also gives the mix of people.
    When the file has daily rows, the weekday profile is measured from them.
    """
    try:
        handle = path.open(newline="", encoding="utf-8")
    except FileNotFoundError as exc:
        raise CustodyError("arrivals", f"{path}: no such file") from exc
    with handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or ())
        missing = {"date", "place", "count"} - columns
        if missing:
            raise CustodyError(
                "arrivals", f"{path}:1: missing column(s) {', '.join(sorted(missing))}"
            )
        with_mix = {"demographic", "nationality"} <= columns
        raw: list[tuple[str, dt.date, bool, float, str | None, str | None]] = []
        for line, row in enumerate(_csv_rows(reader, path, "arrivals"), start=2):
            where = f"{path}:{line}"
            day, monthly = _parse_day_or_month(row["date"] or "", f"{where}: date")
            place = place_of(row["place"] or "", f"{where}: place").name
            try:
                count = float(row["count"] or "")
            except ValueError as exc:
                raise CustodyError(f"{where}: count", f"{row['count']!r} is not a number") from exc
            if count < 0 or math.isnan(count) or math.isinf(count):
                raise CustodyError(f"{where}: count", f"{count} must be 0 or more")
            demographic = nationality = None
            if with_mix:
                demographic = (row["demographic"] or "").strip()
                if demographic not in DEMOGRAPHICS:
                    raise CustodyError(
                        f"{where}: demographic",
                        f"{demographic!r}; use one of: {', '.join(DEMOGRAPHICS)}",
                    )
                nationality = (row["nationality"] or "").strip().upper()
                if len(nationality) != 3 or not nationality.isalpha():
                    raise CustodyError(
                        f"{where}: nationality", f"{nationality!r} is not an ISO alpha-3 code"
                    )
            raw.append((place, day, monthly, count, demographic, nationality))
    if not raw:
        raise CustodyError("arrivals", f"{path}: no rows")
    daily_rows = [(d, c) for _, d, monthly, c, _, _ in raw if not monthly]
    weights = tuple(weekday_weights)
    measured = False
    if daily_rows:
        by_weekday = [0.0] * 7
        seen = [set[dt.date]() for _ in range(7)]
        for d, c in daily_rows:
            by_weekday[d.weekday()] += c
            seen[d.weekday()].add(d)
        if all(seen) and sum(by_weekday) > 0:
            weights = tuple(by_weekday[i] / len(seen[i]) for i in range(7))
            measured = True
    by_place: dict[str, dict[dt.date, float]] = {}
    cell_counts: dict[tuple[str, dt.date], dict[tuple[str, str], float]] = {}
    for place, day, monthly, count, demographic, nationality in raw:
        spread = spread_month(day, count, weights) if monthly else {day: count}
        target = by_place.setdefault(place, {})
        for d, c in spread.items():
            target[d] = target.get(d, 0.0) + c
            if demographic is not None and nationality is not None:
                cells = cell_counts.setdefault((place, d), {})
                cells[(demographic, nationality)] = cells.get((demographic, nationality), 0.0) + c
    mixes = {
        key: Mix(tuple((d, n, w) for (d, n), w in cells.items())).normalised()
        for key, cells in cell_counts.items()
        if sum(cells.values()) > 0
    }
    return Arrivals(by_place, mixes, weights if measured else None, str(path))


def place_of(name: str, where: str = "place") -> Place:
    place = find_place("between_ports", name.strip()) or find_place("port_of_entry", name.strip())
    if place is None:
        raise CustodyError(where, f"{name!r} is not a southwest-border sector or port")
    return place


# --- capacity -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Capacity:
    place: str
    capacity: float
    first: dt.date | None = None
    last: dt.date | None = None


def _csv_rows(reader: csv.DictReader[str], path: Path, name: str) -> Iterator[dict[str, str]]:
    """The rows of ``reader``; a line the CSV reader refuses (a NUL byte, a field over its
    size limit) is a :class:`CustodyError` naming the file and the line."""
    try:
        yield from reader
    except csv.Error as exc:
        raise CustodyError(name, f"{path}:{reader.line_num}: not valid CSV ({exc})") from exc


def read_capacity(path: Path) -> list[Capacity]:
    """A capacity CSV: ``place,capacity`` and optionally ``from,to`` (dates, inclusive)."""
    try:
        handle = path.open(newline="", encoding="utf-8")
    except FileNotFoundError as exc:
        raise CustodyError("capacity", f"{path}: no such file") from exc
    out: list[Capacity] = []
    with handle:
        reader = csv.DictReader(handle)
        missing = {"place", "capacity"} - set(reader.fieldnames or ())
        if missing:
            raise CustodyError(
                "capacity", f"{path}:1: missing column(s) {', '.join(sorted(missing))}"
            )
        for line, row in enumerate(_csv_rows(reader, path, "capacity"), start=2):
            where = f"{path}:{line}"
            place = place_of(row["place"] or "", f"{where}: place").name
            try:
                value = float(row["capacity"] or "")
            except ValueError as exc:
                raise CustodyError(
                    f"{where}: capacity", f"{row['capacity']!r} is not a number"
                ) from exc
            if value < 0:
                raise CustodyError(f"{where}: capacity", f"{value} must be 0 or more")
            bounds = []
            for column in ("from", "to"):
                text = (row.get(column) or "").strip()
                try:
                    bounds.append(dt.date.fromisoformat(text) if text else None)
                except ValueError as exc:
                    raise CustodyError(f"{where}: {column}", f"{text!r} is not a date") from exc
            out.append(Capacity(place, value, bounds[0], bounds[1]))
    return out


def capacity_on(capacities: Iterable[Capacity], place: str, day: dt.date) -> float | None:
    for c in capacities:
        if (
            c.place == place
            and (c.first is None or c.first <= day)
            and (c.last is None or day <= c.last)
        ):
            return c.capacity
    return None


# --- the stock ----------------------------------------------------------------------------


def occupancy_kernel(hours: float, points: int = 96) -> FloatArray:
    """``k[j]``: the average share of day ``d + j`` that someone arriving on day ``d`` is held.

    Arrival time uniform over day ``d`` (midpoint rule, ``points`` instants); stay ``hours``.
    ``k.sum() * 24 == hours`` (up to the rule's precision).
    """
    stay = hours / 24.0
    span = math.ceil(stay) + 1
    kernel = np.zeros(span + 1)
    for i in range(points):
        start = (i + 0.5) / points
        end = start + stay
        for j in range(span + 1):
            overlap = min(end, j + 1) - max(start, j)
            if overlap > 0:
                kernel[j] += overlap / points
    return kernel


@dataclass
class DayRow:
    day: dt.date
    place: str
    scenario: str
    arrivals: float
    in_custody: float
    by_pathway: dict[str, float]
    shares: dict[str, float]
    capacity: float | None


@dataclass
class Projection:
    rows: list[DayRow]
    warm_up_days: int
    notes: list[str] = field(default_factory=list)

    def first_exceeded(self) -> dict[tuple[str, str], dt.date | None]:
        out: dict[tuple[str, str], dt.date | None] = {}
        for row in self.rows:
            key = (row.scenario, row.place)
            out.setdefault(key, None)
            if out[key] is None and row.capacity is not None and row.in_custody > row.capacity:
                out[key] = row.day
        return out


def warm_up(parameters: CustodyParameters) -> int:
    """Days before the first projected day whose arrivals can still be held on it."""
    longest = max([h.hours for h in parameters.pathways.values()] + [parameters.default.hours])
    return math.ceil(longest / 24.0) + 1


def project(
    arrivals: Arrivals,
    *,
    first: dt.date,
    last: dt.date,
    parameters: CustodyParameters,
    engines: Mapping[str, PathwayShares],
    mix_for: Callable[[str, dt.date], Mix],
    capacities: Sequence[Capacity] = (),
) -> Projection:
    """People in custody per place, day and scenario (``engines``: label → pathway shares)."""
    if last < first:
        raise CustodyError("to", f"{last} is before --from {first}")
    if (last - first).days > 3 * 366:
        raise CustodyError("to", "a projection covers at most three years")
    lead = warm_up(parameters)
    start = first - dt.timedelta(days=lead)
    span = (last - start).days + 1
    days = [start + dt.timedelta(days=i) for i in range(span)]
    kernels: dict[str, FloatArray] = {}
    rows: list[DayRow] = []
    notes: list[str] = []
    for place_name in sorted(arrivals.by_place):
        place = place_of(place_name)
        series = arrivals.by_place[place_name]
        if min(series) > start:
            notes.append(
                f"{place_name}: no arrivals before {min(series)}; custody starts empty then"
            )
        counts = np.array([series.get(d, 0.0) for d in days])
        for label, engine in engines.items():
            stocks: dict[str, FloatArray] = {}
            shares_by_day: list[dict[str, float]] = []
            for i, day in enumerate(days):
                mix = arrivals.mixes.get((place_name, day)) or mix_for(place_name, day)
                shares = engine.shares(day, place, mix)
                shares_by_day.append(shares)
                if counts[i] == 0:
                    continue
                for pathway, share in shares.items():
                    if pathway not in kernels:
                        kernels[pathway] = occupancy_kernel(parameters.hours(pathway).hours)
                    kernel = kernels[pathway]
                    stock = stocks.setdefault(pathway, np.zeros(span))
                    end = min(span, i + len(kernel))
                    stock[i:end] += counts[i] * share * kernel[: end - i]
            for i in range(lead, span):
                by_pathway = {p: float(s[i]) for p, s in sorted(stocks.items())}
                rows.append(
                    DayRow(
                        day=days[i],
                        place=place_name,
                        scenario=label,
                        arrivals=float(counts[i]),
                        in_custody=sum(by_pathway.values()),
                        by_pathway=by_pathway,
                        shares=shares_by_day[i],
                        capacity=capacity_on(capacities, place_name, days[i]),
                    )
                )
    return Projection(rows, lead, notes)


# --- arrivals from a forecast, and the mix of people from the statistics store -------------


def arrivals_from_forecast(
    data: Series,
    *,
    model: str,
    first: dt.date,
    last: dt.date,
    parameters: CustodyParameters,
    catalogue: Catalogue,
) -> tuple[dict[dt.date, float], str]:
    """Daily arrivals from a monthly forecast of ``data`` and a note saying where they come from.

    The forecast starts at the first month the projection needs (its warm-up included), or at
    the month after the data if that is earlier, and uses only the history before it.
    """
    if model not in ALL_MODELS:
        raise CustodyError("model", f"unknown model {model!r}; use one of: {', '.join(ALL_MODELS)}")
    if not data.months:
        raise CustodyError("series", "is empty")
    first_month = (first - dt.timedelta(days=warm_up(parameters))).replace(day=1)
    origin = min(first_month, add_months(data.months[-1], 1))
    horizon = 0
    month = origin
    while month <= last.replace(day=1):
        horizon += 1
        month = add_months(month, 1)
    indicators = regime_indicators(catalogue, months_needed(data, horizon, origin))
    result = forecast_series(data, horizon, regimes=indicators, models=(model,), origin=origin)
    forecast = result.by_model[model]
    days: dict[dt.date, float] = {}
    for month, mean in zip(forecast.months, forecast.mean, strict=True):
        days.update(spread_month(month, float(mean), parameters.weekday_weights))
    note = (
        f"arrivals from the {model} forecast of {data.label} from {origin:%Y-%m} "
        "(history before it only)"
    )
    return days, note


@dataclass
class StoreMix:
    """``mix_for(place, day)`` from the by-state files: the place's state, that month (or the
    nearest earlier month the store has, with a note)."""

    con: Any
    other_nationality: str
    notes: list[str] = field(default_factory=list)
    _by_state: dict[str, dict[dt.date, Mix]] = field(default_factory=dict)

    def __call__(self, place_name: str, day: dt.date) -> Mix:
        place = place_of(place_name)
        month = day.replace(day=1)
        if place.state not in self._by_state:
            self._by_state[place.state] = mixes_from_store(
                self.con, place.state, self.other_nationality
            )
        known = self._by_state[place.state]
        if not known:
            raise CustodyError(
                "db", f"no encounters in {place.state} in the store for the mix of people"
            )
        if month in known:
            return known[month]
        earlier = [m for m in known if m <= month]
        probe = max(earlier) if earlier else min(known)
        note = f"{place.state} {month:%Y-%m}: mix of people taken from {probe:%Y-%m}"
        if note not in self.notes:
            self.notes.append(note)
        return known[probe]
