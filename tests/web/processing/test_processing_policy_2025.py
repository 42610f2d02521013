"""Issue 8 on the officer's page: an encounter recorded today is decided (by the rules last in
force) and the page says the rules were not verified after the catalogue's date; the 2025
vocabulary is shown by its label, never as a raw value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from asilo.policy import load_catalogue
from asilo.policy.catalogue import today_eastern
from asilo.web.encounters.models import Encounter

pytestmark = pytest.mark.django_db

URL = "/processing/encounters/new/"


def _post(day: str) -> dict[str, str]:
    return {
        "action": "decide",
        "client_request_id": f"web-policy-{day}",
        "date": day,
        "time": "06:40",
        "place": "between_ports|Rio Grande Valley",
        "manifests_fear": "yes",
        "m-TOTAL_FORMS": "2",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "20",
        "m-0-given_names": "Ana",
        "m-0-first_surname": "López",
        "m-0-age": "31",
        "m-0-sex": "female",
        "m-0-nationality": "HND",
        "m-0-relationship": "parent",
        "m-1-given_names": "Luis",
        "m-1-first_surname": "López",
        "m-1-age": "7",
        "m-1-sex": "male",
        "m-1-nationality": "HND",
        "m-1-relationship": "",
    }


@pytest.fixture
def officer_client(make_user: Callable[..., Any], client_as: Callable[..., Client]) -> Client:
    return client_as(make_user("officer", "officer-policy-2025"))


def test_todays_encounter_is_decided_and_says_the_rules_are_unverified(
    officer_client: Client,
) -> None:
    # Today in the Rio Grande Valley (Central time), at midnight there: never in the future,
    # whatever the hour the test runs (the encounter's date and time are the place's).
    from datetime import datetime
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("America/Chicago")).date()
    assert abs((today - today_eastern()).days) <= 1
    response = officer_client.post(URL, {**_post(today.isoformat()), "time": "00:00"})
    assert response.status_code == 302, response.content.decode()[:2000]
    encounter = Encounter.objects.get()
    assert "after_verified_coverage" in encounter.decision.result["flags"]
    page = officer_client.get(response["Location"]).content.decode()
    verified = load_catalogue().verified_through.isoformat()
    assert 'id="decision-unverified"' in page
    assert f"The rules have not been verified after {verified}" in page
    assert "Removal with withholding and CAT screening only" in page
    assert ">removal_protection_screening_only<" not in page


def test_a_2025_encounter_shows_the_proclamation_by_its_label(officer_client: Client) -> None:
    response = officer_client.post(URL, _post("2025-03-10"))
    assert response.status_code == 302
    encounter = Encounter.objects.get()
    assert encounter.decision.authority == "proclamation_212f"
    page = officer_client.get(response["Location"]).content.decode()
    assert "Summary repatriation (no asylum screening)" in page
    assert "Proclamation under INA 212(f)" in page
    assert 'id="decision-unverified"' not in page
