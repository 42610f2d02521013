"""A child is never left alone, and custody clocks run from the encounter (issue 9).

Each test here failed before the change: a mother could be booked out while her children
stayed; after an approved exception sent one child to HHS, the other was alone in custody with
no clock; clocks started when the record was typed; families and single adults had no clock.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from asilo.cli.main import app
from asilo.web.accounts.models import User
from asilo.web.audit.models import AuditAction, AuditEntry
from asilo.web.encounters import selectors, services
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import Custody, Encounter

pytestmark = pytest.mark.django_db

#: The issue's family: a mother (32) with two children (9 and 4) from Honduras.
HONDURAN_FAMILY: dict[str, Any] = {
    "date": "2021-03-10",
    "time": "14:30",
    "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
    "people": [
        {"age": 32, "nationality": "HND", "role": "adult", "relationship": "parent",
         "given_names": "Reina", "first_surname": "Castillo", "sex": "female"},
        {"age": 9, "nationality": "HND", "role": "child", "given_names": "Ángel",
         "first_surname": "Castillo", "sex": "male"},
        {"age": 4, "nationality": "HND", "role": "child", "given_names": "Daniela",
         "first_surname": "Castillo", "sex": "female"},
    ],
    "manifests_fear": True,
}  # fmt: skip
#: 14:30 in the Rio Grande Valley on 2021-03-10 (Central standard time, UTC-6).
ENCOUNTERED = datetime(2021, 3, 10, 20, 30, tzinfo=UTC)


def family() -> dict[str, Any]:
    return copy.deepcopy(HONDURAN_FAMILY)


def open_custodies() -> list[tuple[int, str]]:
    return list(Custody.objects.order_by("id").values_list("id", "outcome"))


def test_done_when_through_the_api(officer: User, api_as: Any) -> None:
    api = api_as(officer)
    body = api.post("/encounters", family()).json()
    assert api.post(f"/encounters/{body['id']}/confirm").status_code == 200
    mother, son, daughter = (c["id"] for c in body["custodies"])
    for custody in body["custodies"]:
        # The clock runs from the encounter in the place's time zone, never from the typing.
        assert custody["booked_in_at"] == "2021-03-10T20:30:00Z"
        # ... and the same moment as the officer reads it at the place (issue 9's contract).
        assert custody["booked_in_local"] == "2021-03-10T14:30:00-06:00"
        assert custody["time_zone"] == "America/Chicago"
        assert custody["booked_in_time_known"] is True
        assert (custody["standard_hours"], custody["standard_due_at"]) == (
            72,
            "2021-03-13T20:30:00Z",
        )
        assert (custody["limit_hours"], custody["due_at"]) == (None, None)
    before = (open_custodies(), AuditEntry.objects.exclude(action=AuditAction.REFUSED).count())
    refused = api.post(f"/custodies/{mother}/book-out", {"outcome": "released_nta"})
    assert refused.status_code == 409
    error = refused.json()["errors"][0]
    assert error["code"] == "family_child_left_alone"
    assert f"person {body['people'][1]['person_id']} (age 9)" in error["message"]
    assert f"person {body['people'][2]['person_id']} (age 4)" in error["message"]
    assert "Castillo" not in refused.content.decode()  # the API answer carries no names
    assert (
        open_custodies(),
        AuditEntry.objects.exclude(action=AuditAction.REFUSED).count(),
    ) == before
    refusal = AuditEntry.objects.filter(action=AuditAction.REFUSED).latest("id")
    assert (refusal.object_id, refusal.note) == (str(mother), "family_child_left_alone")

    together = api.post(
        f"/custodies/{mother}/book-out", {"outcome": "released_nta", "family": True}
    )
    assert together.status_code == 200, together.content
    answer = together.json()
    assert [c["id"] for c in answer["booked_out"]] == [mother, son, daughter]
    assert {c["outcome"] for c in answer["booked_out"]} == {"released_nta"}
    assert len({c["booked_out_at"] for c in answer["booked_out"]}) == 1
    assert open_custodies() == [
        (mother, "released_nta"),
        (son, "released_nta"),
        (daughter, "released_nta"),
    ]


def test_a_child_alone_has_the_legal_limit_from_the_encounter(officer: User, api_as: Any) -> None:
    alone = {
        "date": "2021-03-10",
        "time": "09:15",
        "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
        "people": [{"age": 15, "nationality": "GTM"}],
    }
    custody = api_as(officer).post("/encounters", alone).json()["custodies"][0]
    assert custody["booked_in_at"] == "2021-03-10T15:15:00Z"
    assert (custody["limit_hours"], custody["due_at"]) == (72, "2021-03-13T15:15:00Z")
    assert (custody["standard_hours"], custody["standard_due_at"]) == (72, "2021-03-13T15:15:00Z")
    assert custody["overdue"] is True  # a historical clock stays historical


def test_unknown_time_starts_the_clock_at_the_start_of_the_day(officer: User) -> None:
    doc = family()
    del doc["time"]
    encounter = services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(doc)
    ).encounter
    custody = encounter.custodies.order_by("id").first()
    assert custody is not None
    # Midnight in the Rio Grande Valley (UTC-6), flagged.
    assert custody.booked_in_at == datetime(2021, 3, 10, 6, 0, tzinfo=UTC)
    assert custody.booked_in_time_known is False


def _confirmed(officer: User, doc: dict[str, Any] | None = None) -> list[Custody]:
    encounter = services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(doc or family())
    ).encounter
    services.decision_confirm(actor=officer, encounter_id=encounter.pk)
    return list(encounter.custodies.order_by("id"))


def test_a_child_may_not_leave_alone_while_the_mother_stays(officer: User) -> None:
    _mother, son, _daughter = _confirmed(officer)
    with pytest.raises(EncounterError) as err:
        services.custody_book_out(actor=officer, custody_id=son.pk, outcome="released_nta")
    assert err.value.code == C.FAMILY_CHILD_LEFT_ALONE
    assert err.value.params["person_ids"] == [son.person_id]
    assert Custody.objects.filter(booked_out_at__isnull=False).count() == 0


def test_family_book_out_is_refused_as_a_whole(officer: User) -> None:
    # The Title 42 expulsion of a family is lawful; an unaccompanied niece may not be expelled
    # in May 2022 (children excepted): the aunt's group is two units, so family book-out of
    # the niece's unit alone as expelled is refused, and nothing is booked out.
    doc = {
        "date": "2022-05-10",
        "time": "07:15",
        "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
        "people": [
            {"age": 40, "nationality": "SLV", "role": "adult", "relationship": "other_relative"},
            {"age": 11, "nationality": "SLV", "role": "child"},
        ],
    }
    _aunt, niece = _confirmed(officer, doc)
    with pytest.raises(EncounterError) as err:
        services.custody_book_out(
            actor=officer, custody_id=niece.pk, outcome="expelled", family=True
        )
    assert err.value.code == C.OUTCOME_UNLAWFUL_FOR_CHILD
    assert Custody.objects.filter(booked_out_at__isnull=False).count() == 0


def test_the_issues_sequence_leaves_no_child_alone(officer: User, supervisor: User) -> None:
    """Before: the mother released alone, then the 9-year-old sent to HHS under an approved
    exception: the 4-year-old stayed alone in custody with "No time limit"."""
    mother, son, daughter = _confirmed(officer)
    with pytest.raises(EncounterError):
        services.custody_book_out(actor=officer, custody_id=mother.pk, outcome="released_nta")
    exception = services.family_exception_request(
        actor=officer,
        custody_id=mother.pk,
        outcome="transferred_ice",
        reason="Outstanding warrant confirmed in NCIC for the mother.",
    )
    services.family_exception_approve(
        actor=supervisor, exception_id=exception.pk, note="Warrant verified by the duty officer."
    )
    left = datetime(2021, 3, 11, 10, 0, tzinfo=UTC)
    services.custody_book_out(
        actor=officer, custody_id=mother.pk, outcome="transferred_ice", at=left
    )
    for child in (son, daughter):
        child.refresh_from_db()
        assert child.is_open
        assert child.unaccompanied_since == left
        assert (child.limit_hours, child.due_at) == (72, left + timedelta(hours=72))
        redecision = child.redecision
        assert redecision is not None
        assert redecision["pathway"] == "orr_transfer"
        assert redecision["decision"]["demographic"] == "unaccompanied_child"
        assert redecision["document"]["date"] == "2021-03-11"
        assert redecision["document"]["time"] == "04:00"  # 10:00 UTC in the valley
        assert redecision["reasons"]
    entries = AuditEntry.objects.filter(action=AuditAction.DECIDE, object_type="encounters.custody")
    assert sorted(int(e.object_id) for e in entries) == [son.pk, daughter.pk]
    assert selectors.children_alone() == []
    # Each child is now handled alone: one may leave to ORR without the other.
    services.custody_book_out(actor=officer, custody_id=son.pk, outcome="transferred_orr")
    assert selectors.children_alone() == []


def test_redecision_outside_the_catalogue_applies_the_statute(
    officer: User, supervisor: User
) -> None:
    mother, son, _daughter = _confirmed(officer)
    exception = services.family_exception_request(
        actor=officer,
        custody_id=mother.pk,
        outcome="transferred_ice",
        reason="Outstanding warrant confirmed in NCIC for the mother.",
    )
    services.family_exception_approve(
        actor=supervisor, exception_id=exception.pk, note="Warrant verified by the duty officer."
    )
    later = datetime(2031, 1, 2, 12, 0, tzinfo=UTC)  # no catalogue covers it
    services.custody_book_out(
        actor=officer, custody_id=mother.pk, outcome="transferred_ice", at=later
    )
    son.refresh_from_db()
    assert son.redecision is not None
    assert (son.redecision["pathway"], son.redecision["decision"]) == ("orr_transfer", None)
    assert son.redecision["reasons"][0]["citation"]["fact"] == "UC-02"
    assert son.due_at == later + timedelta(hours=72)


def test_check_lists_a_child_left_alone_by_a_direct_write(officer: User) -> None:
    runner = CliRunner()
    mother, son, daughter = _confirmed(officer)
    ok = runner.invoke(app, ["custody", "check"])
    assert ok.exit_code == 0, ok.output
    assert "No child is in custody without an adult" in ok.output
    # Data written around the services (an import, an old release): the check finds it.
    Custody.objects.filter(pk=mother.pk).update(
        booked_out_at=ENCOUNTERED + timedelta(hours=5), outcome="released_nta"
    )
    alone = selectors.children_alone()
    assert [(c.custody_id, c.age) for c in alone] == [(son.pk, 9), (daughter.pk, 4)]
    found = runner.invoke(app, ["custody", "check", "--format", "json"])
    assert found.exit_code == 1
    assert '"count": 2' in found.output and "Castillo" not in found.output
    summary = selectors.custody_summary(actor=officer)
    assert summary.children_alone == 2


def test_standard_report_counts_hours_beyond_72_by_place(officer: User) -> None:
    mother, _son, _daughter = _confirmed(officer)
    services.custody_book_out(
        actor=officer,
        custody_id=mother.pk,
        outcome="released_nta",
        at=ENCOUNTERED + timedelta(hours=80),
        family=True,
    )
    rows = selectors.standard_report(actor=officer)
    assert [(r.place, r.custodies, r.still_held, r.hours_beyond) for r in rows] == [
        ("Rio Grande Valley", 3, 0, 24.0)
    ]
    entry = AuditEntry.objects.filter(action=AuditAction.BOOK_OUT).latest("id")
    assert entry.after["beyond_standard"] is True


def test_live_list_hides_historical_replays_unless_asked(officer: User) -> None:
    encounter: Encounter = services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(family())
    ).encounter
    assert selectors.custody_list(actor=officer) == []
    historical = selectors.custody_list(actor=officer, scope="historical")
    assert [c.custody.encounter_id for c in historical] == [encounter.pk] * 3
    assert all(c.standard_exceeded and c.standard_level == "red" for c in historical)
    with pytest.raises(EncounterError) as err:
        selectors.custody_list(actor=officer, scope="yesterday")
    assert err.value.code == C.SCOPE_FILTER_INVALID


def test_the_officer_is_told_and_the_task_is_worked_through_the_api(
    officer: User, supervisor: User, api_as: Any
) -> None:
    from asilo.web.encounters.models import StaffNotification

    api, sup = api_as(officer), api_as(supervisor)
    body = api.post("/encounters", family()).json()
    api.post(f"/encounters/{body['id']}/confirm")
    son = body["custodies"][1]["id"]
    asked = api.post(
        "/family-exceptions",
        {"custody_id": son, "outcome": "transferred_orr", "reason": "Admitted to hospital care."},
    ).json()
    assert not StaffNotification.objects.exists()
    task_id = sup.post(
        f"/family-exceptions/{asked['id']}/approve", {"note": "Admission confirmed today."}
    ).json()["reunification_task_id"]
    told = StaffNotification.objects.get()
    assert (told.recipient, told.kind, told.exception_id, told.read_at) == (
        officer,
        "exception_approved",
        asked["id"],
        None,
    )
    assert api.post(f"/reunification-tasks/{task_id}/steps", {"step": "contact_made"}).json()[
        "contact_made_at"
    ]
    twice = api.post(f"/reunification-tasks/{task_id}/steps", {"step": "contact_made"})
    assert (twice.status_code, twice.json()["errors"][0]["code"]) == (409, "task_step_done")
    bad = api.post(f"/reunification-tasks/{task_id}/steps", {"step": "teleported"})
    assert (bad.status_code, bad.json()["errors"][0]["code"]) == (400, "task_step_invalid")
    noted = api.post(f"/reunification-tasks/{task_id}/notes", {"text": "Father located in Dallas."})
    assert [n["text"] for n in noted.json()["notes"]] == ["Father located in Dallas."]
    closed = api.post(
        f"/reunification-tasks/{task_id}/close",
        {"outcome": "closed", "note": "Child released to ORR; family informed."},
    ).json()
    assert (closed["status"], closed["closing_outcome"]) == ("closed", "closed")
