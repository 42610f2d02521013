"""Issue 8: the demo's live day. Today's encounters are decided under the rules in force today
(never refused as outside the catalogue), beside the replayed 2022 day, and the officer's page
says the rules have not been verified after the catalogue's date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from asilo.policy import load_catalogue
from asilo.web.encounters import demo_live
from asilo.web.encounters.models import Encounter

pytestmark = pytest.mark.django_db


def _today_at(clock: str) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.fromisoformat(clock)))


def test_the_live_day_records_todays_encounters_under_todays_rules() -> None:
    # 02:00 Eastern is 01:00 in the Rio Grande Valley (Central) and midnight in El Paso
    early = demo_live.load(now=_today_at("02:00"))
    assert (early.recorded, early.created) == (1, 1)
    later = demo_live.load(now=_today_at("09:00"))
    assert (later.recorded, later.created) == (len(demo_live.LIVE), len(demo_live.LIVE) - 1)
    again = demo_live.load(now=_today_at("09:00"))
    assert again.created == 0
    live = Encounter.objects.filter(client_request_id__startswith="live-")
    assert live.count() == len(demo_live.LIVE)
    verified = load_catalogue().verified_through.isoformat()
    pathways = {}
    for encounter in live:
        assert encounter.encounter_date == timezone.localdate()
        result = encounter.decision.result
        assert "after_verified_coverage" in result["flags"]
        assert result["catalogue_verified_through"] == verified
        assert result["custody_standard_hours"] == 72
        pathways[encounter.client_request_id.split("-", 4)[-1]] = result["pathway"]
    assert pathways["rgv-family"] == "removal_protection_screening_only"
    assert pathways["rgv-child"] == "orr_transfer"
    assert pathways["hid-family"] == "processing"


def test_the_live_day_page_shows_the_notice(
    make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    demo_live.load(now=_today_at("09:00"))
    encounter = Encounter.objects.get(client_request_id__endswith="rgv-family")
    client = client_as(make_user("officer", "officer-live-day"))
    page = client.get(f"/processing/encounters/{encounter.pk}/").content.decode()
    assert 'id="decision-unverified"' in page
    assert load_catalogue().verified_through.isoformat() in page
