"""Encounters: record and decide, confirm, override and review, custody, the family invariant."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from asilo.policy import decide, load_catalogue, parse_encounter
from asilo.web.accounts.models import User
from asilo.web.audit.models import AuditAction, AuditEntry
from asilo.web.core.errors import CoreErrorCode, Forbidden
from asilo.web.encounters import selectors, services
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import (
    Custody,
    Encounter,
    EncounterDecision,
    EncounterPerson,
    EncounterStatus,
    FamilyException,
    Override,
    ReunificationTask,
)
from asilo.web.people.errors import PeopleErrorCode
from asilo.web.people.models import FamilyMembership, FamilyUnit, IdentityDocument, Person

MODELS = [
    Encounter,
    EncounterDecision,
    EncounterPerson,
    Custody,
    Override,
    FamilyException,
    ReunificationTask,
    Person,
    IdentityDocument,
    FamilyUnit,
    FamilyMembership,
    AuditEntry,
]


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def policy_only(doc: dict[str, Any]) -> dict[str, Any]:
    return services.split_document(doc)[0]


def record(officer: User, doc: dict[str, Any], **kw: Any) -> Encounter:
    return services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(doc), **kw
    ).encounter


# --- recording ----------------------------------------------------------------------------


def test_family_encounter_writes_people_unit_decision_custody(
    officer: User, family_doc: dict[str, Any]
) -> None:
    before = counts()
    encounter = record(officer, family_doc)
    after = counts()
    grew = {k: after[k] - before[k] for k in after}
    assert grew == {
        "Encounter": 1,
        "EncounterDecision": 1,
        "EncounterPerson": 2,
        "Custody": 2,
        "Override": 0,
        "FamilyException": 0,
        "ReunificationTask": 0,
        "Person": 2,
        "IdentityDocument": 1,
        "FamilyUnit": 1,
        "FamilyMembership": 2,
        # 2 people, 1 family unit, 1 decision, 2 book-ins
        "AuditEntry": 6,
    }
    assert encounter.component == "USBP"
    assert encounter.place_name == "Rio Grande Valley"
    assert encounter.status == EncounterStatus.DECIDED
    # 06:40 in the Rio Grande Valley (Central daylight time), not U.S. Eastern.
    assert encounter.occurred_at == datetime(2022, 5, 10, 11, 40, tzinfo=UTC)
    memberships = FamilyMembership.objects.filter(family_unit=encounter.family_unit)
    assert list(memberships.values_list("role", "relationship")) == [
        ("adult", "parent"),
        ("child", "child"),
    ]


def test_stored_decision_is_the_policy_engines_and_replays(
    officer: User, family_doc: dict[str, Any]
) -> None:
    encounter = record(officer, family_doc)
    catalogue = load_catalogue()
    expected = decide(
        parse_encounter(policy_only(family_doc), catalogue=catalogue), catalogue=catalogue
    ).model_dump(mode="json")
    decision = encounter.decision
    assert decision.result == expected
    assert decision.catalogue_version == catalogue.version
    assert (decision.authority, decision.pathway, decision.demographic) == (
        expected["authority"],
        expected["pathway"],
        "family_unit",
    )
    assert "given_names" not in str(decision.inputs) and "López" not in str(decision.inputs)
    replay = selectors.decision_replay(decision)
    assert replay.same and replay.replayed == expected
    entry = AuditEntry.objects.get(action=AuditAction.DECIDE, object_id=str(encounter.pk))
    assert entry.catalogue_version == catalogue.version
    assert entry.after["pathway"] == expected["pathway"]
    assert entry.after["rules"] == [r["rule"] for r in expected["reasons"]]


def test_unaccompanied_child_gets_a_72_hour_clock(officer: User, child_doc: dict[str, Any]) -> None:
    # The clock starts at the encounter (09:15 in El Paso, Mountain daylight time), not when the
    # record is typed.
    book_in = datetime(2022, 5, 10, 15, 15, tzinfo=UTC)
    encounter = record(officer, child_doc)
    custody = encounter.custodies.get()
    assert custody.booked_in_time_known
    assert (custody.standard_hours, custody.standard_due_at) == (72, book_in + timedelta(hours=72))
    assert encounter.decision.demographic == "unaccompanied_child"
    assert encounter.decision.pathway == "orr_transfer"
    assert custody.limit_hours == 72
    assert custody.booked_in_at == book_in
    assert custody.due_at == book_in + timedelta(hours=72)


def test_single_adult_without_limit_has_no_due_time(
    officer: User, adult_doc: dict[str, Any]
) -> None:
    encounter = record(officer, adult_doc)
    custody = encounter.custodies.get()
    assert encounter.component == "OFO"
    assert encounter.family_unit is None
    assert (custody.limit_hours, custody.due_at) == (None, None)


def test_group_split_keeps_each_persons_outcome(officer: User) -> None:
    doc = {
        "date": "2022-05-10",
        "place": {"kind": "between_ports", "name": "El Paso"},
        "people": [
            {"age": 30, "nationality": "GTM", "relationship": "other_relative"},
            {"age": 12, "nationality": "GTM"},
        ],
    }
    encounter = record(officer, doc)
    rows = list(
        encounter.participants.order_by("position").values_list(
            "unit", "demographic", "pathway", "custody_limit_hours"
        )
    )
    assert rows == [
        (0, "single_adult", "expulsion", None),
        (1, "unaccompanied_child", "orr_transfer", 72),
    ]
    limits = list(encounter.custodies.order_by("id").values_list("limit_hours", flat=True))
    assert limits == [None, 72]


def test_a_number_links_a_known_person(officer: User, adult_doc: dict[str, Any]) -> None:
    adult_doc["people"][0]["a_number"] = "A201234567"
    first = record(officer, adult_doc)
    adult_doc["time"] = "12:00"
    second = record(officer, adult_doc)
    assert first.participants.get().person_id == second.participants.get().person_id
    assert Person.objects.count() == 1


# --- bad input writes nothing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("date"), "date"),
        (lambda d: d.update(date="2022-13-01"), "date"),
        (lambda d: d.update(date="2031-01-01"), "date"),
        (lambda d: d["place"].update(name="Atlantis"), "place.name"),
        (lambda d: d["people"][0].update(nationality="XYZ"), "people.0.nationality"),
        (lambda d: d["people"][0].update(age=-3), "people.0.age"),
        (lambda d: d.update(people=[]), "people"),
        (lambda d: d.update(surprise=True), "surprise"),
    ],
)
def test_policy_input_errors_name_the_field_and_write_nothing(
    officer: User, family_doc: dict[str, Any], change: Callable[[dict[str, Any]], Any], field: str
) -> None:
    change(family_doc)
    before = counts()
    with pytest.raises(services.EncounterErrors) as err:
        record(officer, family_doc)
    assert field in [e.field for e in err.value.errors]
    assert all(e.code == C.INVALID_ENCOUNTER for e in err.value.errors)
    assert counts() == before


@pytest.mark.parametrize(
    ("person", "code", "field"),
    [
        ({"date_of_birth": "2023-01-01"}, PeopleErrorCode.DATE_OF_BIRTH_IN_FUTURE, "date_of_birth"),
        ({"date_of_birth": "1960-01-01"}, PeopleErrorCode.AGE_MISMATCH, "age"),
        ({"sex": "?"}, PeopleErrorCode.SEX_INVALID, "sex"),
        ({"a_number": "A1"}, PeopleErrorCode.A_NUMBER_INVALID, "a_number"),
        (
            {"documents": [{"kind": "visa", "number": "1"}]},
            PeopleErrorCode.DOCUMENT_KIND_INVALID,
            "documents.0.kind",
        ),
    ],
)
def test_identity_errors_name_the_field_and_write_nothing(
    officer: User, family_doc: dict[str, Any], person: dict[str, Any], code: str, field: str
) -> None:
    family_doc["people"][0].update(person)
    before = counts()
    with pytest.raises(services.EncounterErrors) as err:
        record(officer, family_doc)
    assert [(e.code, e.field) for e in err.value.errors] == [(code, f"people.0.{field}")]
    assert counts() == before


def test_identity_errors_of_every_person_are_reported_together(
    officer: User, family_doc: dict[str, Any]
) -> None:
    family_doc["people"][0]["sex"] = "?"
    family_doc["people"][1]["date_of_birth"] = "2001-01-01"  # a child of 7
    with pytest.raises(services.EncounterErrors) as err:
        record(officer, family_doc)
    assert [(e.code, e.field) for e in err.value.errors] == [
        (PeopleErrorCode.SEX_INVALID, "people.0.sex"),
        (PeopleErrorCode.AGE_MISMATCH, "people.1.age"),
    ]


def test_a_number_twice_in_one_encounter_is_refused(
    officer: User, family_doc: dict[str, Any]
) -> None:
    for person in family_doc["people"]:
        person["a_number"] = "123456789"
    before = counts()
    with pytest.raises(services.EncounterErrors) as err:
        record(officer, family_doc)
    assert [e.field for e in err.value.errors] == ["people.1.a_number"]
    assert counts() == before


def test_book_in_before_the_encounter_is_refused(officer: User, child_doc: dict[str, Any]) -> None:
    before = counts()
    with pytest.raises(EncounterError) as err:
        record(officer, child_doc, booked_in_at=datetime(2022, 5, 9, 12, tzinfo=UTC))
    assert (err.value.code, err.value.field) == (C.BOOK_IN_INVALID, "booked_in_at")
    assert counts() == before


# --- idempotency --------------------------------------------------------------------------


def test_resubmission_returns_the_first_encounter(
    officer: User, family_doc: dict[str, Any]
) -> None:
    first = services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(family_doc), client_request_id="t-1"
    )
    before = counts()
    again = services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(family_doc), client_request_id="t-1"
    )
    assert first.created and not again.created
    assert again.encounter.pk == first.encounter.pk
    assert counts() == before


def test_one_encounter_written_two_ways_is_one_submission(
    officer: User, family_doc: dict[str, Any]
) -> None:
    """Idempotency compares the typed encounter, not the text sent: an A-number with or
    without its ``A`` and a flag sent at its default are the same encounter."""
    family_doc["people"][0]["a_number"] = "A012345678"
    first = record(officer, family_doc, client_request_id="t-typed")
    family_doc["people"][0]["a_number"] = "12345678"
    family_doc["cbp_one_appointment"] = False
    before = counts()
    again = services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(family_doc), client_request_id="t-typed"
    )
    assert (again.created, again.encounter.pk) == (False, first.pk)
    assert counts() == before


def test_same_id_with_another_document_is_refused(
    officer: User, family_doc: dict[str, Any]
) -> None:
    first = record(officer, family_doc, client_request_id="t-2")
    family_doc["time"] = "07:00"
    before = counts()
    with pytest.raises(EncounterError) as err:
        record(officer, family_doc, client_request_id="t-2")
    assert err.value.code == C.CLIENT_REQUEST_ID_REUSED and err.value.status == 409
    assert err.value.params == {"id": first.pk}
    assert counts() == before


def test_client_request_ids_are_per_user(
    officer: User, user_of: Callable[..., User], family_doc: dict[str, Any]
) -> None:
    other = user_of("officer")
    a = record(officer, family_doc, client_request_id="shared")
    b = record(other, family_doc, client_request_id="shared")
    assert a.pk != b.pk


def test_malformed_client_request_id_is_refused(officer: User, adult_doc: dict[str, Any]) -> None:
    with pytest.raises(EncounterError) as err:
        record(officer, adult_doc, client_request_id="has spaces")
    assert err.value.code == C.CLIENT_REQUEST_ID_INVALID
    assert Encounter.objects.count() == 0


# --- confirm, override, review ------------------------------------------------------------


def test_confirm_once(officer: User, family_doc: dict[str, Any]) -> None:
    encounter = record(officer, family_doc)
    services.decision_confirm(actor=officer, encounter_id=encounter.pk)
    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.CONFIRMED
    assert encounter.decision.confirmed_by == officer
    entry = AuditEntry.objects.filter(action=AuditAction.CONFIRM).get()
    assert entry.catalogue_version == encounter.decision.catalogue_version
    with pytest.raises(EncounterError) as err:
        services.decision_confirm(actor=officer, encounter_id=encounter.pk)
    assert err.value.code == C.DECISION_ALREADY_SETTLED and err.value.status == 409


def test_override_with_reason_within_the_options(officer: User, adult_doc: dict[str, Any]) -> None:
    encounter = record(officer, adult_doc)  # Title 42 expulsion; processing is an option
    override = services.decision_override(
        actor=officer,
        encounter_id=encounter.pk,
        authority="title_8",
        pathway="processing",
        destination=None,
        reason="Medical emergency seen at primary inspection; supervisor consulted.",
    )
    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.OVERRIDDEN
    assert override.within_options is True
    entry = AuditEntry.objects.filter(action=AuditAction.OVERRIDE).get()
    assert entry.before == {"authority": "title_42", "pathway": "expulsion", "destination": "MEX"}
    assert entry.after["pathway"] == "processing"
    assert selectors.overrides_awaiting_review().get() == override


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"reason": "because"}, C.OVERRIDE_REASON_REQUIRED),
        ({"pathway": "parole"}, C.OVERRIDE_PATHWAY_INVALID),
        ({"authority": "title_9"}, C.OVERRIDE_AUTHORITY_INVALID),
        ({"destination": "ZZZ"}, C.OVERRIDE_DESTINATION_INVALID),
        (
            {"authority": "title_42", "pathway": "expulsion", "destination": "MEX"},
            C.OVERRIDE_SAME_AS_DECISION,
        ),
    ],
)
def test_bad_overrides_change_nothing(
    officer: User, adult_doc: dict[str, Any], kw: dict[str, Any], code: str
) -> None:
    encounter = record(officer, adult_doc)
    args = {
        "authority": "title_8",
        "pathway": "processing",
        "destination": None,
        "reason": "A reason long enough to be a reason.",
        **kw,
    }
    before = counts()
    with pytest.raises(EncounterError) as err:
        services.decision_override(actor=officer, encounter_id=encounter.pk, **args)
    assert err.value.code == code
    assert counts() == before
    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.DECIDED


def test_unaccompanied_child_cannot_be_overridden_to_expulsion(
    officer: User, child_doc: dict[str, Any]
) -> None:
    encounter = record(officer, child_doc)
    with pytest.raises(EncounterError) as err:
        services.decision_override(
            actor=officer,
            encounter_id=encounter.pk,
            authority="title_42",
            pathway="expulsion",
            destination="GTM",
            reason="Officer believes the child is an adult.",
        )
    assert err.value.code == C.OVERRIDE_UNLAWFUL_FOR_CHILD
    assert Override.objects.count() == 0


def test_override_review(officer: User, supervisor: User, adult_doc: dict[str, Any]) -> None:
    encounter = record(officer, adult_doc)
    override = services.decision_override(
        actor=officer,
        encounter_id=encounter.pk,
        authority="title_8",
        pathway="processing",
        destination=None,
        reason="Manifested fear and has a medical condition.",
    )
    with pytest.raises(EncounterError) as err:
        services.override_review(actor=supervisor, override_id=override.pk, verdict="overturned")
    assert err.value.code == C.REVIEW_NOTE_REQUIRED
    with pytest.raises(EncounterError) as err:
        services.override_review(actor=supervisor, override_id=override.pk, verdict="maybe")
    assert err.value.code == C.VERDICT_INVALID
    reviewed = services.override_review(actor=supervisor, override_id=override.pk, verdict="upheld")
    assert (reviewed.verdict, reviewed.reviewed_by) == ("upheld", supervisor)
    assert not selectors.overrides_awaiting_review().exists()
    with pytest.raises(EncounterError) as err:
        services.override_review(actor=supervisor, override_id=override.pk, verdict="upheld")
    assert err.value.code == C.OVERRIDE_ALREADY_REVIEWED


def test_supervisor_cannot_review_own_override(supervisor: User, adult_doc: dict[str, Any]) -> None:
    encounter = record(supervisor, adult_doc)
    override = services.decision_override(
        actor=supervisor,
        encounter_id=encounter.pk,
        authority="title_8",
        pathway="processing",
        destination=None,
        reason="Humanitarian exception on site.",
    )
    with pytest.raises(EncounterError) as err:
        services.override_review(actor=supervisor, override_id=override.pk, verdict="upheld")
    assert err.value.code == C.SELF_REVIEW
    override.refresh_from_db()
    assert override.reviewed_at is None


# --- custody clocks -----------------------------------------------------------------------


def test_overdue_and_near_due_selectors(
    officer: User, child_doc: dict[str, Any], adult_doc: dict[str, Any]
) -> None:
    now = timezone.now()
    overdue = record(officer, child_doc, booked_in_at=now - timedelta(hours=80)).custodies.get()
    child_doc["time"] = "10:00"
    near = record(officer, child_doc, booked_in_at=now - timedelta(hours=65)).custodies.get()
    child_doc["time"] = "11:00"
    fresh = record(officer, child_doc, booked_in_at=now - timedelta(hours=1)).custodies.get()
    no_limit = record(officer, adult_doc).custodies.get()
    assert list(selectors.custodies_overdue(now=now)) == [overdue]
    assert list(selectors.custodies_near_due(now=now, within_hours=12)) == [near]
    assert set(selectors.custodies_open()) == {overdue, near, fresh, no_limit}
    clocks = selectors.custody_list(actor=officer, status="open", scope="all", now=now)
    assert [c.custody for c in clocks] == [overdue, near, fresh, no_limit]
    assert [c.overdue for c in clocks] == [True, False, False, False]
    assert [c.near_due for c in clocks] == [False, True, False, False]
    assert clocks[0].seconds_remaining == -8 * 3600
    assert clocks[1].seconds_remaining == 7 * 3600
    assert clocks[3].seconds_remaining is None


def test_custody_list_refuses_an_unknown_filter(officer: User) -> None:
    with pytest.raises(EncounterError) as err:
        selectors.custody_list(actor=officer, status="late")
    assert (err.value.code, err.value.field) == (C.STATUS_FILTER_INVALID, "status")


# --- book-out and the family invariant ----------------------------------------------------


def family_custodies(
    officer: User, family_doc: dict[str, Any]
) -> tuple[Encounter, Custody, Custody]:
    encounter = record(officer, family_doc)
    services.decision_confirm(actor=officer, encounter_id=encounter.pk)
    parent, child = encounter.custodies.order_by("id")
    return encounter, parent, child


def test_book_out_needs_a_settled_decision(officer: User, child_doc: dict[str, Any]) -> None:
    encounter = record(officer, child_doc)
    custody = encounter.custodies.get()
    with pytest.raises(EncounterError) as err:
        services.custody_book_out(actor=officer, custody_id=custody.pk, outcome="transferred_orr")
    assert err.value.code == C.DECISION_PENDING
    custody.refresh_from_db()
    assert custody.is_open


def test_family_leaves_with_one_outcome(officer: User, family_doc: dict[str, Any]) -> None:
    # Two parents: the father may leave first (the mother stays with the child); the family's
    # outcome is then set.
    father = {"age": 35, "nationality": "HND", "role": "adult", "relationship": "parent"}
    family_doc["people"].insert(1, father)
    encounter = record(officer, family_doc)
    services.decision_confirm(actor=officer, encounter_id=encounter.pk)
    mother, dad, child = encounter.custodies.order_by("id")
    services.custody_book_out(actor=officer, custody_id=dad.pk, outcome="expelled")
    before = counts()
    with pytest.raises(EncounterError) as err:
        services.custody_book_out(
            actor=officer, custody_id=mother.pk, outcome="released_nta", family=True
        )
    assert err.value.code == C.FAMILY_OUTCOME_DIFFERS and err.value.status == 409
    assert err.value.params == {
        "family_outcome": "Expelled",
        "outcome": "Released with a notice to appear",
    }
    # Nothing changed; the refusal is on the record.
    assert counts() == {**before, "AuditEntry": before["AuditEntry"] + 1}
    assert AuditEntry.objects.latest("id").note == "family_outcome_differs"
    done = services.custody_book_out(
        actor=officer, custody_id=child.pk, outcome="expelled", family=True
    )
    assert (done.outcome, done.booked_out_by) == ("expelled", officer)
    mother.refresh_from_db()
    assert (mother.outcome, mother.booked_out_at) == ("expelled", done.booked_out_at)
    with pytest.raises(EncounterError) as err:
        services.custody_book_out(actor=officer, custody_id=child.pk, outcome="expelled")
    assert err.value.code == C.CUSTODY_CLOSED


def test_exception_approved_by_another_supervisor_opens_a_reunification_task(
    officer: User, supervisor: User, family_doc: dict[str, Any]
) -> None:
    encounter, parent, child = family_custodies(officer, family_doc)
    exception = services.family_exception_request(
        actor=officer,
        custody_id=child.pk,
        outcome="transferred_orr",
        reason="Child needs hospital care in the United States.",
    )
    with pytest.raises(EncounterError) as err:
        services.custody_book_out(actor=officer, custody_id=child.pk, outcome="transferred_orr")
    assert err.value.code == C.FAMILY_CHILD_LEFT_ALONE  # still pending
    approved = services.family_exception_approve(
        actor=supervisor, exception_id=exception.pk, note="Hospital admission confirmed."
    )
    assert approved.status == "approved"
    task = ReunificationTask.objects.get()
    assert (task.exception, task.family_unit, task.person_id, task.status) == (
        approved,
        encounter.family_unit,
        child.person_id,
        "open",
    )
    done = services.custody_book_out(actor=officer, custody_id=child.pk, outcome="transferred_orr")
    assert done.family_exception == approved
    # The parent leaves alone: no child of the unit is left in custody.
    services.custody_book_out(actor=officer, custody_id=parent.pk, outcome="expelled")
    closed = services.reunification_task_close(
        actor=officer, task_id=task.pk, note="Parent located through consulate; case linked."
    )
    assert closed.status == "closed"
    with pytest.raises(EncounterError) as err:
        services.reunification_task_close(actor=officer, task_id=task.pk, note="Closing again....")
    assert err.value.code == C.TASK_CLOSED


def test_member_with_exception_may_leave_first(
    officer: User, supervisor: User, family_doc: dict[str, Any]
) -> None:
    _, parent, child = family_custodies(officer, family_doc)
    exception = services.family_exception_request(
        actor=officer,
        custody_id=parent.pk,
        outcome="transferred_ice",
        reason="Outstanding criminal warrant requires ICE custody.",
    )
    services.family_exception_approve(
        actor=supervisor, exception_id=exception.pk, note="Warrant verified in NCIC."
    )
    services.custody_book_out(actor=officer, custody_id=parent.pk, outcome="transferred_ice")
    # The parent left under the exception: the family's outcome is still open for the child.
    done = services.custody_book_out(actor=officer, custody_id=child.pk, outcome="released_nta")
    assert done.outcome == "released_nta"


def test_exception_rules(
    officer: User, supervisor: User, family_doc: dict[str, Any], adult_doc: dict[str, Any]
) -> None:
    _, _parent, child = family_custodies(officer, family_doc)
    with pytest.raises(EncounterError) as err:
        services.family_exception_request(
            actor=officer, custody_id=child.pk, outcome="transferred_orr", reason="short"
        )
    assert err.value.code == C.EXCEPTION_REASON_REQUIRED
    single = record(officer, adult_doc).custodies.get()
    with pytest.raises(EncounterError) as err:
        services.family_exception_request(
            actor=officer,
            custody_id=single.pk,
            outcome="released_nta",
            reason="Not a family member at all here.",
        )
    assert err.value.code == C.EXCEPTION_NOT_FAMILY
    exception = services.family_exception_request(
        actor=supervisor,
        custody_id=child.pk,
        outcome="transferred_orr",
        reason="Child needs hospital care in the United States.",
    )
    with pytest.raises(EncounterError) as err:
        services.family_exception_request(
            actor=officer,
            custody_id=child.pk,
            outcome="transferred_orr",
            reason="Child needs hospital care in the United States.",
        )
    assert err.value.code == C.EXCEPTION_PENDING_EXISTS
    with pytest.raises(EncounterError) as err:
        services.family_exception_approve(
            actor=supervisor, exception_id=exception.pk, note="Approving my own request."
        )
    assert err.value.code == C.SELF_APPROVAL
    with pytest.raises(Forbidden) as perr:
        services.family_exception_approve(
            actor=officer, exception_id=exception.pk, note="Officers cannot approve."
        )
    assert perr.value.code == CoreErrorCode.FORBIDDEN
    exception.refresh_from_db()
    assert exception.status == "pending"
    assert ReunificationTask.objects.count() == 0


def test_denied_exception_opens_no_task(
    officer: User, supervisor: User, family_doc: dict[str, Any]
) -> None:
    _, _parent, child = family_custodies(officer, family_doc)
    exception = services.family_exception_request(
        actor=officer,
        custody_id=child.pk,
        outcome="transferred_orr",
        reason="Child needs hospital care in the United States.",
    )
    denied = services.family_exception_deny(
        actor=supervisor, exception_id=exception.pk, note="Care available with the parent."
    )
    assert denied.status == "denied"
    assert ReunificationTask.objects.count() == 0
    with pytest.raises(EncounterError) as err:
        services.family_exception_approve(
            actor=supervisor, exception_id=exception.pk, note="Changed my mind here."
        )
    assert err.value.code == C.EXCEPTION_ALREADY_DECIDED


def test_refused_service_call_is_audited_and_changes_nothing(
    user_of: Callable[..., User], family_doc: dict[str, Any]
) -> None:
    analyst = user_of("analyst")
    before = counts()
    with pytest.raises(Forbidden) as err:
        record(analyst, family_doc)
    assert err.value.code == CoreErrorCode.FORBIDDEN
    after = counts()
    assert after["AuditEntry"] == before["AuditEntry"] + 1
    assert {k: v for k, v in after.items() if k != "AuditEntry"} == {
        k: v for k, v in before.items() if k != "AuditEntry"
    }
    assert AuditEntry.objects.latest("id").action == AuditAction.REFUSED


def test_person_only_vulnerabilities_stay_on_the_person(
    officer: User, family_doc: dict[str, Any]
) -> None:
    family_doc["people"][0]["vulnerabilities"] = ["pregnancy", "violence_in_mexico"]
    encounter = record(officer, family_doc)
    assert encounter.document["people"][0]["vulnerabilities"] == ["pregnancy"]
    mother = encounter.participants.get(position=0).person
    assert mother.vulnerabilities == ["pregnancy", "violence_in_mexico"]
    assert [e.pk for e in selectors.encounters_of_person(mother.pk)] == [encounter.pk]


def test_preview_writes_nothing_and_needs_the_right(
    officer: User, user_of: Callable[..., User], family_doc: dict[str, Any]
) -> None:
    before = counts()
    prepared = selectors.encounter_preview(actor=officer, document=family_doc)
    assert prepared.result["demographic"] == "family_unit"
    assert counts() == before
    with pytest.raises(Forbidden):
        selectors.encounter_preview(actor=user_of("analyst"), document=family_doc)


def test_custodies_with_a_due_time_come_first_on_every_database(
    officer: User, child_doc: dict[str, Any], adult_doc: dict[str, Any]
) -> None:
    record(officer, adult_doc)
    adult_doc["time"] = "11:30"
    record(officer, adult_doc)
    child = record(officer, child_doc).custodies.get()
    clocks = selectors.custody_list(actor=officer, status="open", scope="all", limit=1)
    assert [c.custody for c in clocks] == [child]


def test_reasons_and_notes_have_a_maximum_length(officer: User, adult_doc: dict[str, Any]) -> None:
    encounter = record(officer, adult_doc)
    with pytest.raises(EncounterError) as err:
        services.decision_override(
            actor=officer,
            encounter_id=encounter.pk,
            authority="title_8",
            pathway="processing",
            destination=None,
            reason="x" * (services.MAX_TEXT + 1),
        )
    assert (err.value.code, err.value.field) == (C.TEXT_TOO_LONG, "reason")
    assert err.value.message == f"Write at most {services.MAX_TEXT} characters."
    assert Override.objects.count() == 0


def test_unaccompanied_child_cannot_be_booked_out_as_expelled(
    officer: User, child_doc: dict[str, Any]
) -> None:
    encounter = record(officer, child_doc)
    services.decision_confirm(actor=officer, encounter_id=encounter.pk)
    custody = encounter.custodies.get()
    for outcome in ("expelled", "returned_mpp"):
        with pytest.raises(EncounterError) as err:
            services.custody_book_out(actor=officer, custody_id=custody.pk, outcome=outcome)
        assert (err.value.code, err.value.status) == (C.OUTCOME_UNLAWFUL_FOR_CHILD, 409)
    custody.refresh_from_db()
    assert custody.is_open
    done = services.custody_book_out(
        actor=officer, custody_id=custody.pk, outcome="transferred_orr"
    )
    assert done.outcome == "transferred_orr"


def test_relationship_child_is_accepted_for_a_child(
    officer: User, family_doc: dict[str, Any]
) -> None:
    family_doc["people"][1]["relationship"] = "child"
    encounter = record(officer, family_doc)
    assert "relationship" not in encounter.document["people"][1]
    assert encounter.participants.get(position=1).relationship == "child"
    assert encounter.decision.demographic == "family_unit"
