"""The analyst's forecast pages: fan chart with its table, the custody what-if pair, downloads
as PNG, SVG and CSV, the analyst role only, Spanish, and errors on the field."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from asilo.web.core.roles import ROLE_CAPABILITIES, Capability

pytestmark = pytest.mark.django_db

FAN = "/forecasts/?series=state%3DNM&horizon=3&model=AutoTheta&start=2023-01"
CUSTODY = (
    "/forecasts/custody/?place=Rio+Grande+Valley&share=0.4&first=2023-05-08&last=2023-05-16"
    "&capacity=3000"
)
FAN_QUERY = "?" + FAN.split("?")[1]
CUSTODY_QUERY = "?" + CUSTODY.split("?")[1]


@pytest.fixture
def analyst(make_user: Callable[..., Any], client_as: Callable[..., Client]) -> Client:
    return client_as(make_user("analyst", "analyst-forecast"))


@pytest.mark.parametrize("role", list(ROLE_CAPABILITIES))
def test_only_the_analyst_role_sees_forecasts(
    stats_db: Path, make_user: Callable[..., Any], client_as: Callable[..., Client], role: str
) -> None:
    client = client_as(make_user(role))
    allowed = Capability.FORECAST_VIEW in ROLE_CAPABILITIES[role]
    assert allowed == (role == "analyst")
    download = reverse("forecasts:chart", args=["encounters", "csv"])
    assert client.get(download + FAN_QUERY).status_code == (200 if allowed else 403)


def test_anonymous_is_sent_to_sign_in(client_as: Callable[..., Client]) -> None:
    response = client_as(None).get("/forecasts/")
    assert response.status_code == 302


def test_fan_chart_with_its_table_and_downloads(stats_db: Path, analyst: Client) -> None:
    page = analyst.get(FAN).content.decode()
    assert page.count('role="img" aria-labelledby="fan-title"') == 1
    assert 'data-chart="encounters"' in page
    assert '<th scope="row">2023-03</th>' in page  # the last forecast month
    assert "New Mexico: monthly encounters and the AutoTheta forecast" in page
    body = analyst.get(reverse("forecasts:chart", args=["encounters", "csv"]) + FAN_QUERY)
    rows = list(csv.DictReader(io.StringIO(body.content.decode())))
    assert list(rows[0]) == ["period", "observed", "mean", "lo80", "hi80", "lo95", "hi95"]
    forecast = [r for r in rows if r["mean"]]
    assert [r["period"] for r in forecast] == ["2023-01", "2023-02", "2023-03"]
    assert all(float(r["lo95"]) <= float(r["mean"]) <= float(r["hi95"]) for r in forecast)
    png = analyst.get(reverse("forecasts:chart", args=["encounters", "png"]) + FAN_QUERY)
    assert png.content[:4] == b"\x89PNG"
    svg = analyst.get(reverse("forecasts:chart", args=["encounters", "svg"]) + FAN_QUERY)
    assert b"<svg" in svg.content


def test_policy_dates_are_annotated(stats_db: Path, analyst: Client) -> None:
    page = analyst.get(
        "/forecasts/?series=region%3Dsouthwest&horizon=2&model=SeasonalNaive&start=2023-09"
    ).content.decode()
    assert "2023-05-11: Title 42 ends" in page


def test_bad_choices_name_the_field(stats_db: Path, analyst: Client) -> None:
    response = analyst.get("/forecasts/?series=region%3Dsouthwest&horizon=99&model=Prophet")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"horizon", "model"}
    response = analyst.get("/forecasts/?series=state%3DTX&horizon=2&model=Ensemble&start=2020-01")
    assert response.status_code == 400
    assert "at least 26 months" in response.content.decode()


def test_custody_pair_side_by_side_with_engine_shares(stats_db: Path, analyst: Client) -> None:
    response = analyst.get(CUSTODY)
    assert response.status_code == 200, response.content[:500]
    page = response.content.decode()
    assert page.count('role="img" aria-labelledby="custody-') == 2
    assert "Title 42 ends on 2023-05-11" in page and "Title 42 kept" in page
    assert re.search(r"Title 8 processing \d+%", page) and re.search(r"Expulsion \d+%", page)
    pair = response.context["pair"]
    rows = {r["date"]: r for r in pair.rows()}
    assert rows["2023-05-10"]["difference"] == 0
    assert rows["2023-05-16"]["difference"] < -1000  # kept holds far fewer after the end
    body = analyst.get(reverse("forecasts:chart", args=["custody", "csv"]) + CUSTODY_QUERY)
    table = list(csv.DictReader(io.StringIO(body.content.decode())))
    assert len(table) == 9 and "held_title42_kept" in table[0]
    for name in ("custody-0", "custody-1"):
        png = analyst.get(reverse("forecasts:chart", args=[name, "png"]) + CUSTODY_QUERY)
        assert png.content[:4] == b"\x89PNG"


def test_spanish(stats_db: Path, analyst: Client) -> None:
    page = analyst.get(FAN, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Pronósticos de encuentros" in page
    page = analyst.get(CUSTODY, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "El Título 42 se mantiene" in page


def test_a_refusal_is_audited(
    stats_db: Path, make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    from asilo.web.audit.models import AuditEntry

    officer = make_user("officer", "officer-forecast")
    response = client_as(officer).get("/forecasts/custody/")
    assert response.status_code == 403
    entry = AuditEntry.objects.filter(action="refused", object_type="forecasts.page").get()
    assert entry.note == "missing capability forecast.view"


def test_custody_shares_name_every_pathway_as_the_encounter_pages_do(
    stats_db: Path, analyst: Client
) -> None:
    """Under Proclamation 10888 (2025) the engine's pathways are named, never "Other
    pathway"; the words are the encounter pages' own."""
    from asilo.web.encounters.models import Pathway

    response = analyst.get(
        "/forecasts/custody/?place=Rio+Grande+Valley&share=0.4&first=2025-03-03&last=2025-03-05"
    )
    assert response.status_code == 200, response.content[:500]
    page = response.content.decode()
    assert "Other pathway" not in page
    assert str(Pathway.SUMMARY_REPATRIATION.label) in page
    analyst.cookies["django_language"] = "es"
    page = analyst.get(
        "/forecasts/custody/?place=Rio+Grande+Valley&share=0.4&first=2025-03-03&last=2025-03-05"
    ).content.decode()
    assert "Repatriación sumaria (sin evaluación de asilo)" in page and "Otra vía" not in page
