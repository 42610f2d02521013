"""Check-in at the port: the whole family, by QR token or registration number; the encounter
starts pre-filled and linked; a member alone needs a supervisor's reasoned exception."""

from __future__ import annotations

import pytest
from appointment_helpers import DAY, at
from django.utils import translation

from asilo.web.appointments import services
from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.models import Appointment, AppointmentStatus, CheckinException
from asilo.web.appointments.tokens import notice_token
from asilo.web.audit.models import AuditEntry
from asilo.web.core.errors import Forbidden
from asilo.web.encounters.models import Encounter

AT_PORT = at("2023-06-15 09:20")


@pytest.fixture
def booked(register, set_capacity, run_allocation) -> Appointment:
    registration = register(size=3)
    set_capacity({"San Ysidro": 10})
    run_allocation()
    return Appointment.objects.select_related("registration").get(registration=registration)


def test_whole_family_check_in_starts_the_encounter_pre_filled(booked, officer) -> None:
    appointment = services.appointment_for_code(actor=officer, code=notice_token(booked.pk))
    assert appointment.pk == booked.pk
    done = services.appointment_check_in(actor=officer, appointment_id=booked.pk, now=AT_PORT)
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CHECKED_IN
    assert booked.encounter_id == done.encounter.pk
    assert booked.checked_in_positions == [0, 1, 2]
    encounter = Encounter.objects.get(pk=done.encounter.pk)
    assert encounter.place_name == "San Ysidro" and encounter.component == "OFO"
    assert encounter.encounter_date == DAY
    assert encounter.document["cbp_one_appointment"] is True
    people = [
        p.person for p in encounter.participants.select_related("person").order_by("position")
    ]
    assert [p.given_names for p in people] == ["Jean Baptiste", "Marie", "Widlyne"]
    assert [p.first_surname for p in people] == ["Pierre", "Joseph", "Pierre Joseph"]
    roles = [p["role"] for p in encounter.document["people"]]
    assert roles == ["adult", "adult", "child"]
    assert encounter.document["people"][0]["relationship"] == "parent"
    assert encounter.family_unit is not None
    assert AuditEntry.objects.filter(action="check_in", object_id=str(booked.pk)).exists()


def test_check_in_by_registration_number(booked, officer) -> None:
    number = booked.registration.number
    found = services.appointment_for_code(actor=officer, code=number.replace("-", "")[1:].lower())
    assert found.pk == booked.pk
    assert services.appointment_for_code(actor=officer, code=f"  {number} ").pk == booked.pk


def test_member_alone_refused_without_exception(booked, officer) -> None:
    with pytest.raises(AppointmentError) as err:
        services.appointment_check_in(
            actor=officer, appointment_id=booked.pk, positions=[0], now=AT_PORT
        )
    assert err.value.code == "member_alone_needs_exception"
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED and booked.encounter_id is None
    assert Encounter.objects.count() == 0


def test_member_alone_with_supervisor_exception(booked, officer, supervisor) -> None:
    with pytest.raises(Forbidden) as err:
        services.checkin_exception_grant(
            actor=officer, appointment_id=booked.pk, positions=[0, 2], reason="x" * 30
        )
    assert err.value.code == "forbidden"
    with pytest.raises(AppointmentError) as err:
        services.checkin_exception_grant(
            actor=supervisor, appointment_id=booked.pk, positions=[0, 2], reason="too short"
        )
    assert err.value.code == "exception_reason_required"
    with translation.override("en"):  # the same words as a family exception in custody
        assert err.value.message == "Write the reason for the exception (15 characters or more)."
    with pytest.raises(AppointmentError) as err:
        services.checkin_exception_grant(
            actor=supervisor, appointment_id=booked.pk, positions=[0, 1, 2], reason="x" * 30
        )
    assert err.value.code == "exception_whole_family"
    exception = services.checkin_exception_grant(
        actor=supervisor,
        appointment_id=booked.pk,
        positions=["2", 0],
        reason="Mother in hospital in Tijuana; father and child cross today.",
    )
    assert exception.positions == [0, 2]
    # The exception is for exactly these members: another subset is still refused.
    with pytest.raises(AppointmentError):
        services.appointment_check_in(
            actor=officer, appointment_id=booked.pk, positions=[0], now=AT_PORT
        )
    done = services.appointment_check_in(
        actor=officer, appointment_id=booked.pk, positions=[2, 0], now=AT_PORT
    )
    assert done.positions == [0, 2]
    assert done.encounter.participants.count() == 2
    assert CheckinException.objects.get(pk=exception.pk).used_at is not None


def test_check_in_twice_and_other_day_refused(booked, officer) -> None:
    with pytest.raises(AppointmentError) as err:
        services.appointment_check_in(
            actor=officer, appointment_id=booked.pk, now=at("2023-06-16 09:00")
        )
    assert err.value.code == "not_today"
    services.appointment_check_in(actor=officer, appointment_id=booked.pk, now=AT_PORT)
    with pytest.raises(AppointmentError) as err:
        services.appointment_check_in(actor=officer, appointment_id=booked.pk, now=AT_PORT)
    assert err.value.code == "already_checked_in" and err.value.status == 409
    assert Encounter.objects.count() == 1


@pytest.mark.parametrize("members", [[], [7], ["x"]])
def test_bad_member_positions_refused(booked, officer, members) -> None:
    with pytest.raises(AppointmentError) as err:
        services.appointment_check_in(
            actor=officer, appointment_id=booked.pk, positions=members, now=AT_PORT
        )
    assert err.value.code == "members_invalid"


def test_caseworker_may_not_check_in(booked, make_user) -> None:
    caseworker = make_user("caseworker")
    with pytest.raises(Forbidden) as err:
        services.appointment_check_in(actor=caseworker, appointment_id=booked.pk, now=AT_PORT)
    assert err.value.code == "forbidden"


def test_empty_and_unknown_codes(booked, officer) -> None:
    # Issue 10: an unknown number says only that no registration has it (it used to say
    # "This registration has no appointment", revealing that it exists).
    for code, expected in [("", "code_required"), ("R-ZZZZ-ZZZZ", "registration_not_found")]:
        with pytest.raises(AppointmentError) as err:
            services.appointment_for_code(actor=officer, code=code)
        assert err.value.code == expected

    with translation.override("en"):
        assert err.value.message == "No registration has this number."


def test_the_number_is_found_with_or_without_dashes_in_any_case(booked, officer) -> None:
    """Issue 10: check-in refused ``RNNMEG2PZ`` (typed without dashes) that the status page
    accepted."""
    number = booked.registration.number  # R-XXXX-XXXX
    plain = number.replace("-", "")
    for typed in (
        number,
        plain,
        plain.lower(),
        plain[1:],
        f" {number.lower()} ",
        plain[:5] + " " + plain[5:],
    ):
        found = services.appointment_for_code(actor=officer, code=typed)
        assert found.pk == booked.pk, typed


def test_the_principals_mother_is_not_the_childrens_parent_at_the_port(
    register, set_capacity, run_allocation, officer
) -> None:
    """Issue 12: registration's "parent" (the principal's mother or father) and border
    processing's "parent" (a parent of the children) are opposite answers under one word.
    Checked in, the grandmother travels as the children's other relative, the principal as
    their parent."""
    from appointment_helpers import MEMBERS

    grandmother = {
        "given_names": "Rose",
        "surnames": "Pierre",
        "date_of_birth": "1960-01-20",
        "sex": "female",
        "nationality": "HTI",
        "relationship": "parent",
    }
    members = [MEMBERS[0], grandmother, MEMBERS[2]]
    registration = register(size=3, members=members)
    set_capacity({"San Ysidro": 10})
    run_allocation()
    booked = Appointment.objects.get(registration=registration)
    done = services.appointment_check_in(actor=officer, appointment_id=booked.pk, now=AT_PORT)
    people = Encounter.objects.get(pk=done.encounter.pk).document["people"]
    assert [p.get("relationship") for p in people] == ["parent", "other_relative", None]


def test_an_overridden_decision_closes_the_registration_as_processed_too(booked, officer) -> None:
    """Issue 10: nothing set ``closed (processed)``. The officer settles the decision of the
    encounter the check-in started (here by an override): the registration closes."""
    from asilo.web.encounters.services import decision_override

    done = services.appointment_check_in(actor=officer, appointment_id=booked.pk, now=AT_PORT)
    registration = booked.registration
    registration.refresh_from_db()
    assert registration.status == "checked_in"
    decision = done.encounter.decision
    pathway = "aca_transfer" if decision.pathway != "aca_transfer" else "processing"
    decision_override(
        actor=officer,
        encounter_id=done.encounter.pk,
        authority="title_8",
        pathway=pathway,
        destination=None,
        reason="The family holds a document the engine did not weigh.",
    )
    registration.refresh_from_db()
    assert (registration.status, registration.closed_reason) == ("closed", "processed")
    last = registration.status_changes.order_by("at", "id").last()
    assert (last.from_status, last.reason_code) == ("checked_in", "processed")
    assert AuditEntry.objects.filter(
        object_type="registrations.registration",
        object_id=str(registration.pk),
        note="the encounter's decision was settled",
    ).exists()


def test_settling_an_encounter_without_a_check_in_changes_no_registration(booked, officer) -> None:
    """An encounter recorded at the port for someone else (no appointment) leaves every
    registration as it was; the booked family stays offered."""
    from asilo.web.encounters.services import (
        decision_confirm,
        encounter_record,
        prepare_encounter,
    )

    document = services.encounter_document(
        booked, list(booked.registration.members.all()), on=DAY, at=AT_PORT
    )
    recorded = encounter_record(
        actor=officer, prepared=prepare_encounter(document, now=AT_PORT), now=AT_PORT
    )
    decision_confirm(actor=officer, encounter_id=recorded.encounter.pk)
    booked.registration.refresh_from_db()
    assert booked.registration.status == "offered"
