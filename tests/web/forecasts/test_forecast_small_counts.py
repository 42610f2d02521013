"""The forecasts read CBP's published data only, never asilo's own records (issue 11): so
they hold no small count of asilo's records to withhold. asilo's export of 3 people in August
2023, imported beside CBP's files, leaves the analyst's forecast and its CSV unchanged."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

QUERY = "?series=region%3Dsouthwest&horizon=2&model=SeasonalNaive&start=2023-09"


def _rows(client: Client) -> list[dict[str, str]]:
    body = client.get(reverse("forecasts:chart", args=["encounters", "csv"]) + QUERY)
    assert body.status_code == 200
    return list(csv.DictReader(io.StringIO(body.content.decode())))


def test_asilo_records_never_reach_the_forecasts(
    stats_db: Path, make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    from asilo.web.dashboards import demo
    from asilo.web.encounters import services

    analyst = client_as(make_user("analyst", "analyst-forecast-small"))
    before = _rows(analyst)
    officer = make_user("officer", "officer-forecast-small")
    document = {
        "date": "2023-08-10",
        "time": "06:40",
        "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
        "people": [{"age": 30 + i, "nationality": "GTM"} for i in range(3)],
    }
    services.encounter_record(actor=officer, prepared=services.prepare_encounter(document))
    summary = demo.load(db=stats_db)
    assert summary.own_encounters == 3  # asilo's records are in the store, as their own file
    after = _rows(analyst)
    assert after == before
    observed = [float(r["observed"]) for r in after if r["observed"]]
    assert observed and all(n >= 10 for n in observed)
    august = next(r for r in after if r["period"] == "2023-08")
    assert float(august["observed"]) > 100_000  # CBP's Southwest figure, not asilo's 3
