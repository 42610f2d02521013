"""The statistics page (analysts; aggregates only) and its downloads (CSV and PNG per chart)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
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

from asilo.stats import disclosure
from asilo.web.core.access import require
from asilo.web.core.charts import cached, inline_svg
from asilo.web.core.disclosure import aggregates_only
from asilo.web.core.errors import Forbidden
from asilo.web.core.http import HtmxRequest
from asilo.web.core.layout import layout_template
from asilo.web.core.roles import Capability
from asilo.web.dashboards import statistics as st
from asilo.web.dashboards.forms import StatsFilterForm

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "csv": "text/csv; charset=utf-8"}


def _db() -> Path:
    return Path(settings.ASILO_STATS_DB)


def _require_stats(request: HttpRequest) -> None:
    """Roles that read statistics; a refusal is audited (``asilo.web.core.access.require``)."""
    try:
        require(request.user, Capability.STATS_VIEW, object_type="dashboards.page")
    except Forbidden as exc:
        raise PermissionDenied from exc


def _form(request: HttpRequest, con: Any) -> StatsFilterForm:
    return StatsFilterForm(request.GET or None, years=st.fiscal_years(con))


def _source(request: HttpRequest) -> str:
    source = request.GET.get("source", st.SOURCE_CBP)
    return source if source in st.SOURCES else st.SOURCE_CBP


@dataclass(frozen=True)
class Asked:
    """What the page's filters ask: the valid filter (None: the form has errors) and whether
    small counts are withheld (asilo's own records, read by a role that sees only aggregates;
    CBP's public data never)."""

    form: StatsFilterForm
    filter: st.StatsFilter | None
    withhold: bool

    def key(self, path: Path, name: str, fmt: str) -> str:
        """The cache key of one rendered chart."""
        assert self.filter is not None
        shown = "withheld" if self.withhold else "exact"
        return (
            f"asilo-stats:{st.database_version(path)}:{get_language()}:"
            f"{self.filter.cache_key()}:{shown}:{name}:{fmt}"
        )


def _asked(request: HttpRequest, con: Any) -> Asked:
    form = _form(request, con)
    if form.is_bound and not form.is_valid():
        return Asked(form, None, False)
    flt = form.to_filter() if form.is_bound else st.StatsFilter()
    return Asked(form, flt, flt.source == st.SOURCE_ASILO and aggregates_only(request.user))


def _inline_svg(chart: st.ChartData, index: int) -> str:
    """The chart as inline SVG, named for assistive technology by its caption."""
    return inline_svg(chart.render("svg"), f"chart-{index}-title")


def _cached(key: str, make: Callable[[], Any]) -> Any:
    return cached("asilo-stats", key, make)


MIN_CELL = disclosure.MIN_COUNT


def _identity_figures(request: HttpRequest) -> dict[str, Any]:
    """Unique individuals and re-encounters by month, for asilo's own records (identity
    resolution); small counts suppressed for a role that may not see people."""
    from asilo.web.identity import selectors as identity

    figures = identity.identity_statistics()
    suppress = aggregates_only(request.user)
    months = identity.shown_statistics(figures, suppress=suppress, min_cell=MIN_CELL)
    # The totals, shown as one more row of the months' table.
    all_months = identity.MonthFigures(
        "all", figures.encounters, figures.unique_individuals, figures.re_encounters
    )
    return {
        "months": _complemented(figures, months) if suppress else months,
        "totals": identity.shown_statistics(
            replace(figures, months=[all_months]),
            suppress=suppress,
            min_cell=MIN_CELL,
        )[0],
        "linked": figures.linked,
        "suppressed": suppress,
        "min_cell": MIN_CELL,
        "max_small": MIN_CELL - 1,
    }


def _complemented(figures: Any, months: list[Any]) -> list[Any]:
    """The months add up to the totals row (encounters and re-encounters; unique individuals
    do not add up): a month withheld alone in a column would be the total less the others,
    so another month is withheld with it (:mod:`asilo.stats.disclosure`)."""
    from asilo.web.identity.selectors import Cell

    line = [list(range(len(months)))]
    shown = list(months)
    for measure in ("encounters", "re_encounters"):
        counts = [getattr(m, measure) for m in figures.months]
        for i in disclosure.withheld_cells(counts, line, min_count=MIN_CELL):
            shown[i] = replace(shown[i], **{measure: Cell(None, True)})
    return [
        replace(m, rate=None) if m.encounters.suppressed or m.re_encounters.suppressed else m
        for m in shown
    ]


@login_required
def statistics_page(request: HtmxRequest) -> HttpResponse:
    _require_stats(request)
    path = _db()
    context: dict[str, Any] = {
        "layout": layout_template(),
        "charts": [],
        "summary": [],
        "fragment": "dashboards/_charts.html",
        "target": "charts",
        "filters_label": _("Filters"),
        "filters_button": _("Show"),
    }
    status = 200
    try:
        with st.open_source(path, _source(request)) as con:
            asked = _asked(request, con)
            context["form"] = asked.form
            if asked.filter is None:
                status = 400
            else:
                flt = asked.filter
                context["filter"] = flt
                context["withheld"] = asked.withhold
                made = st.build_charts(con, flt, withhold=asked.withhold)
                context["summary"] = st.summary(con, flt, withhold=asked.withhold)
                query = request.GET.urlencode()
                for i, chart in enumerate(made):
                    context["charts"].append(
                        {
                            "name": chart.name,
                            "title": chart.title,
                            "svg": _cached(
                                asked.key(path, chart.name, "svg"), partial(_inline_svg, chart, i)
                            ),
                            "table": chart.table(),
                            "note": chart.note,
                            "query": query,
                        }
                    )
    except st.StatisticsUnavailable:
        context["unavailable"] = True
        context["form"] = StatsFilterForm(request.GET or None)
        status = 503
    if not request.htmx:
        context["identity"] = _identity_figures(request)
    template = context["fragment"] if request.htmx else "dashboards/statistics.html"
    return render(request, template, context, status=status)


@login_required
def chart_download(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """One chart as PNG or SVG, or its data as CSV, for the page's filters."""
    _require_stats(request)
    if name not in st.CHART_NAMES or fmt not in FORMATS:
        raise Http404
    path = _db()
    try:
        with st.open_source(path, _source(request)) as con:
            asked = _asked(request, con)
            if asked.filter is None:
                return HttpResponse(
                    _("The filters are not valid."), status=400, content_type="text/plain"
                )
            made = st.build_charts(con, asked.filter, withhold=asked.withhold)
            chart = next((c for c in made if c.name == name), None)
            if chart is None:
                raise Http404
            if fmt == "csv":
                body: bytes = chart.csv().encode("utf-8")
            else:
                body = _cached(asked.key(path, name, f"{fmt}-file"), lambda: chart.render(fmt))
    except st.StatisticsUnavailable:
        return HttpResponse(
            _("No statistics are available yet."), status=503, content_type="text/plain"
        )
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
