"""Small counts withheld from the analyst's statistics of asilo's own records (issue 11).

Before: the statistics page's "asilo's own records" source showed an analyst every count as
it was (3 Guatemalans in May 2022, in the table, the chart and its CSV). Now a role that sees
only aggregates gets counts from 1 to 9 as "fewer than 10" (DHS OHSS), with a complementary
cell where a shown total would give one back; 10 and more stay exact. Supervisors and
auditors (who read the records themselves) keep exact counts; CBP's public data is never
withheld.
"""

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

from asilo.web.dashboards import statistics as st

pytestmark = pytest.mark.django_db

URL = "/statistics/"
ASILO = {"source": "asilo"}
#: 12 Mexicans, 11 Hondurans and 3 Guatemalans (single adults), Rio Grande Valley, May 2022.
GROUPS = (("MEX", 12), ("HND", 11), ("GTM", 3))


def _group(nationality: str, size: int) -> dict[str, Any]:
    return {
        "date": "2022-05-10",
        "time": "06:40",
        "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
        "people": [{"age": 30 + i, "nationality": nationality} for i in range(size)],
    }


@pytest.fixture
def own_records(stats_db: Path, make_user: Callable[..., Any]) -> Path:
    from asilo.web.dashboards import demo
    from asilo.web.encounters import services

    officer = make_user("officer", "officer-small-counts")
    for nationality, size in GROUPS:
        services.encounter_record(
            actor=officer, prepared=services.prepare_encounter(_group(nationality, size))
        )
    demo.load(db=stats_db)
    return stats_db


def _page_counts(html: str) -> list[str]:
    """Every count cell of the charts' tables and the summary (years and shares excluded)."""
    charts = html.split('id="charts"', 1)[1].split('id="identity', 1)[0]
    return [c.strip() for c in re.findall(r'<td class="num">([^<]*)</td>', charts)]


def _numbers(cells: list[str]) -> list[int]:
    return [int(c.replace(",", "")) for c in cells if c.replace(",", "").isdigit()]


def _csv_counts(client: Client, name: str, query: dict[str, str]) -> list[str]:
    url = reverse("dashboards:chart", args=[name, "csv"])
    rows = list(csv.DictReader(io.StringIO(client.get(url, query).content.decode())))
    return [r["encounters"] for r in rows]


def test_the_analyst_never_sees_a_count_from_1_to_9(
    own_records: Path, make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    analyst = client_as(make_user("analyst", "analyst-small-counts"))
    html = analyst.get(URL, ASILO).content.decode()
    cells = _page_counts(html)
    assert cells, "the asilo source has tables"
    numbers = _numbers(cells)
    assert all(n == 0 or n >= 10 for n in numbers), numbers
    assert "fewer than 10" in cells
    assert 'id="withheld"' in html
    # 10 and more stay exact: 26 people in the month (every table's total), 12 Mexicans.
    assert 26 in numbers and 12 in numbers
    # The Hondurans (11) go with the Guatemalans (3): the fiscal year's total (26) is shown.
    citizenship = html.split('data-chart="citizenship_by_fiscal_year"', 1)[1].split("</table>")[0]
    assert ">11<" not in citizenship and ">3<" not in citizenship
    for name in st.CHART_NAMES:
        counts = _csv_counts(analyst, name, ASILO)
        for value in counts:
            assert value == "<10" or value == "0" or int(value) >= 10, (name, counts)
    assert "<10" in _csv_counts(analyst, "citizenship_by_fiscal_year", ASILO)
    # The chart images leave the withheld cells out, with their own cache entries: the
    # supervisor's exact image (cached first) is never served to the analyst.
    image = reverse("dashboards:chart", args=["citizenship_by_fiscal_year", "svg"])
    exact = client_as(make_user("supervisor", "supervisor-image")).get(image, ASILO).content
    withheld = analyst.get(image, ASILO).content
    assert withheld.startswith(b"<?xml") and withheld != exact


def test_roles_that_read_the_records_and_public_data_keep_exact_counts(
    own_records: Path, make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    analyst = client_as(make_user("analyst", "analyst-exact"))
    for role in ("supervisor", "auditor"):
        client = client_as(make_user(role, f"{role}-exact"))
        numbers = _numbers(_page_counts(client.get(URL, ASILO).content.decode()))
        assert {3, 11, 12, 26} <= set(numbers), (role, numbers)
        assert "<10" not in _csv_counts(client, "citizenship_by_fiscal_year", ASILO)
    # CBP's published data is public: nothing withheld, for the analyst too.
    html = analyst.get(URL, {"source": "cbp", "region": "all"}).content.decode()
    assert "fewer than 10" not in html.split('id="identity', 1)[0]
    assert 'id="withheld"' not in html


def test_spanish_label(
    own_records: Path, make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    analyst = client_as(make_user("analyst", "analyst-es"))
    analyst.cookies["django_language"] = "es"
    html = analyst.get(URL, ASILO, headers={"Accept-Language": "es"}).content.decode()
    assert "menos de 10" in _page_counts(html)
    assert "Registros propios de asilo: los recuentos de 1 a 9" in html


def test_identity_months_never_give_back_a_withheld_month(
    stats_db: Path, make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    """Before: with 12 people in May and 3 in June, June showed "fewer than 10" but May (12)
    and the total (15) were exact: 15 - 12 = 3. Now May is withheld with June."""
    from asilo.web.encounters import services

    officer = make_user("officer", "officer-identity-months")
    for day, size in (("2022-05-10", 12), ("2022-06-10", 3)):
        document = {**_group("MEX", size), "date": day}
        services.encounter_record(actor=officer, prepared=services.prepare_encounter(document))
    html = client_as(make_user("analyst", "analyst-identity")).get(URL).content.decode()
    table = html.split('id="identity-table"', 1)[1].split("</table>", 1)[0]

    def encounters(row: str) -> str:
        return re.findall(r'<td class="num">([^<]*)</td>', row)[0].strip()

    months = dict(re.findall(r'<tr data-month="([^"]+)">(.*?)</tr>', table, re.S))
    assert encounters(months["2022-05"]) == "fewer than 10"
    assert encounters(months["2022-06"]) == "fewer than 10"
    assert encounters(table.split('id="identity-totals"', 1)[1]) == "15"
    exact = client_as(make_user("supervisor", "supervisor-identity")).get(URL).content.decode()
    rows = exact.split('id="identity-table"', 1)[1]
    assert '<td class="num">12</td>' in rows and '<td class="num">3</td>' in rows
