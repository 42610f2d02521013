"""Seen before: an officer records a man encountered a week earlier under another spelling,
and the answer of ``POST /api/v1/encounters`` lists the earlier encounter (identity
resolution at record time, Splink scoring the new record against the stored ones)."""

from __future__ import annotations

from typing import Any

import pytest

from asilo.web.audit.models import AuditEntry
from asilo.web.identity.models import IdentityRecord

pytestmark = pytest.mark.django_db


def man(date: str, given: str, first: str, second: str | None, **extra: Any) -> dict[str, Any]:
    person = {
        "age": 34,
        "nationality": "MEX",
        "given_names": given,
        "first_surname": first,
        "date_of_birth": "1988-02-14",
        "sex": "male",
        **extra,
    }
    if second:
        person["second_surname"] = second
    return {
        "date": date,
        "time": "08:10",
        "place": {"kind": "between_ports", "name": "El Paso"},
        "people": [person],
    }


def test_a_man_seen_a_week_earlier_under_another_spelling(api_as, officer) -> None:
    api = api_as(officer)
    first = api.post("/encounters", man("2022-05-03", "José", "López", "Hernández"))
    assert first.status_code == 201, first.content
    assert first.json()["people"][0]["seen_before"] == []
    again = api.post("/encounters", man("2022-05-10", "Jose", "Lopez", None))
    assert again.status_code == 201, again.content
    seen = again.json()["people"][0]["seen_before"]
    assert [s["encounter_id"] for s in seen] == [first.json()["id"]]
    assert seen[0]["date"] == "2022-05-03"
    assert seen[0]["place"] == "El Paso"
    assert seen[0]["outcome"] is None
    assert seen[0]["pathway"] == first.json()["people"][0]["pathway"]
    assert seen[0]["match_probability"] >= 0.99
    # Both people now share one identity, each with its link strength.
    a = IdentityRecord.objects.get(person_id=first.json()["people"][0]["person_id"])
    b = IdentityRecord.objects.get(person_id=again.json()["people"][0]["person_id"])
    assert a.identity_id == b.identity_id
    assert b.match_probability >= 0.99
    # Reading the encounter gives the same list; the look-up is audited (ids only).
    read = api.get(f"/encounters/{again.json()['id']}")
    assert read.json()["people"][0]["seen_before"] == seen
    entry = AuditEntry.objects.filter(note="seen before").order_by("-id").first()
    assert entry is not None and entry.after["seen_before"]
    assert "Lopez" not in str(entry.after) and "López" not in str(entry.after)


def test_someone_else_is_not_seen_before(api_as, officer) -> None:
    api = api_as(officer)
    first = api.post("/encounters", man("2022-05-03", "José", "López", "Hernández"))
    other = man("2022-05-10", "Kevin", "Orellana", "Mejía")
    other["people"][0]["date_of_birth"] = "2001-07-30"
    other["people"][0]["nationality"] = "HND"
    other["people"][0]["age"] = 20
    answer = api.post("/encounters", other)
    assert first.status_code == answer.status_code == 201
    assert answer.json()["people"][0]["seen_before"] == []


def test_a_later_encounter_is_not_an_earlier_one(api_as, officer) -> None:
    api = api_as(officer)
    later = api.post("/encounters", man("2022-05-10", "José", "López", "Hernández"))
    earlier = api.post("/encounters", man("2022-05-03", "Jose", "Lopez", None))
    assert later.status_code == earlier.status_code == 201
    assert earlier.json()["people"][0]["seen_before"] == []
    read = api.get(f"/encounters/{later.json()['id']}")
    assert [s["encounter_id"] for s in read.json()["people"][0]["seen_before"]] == [
        earlier.json()["id"]
    ]


def test_lists_do_not_look_up(api_as, officer) -> None:
    api = api_as(officer)
    api.post("/encounters", man("2022-05-03", "José", "López", "Hernández"))
    listed = api.get("/encounters")
    assert listed.json()["encounters"][0]["people"][0]["seen_before"] is None


def test_the_encounter_page_shows_the_earlier_encounter(api_as, officer, client_as) -> None:
    api = api_as(officer)
    first = api.post("/encounters", man("2022-05-03", "José", "López", "Hernández")).json()
    again = api.post("/encounters", man("2022-05-10", "Jose", "Lopez", None)).json()
    page = client_as(officer).get(f"/processing/encounters/{again['id']}/").content.decode()
    assert 'id="seen-before"' in page
    assert f"/processing/encounters/{first['id']}/" in page
    assert "2022-05-03" in page
    earlier = client_as(officer).get(f"/processing/encounters/{first['id']}/").content.decode()
    assert 'id="seen-before"' not in earlier
