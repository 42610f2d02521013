"""The statistics page: analysts (and roles with ``stats.view``) see charts and tables of
aggregates; others get 403; downloads as PNG, SVG and CSV; filters; asilo's own source."""

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

URL = "/statistics/"


@pytest.fixture
def analyst(make_user: Callable[..., Any], client_as: Callable[..., Client]) -> Client:
    return client_as(make_user("analyst", "analyst-stats"))


def test_anonymous_is_sent_to_sign_in(stats_db: Path, client_as: Callable[..., Client]) -> None:
    for url in (URL, reverse("dashboards:chart", args=["trend_by_authority", "png"])):
        response = client_as(None).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", list(ROLE_CAPABILITIES))
def test_each_role_gets_the_page_or_403(
    stats_db: Path, make_user: Callable[..., Any], client_as: Callable[..., Client], role: str
) -> None:
    client = client_as(make_user(role))
    expected = 200 if Capability.STATS_VIEW in ROLE_CAPABILITIES[role] else 403
    assert client.get(URL).status_code == expected
    download = reverse("dashboards:chart", args=["trend_by_authority", "csv"])
    assert client.get(download).status_code == expected


def test_officer_is_refused(
    stats_db: Path, make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    response = client_as(make_user("officer")).get(URL)
    assert response.status_code == 403
    assert "<svg" not in response.content.decode()


def test_page_shows_four_charts_each_with_its_table(stats_db: Path, analyst: Client) -> None:
    page = analyst.get(URL).content.decode()
    assert page.count("<svg ") == 4
    assert page.count('role="img" aria-labelledby="chart-') == 4
    assert len(re.findall(r'<table class="ap-table" data-chart="', page)) == 4
    # The published southwest totals, FY2020–FY2023, in the headline table.
    for total in ("458,088", "1,734,686", "2,378,944", "2,475,669"):
        assert total in page
    # April 2020 USBP sectors from the by-AOR file; its coverage is said.
    assert "Rio Grande Valley Sector" in page and "3,459" in page
    assert "cover 2020-04 only" in page
    # Series are told apart without colour: line styles and hatches are drawn in the SVG.
    assert "stroke-dasharray" in page
    assert "<pattern" in page


def test_fiscal_year_filter(stats_db: Path, analyst: Client) -> None:
    page = analyst.get(URL, {"fiscal_year": "2021", "region": "southwest"}).content.decode()
    table = re.search(r'<table class="ap-table" id="summary">(.*?)</table>', page, re.S)
    assert table and "1,734,686" in table.group(1) and "458,088" not in table.group(1)
    assert "FY2021" in page


def test_bad_filter_gets_an_error_next_to_the_field(stats_db: Path, analyst: Client) -> None:
    response = analyst.get(URL, {"fiscal_year": "1999", "region": "mars"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_fiscal_year_error"' in page and 'id="id_region_error"' in page
    assert re.search(r'<select[^>]*id="id_region"[^>]*aria-invalid="true"', page) or re.search(
        r'<select[^>]*aria-invalid="true"[^>]*id="id_region"', page
    )
    assert "<svg" not in page


def test_component_filter_uses_the_by_aor_data(stats_db: Path, analyst: Client) -> None:
    page = analyst.get(URL, {"component": "OFO", "region": "southwest"}).content.decode()
    table = re.search(r'<table class="ap-table" id="summary">(.*?)</table>', page, re.S)
    assert table and "924" in table.group(1)  # OFO, southwest, April 2020 (published)
    assert "Rio Grande Valley Sector" not in page
    assert "San Diego Field Office" in page


def test_downloads(stats_db: Path, analyst: Client) -> None:
    png = analyst.get(reverse("dashboards:chart", args=["citizenship_by_fiscal_year", "png"]))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert "citizenship_by_fiscal_year.png" in png["Content-Disposition"]
    svg = analyst.get(reverse("dashboards:chart", args=["trend_by_demographic", "svg"]))
    assert svg.status_code == 200 and b"<svg" in svg.content
    data = analyst.get(
        reverse("dashboards:chart", args=["trend_by_authority", "csv"]), {"fiscal_year": "2020"}
    )
    rows = list(csv.DictReader(io.StringIO(data.content.decode())))
    assert set(rows[0]) == {"month", "title_of_authority", "encounters"}
    assert sum(int(r["encounters"]) for r in rows) == 458088
    assert analyst.get(reverse("dashboards:chart", args=["nope", "png"])).status_code == 404
    assert (
        analyst.get(reverse("dashboards:chart", args=["trend_by_authority", "gif"])).status_code
        == 404
    )


def test_htmx_filter_answers_the_charts_alone(stats_db: Path, analyst: Client) -> None:
    response = analyst.get(URL, {"fiscal_year": "2022"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="charts"')
    assert "<html" not in page and "2,378,944" in page


def test_spanish(stats_db: Path, analyst: Client) -> None:
    analyst.cookies["django_language"] = "es"
    page = analyst.get(URL).content.decode()
    assert "Estadísticas de encuentros" in page
    assert "Encuentros mensuales por título de autoridad" in page
    assert "Tabla de datos:" in page


def test_no_database_yet(tmp_path: Path, settings: Any, analyst: Client) -> None:
    settings.ASILO_STATS_DB = tmp_path / "missing.duckdb"
    response = analyst.get(URL)
    assert response.status_code == 503
    assert "No statistics are available yet" in response.content.decode()
    assert not (tmp_path / "missing.duckdb").exists()


def test_no_personal_data_on_the_page(stats_db: Path, analyst: Client, record_family: Any) -> None:
    from asilo.web.dashboards import demo

    demo.load(db=stats_db)
    page = analyst.get(URL, {"source": "asilo"}).content.decode()
    assert page.count("<svg ") >= 3
    assert "María" not in page and "López" not in page
