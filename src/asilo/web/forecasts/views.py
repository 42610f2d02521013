"""The analyst's forecast pages: a fan chart of monthly encounters, and custody projections for a
what-if pair ("Title 42 ends on 2023-05-11" beside "Title 42 kept"). Each chart has its data
table and PNG, SVG and CSV downloads, as the statistics page. Aggregates only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from asilo.forecast import charts, custody, models, regimes, series
from asilo.policy import load_catalogue, load_scenario
from asilo.web.core.access import require
from asilo.web.core.charts import cached, inline_svg
from asilo.web.core.errors import Forbidden
from asilo.web.core.http import HtmxRequest
from asilo.web.core.layout import layout_template
from asilo.web.core.roles import Capability
from asilo.web.dashboards import statistics as st
from asilo.web.encounters.models import Pathway
from asilo.web.forecasts.forms import SERIES_CHOICES, CustodyForm, EncounterForecastForm

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "csv": "text/csv; charset=utf-8"}
HISTORY_MONTHS = 48
SCENARIO_FILES = ("title42-ends-2023-05-11.yaml", "title42-kept.yaml")


class Unavailable(Exception):
    """No statistics database, or no forecast can be made for the choices (``reason``)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _require(request: HttpRequest) -> None:
    """Analysts only; a refusal is audited (``asilo.web.core.access.require``)."""
    try:
        require(request.user, Capability.FORECAST_VIEW, object_type="forecasts.page")
    except Forbidden as exc:
        raise PermissionDenied from exc


def _db() -> Path:
    return Path(settings.ASILO_STATS_DB)


def _custody_svg(pair: CustodyPair, index: int) -> str:
    return inline_svg(pair.render(index, "svg"), f"custody-{index}-title")


def _cached(key: str, make: Callable[[], Any]) -> Any:
    return cached("asilo-forecast", key, make)


def pathway_label(pathway: str) -> str:
    """The pathway's words, the encounter pages' own (every pathway the engine gives)."""
    return str(dict(Pathway.choices).get(pathway, _("Other pathway")))


def _policy_label(name: str, kind: str) -> str:
    labels = {
        ("title42", "start"): _("Title 42 begins"),
        ("title42", "end"): _("Title 42 ends"),
        ("lawful_pathways_2023", "start"): _("2023 asylum rule begins"),
        ("lawful_pathways_2023", "end"): _("2023 asylum rule ends"),
        ("proclamation_10888", "start"): _("Proclamation 10888"),
        ("proclamation_10888", "end"): _("Proclamation 10888 ends"),
    }
    return labels.get((name, kind), _("Policy change"))


# --- the encounter forecast ----------------------------------------------------------------


@dataclass
class EncounterForecast:
    title: str
    history: series.Series
    forecast: models.ModelForecast
    marks: list[tuple[dt.date, str]]
    notes: list[str]

    def render(self, fmt: str) -> bytes:
        labels = {
            "observed": _("observed"),
            "forecast": _("forecast (mean)"),
            "80": _("80 percent interval"),
            "95": _("95 percent interval"),
        }
        return charts.fan_chart(self.history, self.forecast, self.title, fmt, self.marks, labels)

    def rows(self) -> list[dict[str, Any]]:
        return charts.fan_rows(self.history, self.forecast)


def _series_label(spec: str) -> str:
    return str(dict(SERIES_CHOICES).get(spec, spec))


def encounter_forecast(values: dict[str, Any]) -> EncounterForecast:
    path = _db()
    try:
        with st.open_source(path, st.SOURCE_CBP) as con:
            data = series.load_series(values["series"], con=con)
    except st.StatisticsUnavailable as exc:
        raise Unavailable(_("No statistics are available yet.")) from exc
    except series.SeriesError as exc:
        raise Unavailable(_("No encounters match this series.")) from exc
    origin: dt.date | None = values["start"]
    if origin is not None and not (
        data.months and data.months[0] < origin <= series.add_months(data.months[-1], 1)
    ):
        raise Unavailable(_("The first forecast month must fall within the data or just after."))
    catalogue = load_catalogue()
    horizon = int(values["horizon"])
    indicators = regimes.regime_indicators(catalogue, models.months_needed(data, horizon, origin))
    try:
        result = models.forecast_series(
            data, horizon, regimes=indicators, models=(values["model"],), origin=origin
        )
    except models.ForecastError as exc:
        raise Unavailable(
            _("Too little history before this month: the models need at least 26 months.")
        ) from exc
    first = series.add_months(result.origin, -HISTORY_MONTHS)
    history = data.between(first, series.add_months(result.origin, -1))
    last = result.by_model[values["model"]].months[-1]
    marks = [
        (day, _policy_label(name, kind))
        for day, name, kind in regimes.policy_dates(catalogue, first, last)
    ]
    model_name = values["model"] if values["model"] != models.ENSEMBLE else _("Ensemble")
    title = _("%(series)s: monthly encounters and the %(model)s forecast") % {
        "series": _series_label(values["series"]),
        "model": model_name,
    }
    return EncounterForecast(title, history, result.by_model[values["model"]], marks, [])


def _encounter_key(values: dict[str, Any]) -> str:
    start = values["start"].isoformat() if values["start"] else ""
    return (
        f"{st.database_version(_db())}:{get_language()}:{values['series']}:"
        f"{values['horizon']}:{values['model']}:{start}"
    )


def _fan_table(rows: list[dict[str, Any]]) -> dict[str, Any]:
    columns = [
        _("Month"),
        _("Observed"),
        _("Forecast (mean)"),
        _("80 percent, low"),
        _("80 percent, high"),
    ]
    columns += [_("95 percent, low"), _("95 percent, high")]
    keys = ("period", "observed", "mean", "lo80", "hi80", "lo95", "hi95")
    return {
        "columns": columns,
        "rows": [[_cell(r[k]) for k in keys] for r in rows],
    }


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.0f}"
    return str(value)


def _forecast_page(
    request: HtmxRequest,
    form: Any,
    fill: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    page: str,
    fragment: str,
    target: str,
    filters: tuple[str, str],
) -> HttpResponse:
    """A forecast page (``chart_page.html``): the form, its ``filters`` words (the form's name
    and its button), and what ``fill(values)`` draws from valid values (400 for a bad form,
    503 without a statistics database); htmx gets the ``fragment`` (id ``target``) alone."""
    _require(request)
    context: dict[str, Any] = {
        "layout": layout_template(),
        "form": form,
        "query": "",
        "fragment": fragment,
        "target": target,
        "filters_label": filters[0],
        "filters_button": filters[1],
    }
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        try:
            context.update(fill(form.values()))
            context["query"] = request.GET.urlencode()
        except Unavailable as exc:
            context["unavailable"] = exc.reason
            status = 503 if not _db().exists() else 400
    template = fragment if request.htmx else page
    return render(request, template, context, status=status)


def _encounter_context(values: dict[str, Any]) -> dict[str, Any]:
    made: EncounterForecast = _cached(
        "data:" + _encounter_key(values), lambda: encounter_forecast(values)
    )
    svg = _cached(
        "svg:" + _encounter_key(values),
        lambda: inline_svg(made.render("svg"), "fan-title"),
    )
    return {
        "chart_title": made.title,
        "svg": svg,
        "table": _fan_table(made.rows()),
        "marks": made.marks,
    }


@login_required
def encounters_page(request: HtmxRequest) -> HttpResponse:
    return _forecast_page(
        request,
        EncounterForecastForm(request.GET or None),
        _encounter_context,
        page="forecasts/encounters.html",
        fragment="forecasts/_fan.html",
        target="fan",
        filters=(_("Forecast choices"), _("Forecast")),
    )


# --- custody projections -------------------------------------------------------------------


@dataclass
class CustodyPair:
    place: str
    labels: tuple[str, str]
    days: list[dt.date]
    arrivals: list[float]
    held: tuple[list[float], list[float]]
    capacity: float | None
    shares: list[dict[str, Any]]
    exceeded: tuple[dt.date | None, dt.date | None]

    def render(self, index: int, fmt: str) -> bytes:
        top = max([*self.held[0], *self.held[1], self.capacity or 0]) * 1.1 or None
        title = _("%(place)s: %(scenario)s") % {"place": self.place, "scenario": self.labels[index]}
        labels = {"held": _("people in custody"), "capacity": _("capacity")}
        return charts.custody_chart(
            self.days, self.held[index], self.capacity, title, fmt, labels, top
        )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "date": d.isoformat(),
                "arrivals": round(a, 1),
                "held_title42_ends": round(x, 1),
                "held_title42_kept": round(y, 1),
                "difference": round(y - x, 1),
                "capacity": self.capacity,
            }
            for d, a, x, y in zip(self.days, self.arrivals, *self.held, strict=True)
        ]


def custody_pair(values: dict[str, Any]) -> CustodyPair:
    path = _db()
    place = custody.place_of(values["place"])
    parameters = custody.load_parameters()
    catalogue = load_catalogue()
    scenarios = [load_scenario(custody.SCENARIOS / name) for name in SCENARIO_FILES]
    engines = {s.name: custody.PathwayShares(catalogue, s) for s in scenarios}
    spec = f"state={place.state},scale={values['share']}"
    try:
        with st.open_source(path, st.SOURCE_CBP) as con:
            data = series.load_series(spec, con=con)
            days_in, _note = custody.arrivals_from_forecast(
                data,
                model=models.ENSEMBLE,
                first=values["first"],
                last=values["last"],
                parameters=parameters,
                catalogue=catalogue,
            )
            capacity = values["capacity"]
            result = custody.project(
                custody.Arrivals({place.name: days_in}),
                first=values["first"],
                last=values["last"],
                parameters=parameters,
                engines=engines,
                mix_for=custody.StoreMix(con, parameters.other_nationality),
                capacities=[custody.Capacity(place.name, float(capacity))]
                if capacity is not None
                else [],
            )
    except st.StatisticsUnavailable as exc:
        raise Unavailable(_("No statistics are available yet.")) from exc
    except (series.SeriesError, models.ForecastError, custody.CustodyError) as exc:
        raise Unavailable(_("No projection can be made for these choices.")) from exc
    names = [s.name for s in scenarios]
    by_scenario: dict[str, list[custody.DayRow]] = {n: [] for n in names}
    for row in result.rows:
        by_scenario[row.scenario].append(row)
    first_rows = by_scenario[names[0]]
    shares: list[dict[str, Any]] = []
    labels = (_("Title 42 ends on 2023-05-11"), _("Title 42 kept"))
    for index, name in enumerate(names):
        current: dict[str, Any] | None = None
        for row in by_scenario[name]:
            text = "; ".join(f"{pathway_label(p)} {v:.0%}" for p, v in row.shares.items())
            if current is not None and current["shares"] == text:
                current["to"] = row.day
                continue
            current = {"scenario": labels[index], "from": row.day, "to": row.day, "shares": text}
            shares.append(current)
    exceeded = result.first_exceeded()
    return CustodyPair(
        place=place.name,
        labels=labels,
        days=[r.day for r in first_rows],
        arrivals=[r.arrivals for r in first_rows],
        held=(
            [r.in_custody for r in by_scenario[names[0]]],
            [r.in_custody for r in by_scenario[names[1]]],
        ),
        capacity=None if values["capacity"] is None else float(values["capacity"]),
        shares=shares,
        exceeded=(exceeded.get((names[0], place.name)), exceeded.get((names[1], place.name))),
    )


def _custody_key(values: dict[str, Any]) -> str:
    return (
        f"{st.database_version(_db())}:{get_language()}:{values['place']}:{values['share']}:"
        f"{values['first']}:{values['last']}:{values['capacity']}"
    )


def _custody_context(values: dict[str, Any]) -> dict[str, Any]:
    pair: CustodyPair = _cached("custody:" + _custody_key(values), lambda: custody_pair(values))
    return {
        "pair": pair,
        "charts": [
            {
                "index": i,
                "name": f"custody-{i}",
                "title": pair.labels[i],
                "exceeded": pair.exceeded[i],
                "svg": _cached(
                    f"custody-svg:{i}:" + _custody_key(values), partial(_custody_svg, pair, i)
                ),
            }
            for i in (0, 1)
        ],
        "rows": pair.rows(),
    }


@login_required
def custody_page(request: HtmxRequest) -> HttpResponse:
    return _forecast_page(
        request,
        CustodyForm(request.GET or None),
        _custody_context,
        page="forecasts/custody.html",
        fragment="forecasts/_custody.html",
        target="custody",
        filters=(_("Projection choices"), _("Project")),
    )


# --- downloads -----------------------------------------------------------------------------

CHART_NAMES = ("encounters", "custody-0", "custody-1", "custody")


@login_required
def chart_download(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """A chart as PNG or SVG, or its data as CSV, for the page's choices."""
    _require(request)
    if name not in CHART_NAMES or fmt not in FORMATS or (name == "custody" and fmt != "csv"):
        raise Http404
    try:
        if name == "encounters":
            form: Any = EncounterForecastForm(request.GET or None)
            if form.is_bound and not form.is_valid():
                return HttpResponse(
                    _("The choices are not valid."), status=400, content_type="text/plain"
                )
            values = form.values()
            made = _cached("data:" + _encounter_key(values), lambda: encounter_forecast(values))
            body = (
                charts.rows_csv(made.rows()).encode("utf-8") if fmt == "csv" else made.render(fmt)
            )
        else:
            form = CustodyForm(request.GET or None)
            if form.is_bound and not form.is_valid():
                return HttpResponse(
                    _("The choices are not valid."), status=400, content_type="text/plain"
                )
            values = form.values()
            pair = _cached("custody:" + _custody_key(values), lambda: custody_pair(values))
            if fmt == "csv":
                if name == "custody":
                    body = charts.rows_csv(pair.rows()).encode("utf-8")
                else:
                    index = int(name[-1])
                    rows = charts.custody_rows(pair.days, pair.held[index], pair.capacity)
                    body = charts.rows_csv(rows).encode("utf-8")
            else:
                body = pair.render(int(name[-1]), fmt)
    except Unavailable as exc:
        return HttpResponse(exc.reason, status=503, content_type="text/plain")
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
