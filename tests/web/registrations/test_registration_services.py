"""Creating registrations through the service: idempotency, validation, tiers, encryption,
the first status with its reason, and the audit entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from registration_helpers import MPP, at

from asilo.web.audit.models import AuditEntry
from asilo.web.registrations import services
from asilo.web.registrations.errors import RegistrationError, RegistrationInputError
from asilo.web.registrations.models import (
    Channel,
    Member,
    Registration,
    ReviewTask,
    Status,
    TaskKind,
)

pytestmark = pytest.mark.django_db


def test_a_family_is_registered_once_with_number_pin_and_reason(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    result = submit(family())
    registration = result.registration
    assert result.created is True
    assert result.pin is not None and len(result.pin) == 6 and result.pin.isdigit()
    assert registration.number.startswith("R-") and len(registration.number) == 11
    assert registration.channel == Channel.SELF_SERVICE
    assert registration.organisation is None
    assert registration.status == Status.WAITING
    assert [m.relationship for m in registration.members.all()] == ["principal", "spouse", "child"]
    assert registration.members.get(position=2).age == 6
    assert registration.preferred_ports == ["San Ysidro", "Calexico"]
    assert registration.tier == 2
    # The engine's answer, then the code sent to the family's phone, typed back (issue 11).
    first, change, held, confirmed = registration.status_changes.order_by("at", "id")
    assert (held.to_status, held.reason_code) == (Status.NEEDS_VERIFICATION, "contact_unverified")
    assert (confirmed.to_status, confirmed.reason_code) == (Status.WAITING, "appointments_open")
    assert (first.from_status, first.to_status) == ("", Status.REGISTERED)
    assert first.reason_code == "registered" and first.reason_params == {"channel": "self_service"}
    assert (change.from_status, change.to_status) == (Status.REGISTERED, Status.WAITING)
    assert change.reason_code == "appointments_open"
    assert change.rule == "cbp_one/appointments"
    assert change.citation_url.startswith("https://")
    # A call-back task waits for every registration.
    assert registration.review_tasks.filter(kind=TaskKind.CALLBACK).count() == 1


def test_the_same_client_request_id_twice_makes_one_registration(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    doc = family()
    first = submit(doc)
    # The resubmission differs (a second tap after editing): the first registration wins.
    again = submit({**doc, "phone": "+52 664 999 0000"})
    assert again.created is False
    assert again.pin is None
    assert again.registration.pk == first.registration.pk
    assert Registration.objects.count() == 1
    assert Member.objects.count() == 3
    assert Registration.objects.get().contact_phone == "+526641234567"


def test_idempotency_holds_inside_the_create_service_too(
    family: Callable[..., dict[str, Any]], programs: dict[str, Any]
) -> None:
    from asilo.web.registrations.validation import clean_registration

    program = programs["port-appointments-2023"]
    cleaned = clean_registration(family(), program=program, on=at("2023-06-01 10:00").date())
    one = services.registration_create(
        actor=None, program=program, registration_input=cleaned, source="a"
    )
    two = services.registration_create(
        actor=None, program=program, registration_input=cleaned, source="b"
    )
    assert one.created and not two.created
    assert Registration.objects.count() == 1


def test_urgent_medical_need_is_tier_0_other_vulnerability_tier_1(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    urgent = submit(family(vulnerabilities=["pregnancy", "medical_emergency"])).registration
    vulnerable = submit(family(vulnerabilities=["disability"])).registration
    assert (urgent.tier, vulnerable.tier) == (0, 1)


def test_identifying_fields_are_encrypted_at_rest(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    registration = submit(family()).registration
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_phone, waiting_place FROM registrations_registration WHERE id = %s",
            [registration.pk],
        )
        phone, place = cursor.fetchone()
        cursor.execute(
            "SELECT given_names, surnames, date_of_birth FROM registrations_member"
            " WHERE registration_id = %s ORDER BY position",
            [registration.pk],
        )
        given, surnames, born = cursor.fetchone()
    for raw in (phone, place, given, surnames, born):
        assert raw.startswith("gAAAA"), "a Fernet token, not the value"
    assert "Jean" not in given and "1988" not in born and "664" not in phone
    assert Member.objects.get(registration=registration, position=0).given_names == "Jean Baptiste"


def test_the_audit_entry_carries_codes_never_names(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    registration = submit(family()).registration
    entry = AuditEntry.objects.get(
        object_type="registrations.registration", action="create", note__startswith="channel="
    )
    assert entry.object_id == str(registration.pk)
    assert entry.after["channel"] == "self_service" and entry.after["members"] == 3
    text = str(entry.after) + entry.note
    for personal in ("Jean", "Pierre", "Marie", "664", "Albergue"):
        assert personal not in text


def test_every_problem_is_reported_with_its_field_and_nothing_is_saved(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    doc = family(phone="12", email="", preferred_ports=["Tijuana"], languages=["Kreyol"])
    doc["members"][1]["date_of_birth"] = "2091-01-01"
    doc["members"][2]["age"] = ""
    doc["members"][2]["given_names"] = "W1dlyne"
    doc["members"][0]["nationality"] = "Haiti"
    with pytest.raises(RegistrationInputError) as caught:
        submit(doc)
    fields = {e.field: str(e.code) for e in caught.value.errors}
    assert fields == {
        "members[0].nationality": "nationality_invalid",
        "members[1].date_of_birth": "date_of_birth_in_future",
        "members[2].given_names": "name_invalid",
        "members[2].date_of_birth": "age_required",
        "phone": "phone_invalid",
        "preferred_ports[0]": "port_invalid",
        "languages[0]": "language_invalid",
    }
    assert Registration.objects.count() == 0
    assert ReviewTask.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"client_request_id": "not-a-uuid"}, "client_request_id", "client_request_id_invalid"),
        ({"members": []}, "members", "members_empty"),
        ({"phone": "", "whatsapp": "", "email": ""}, "phone", "contact_required"),
        ({"email": "nobody@"}, "email", "email_invalid"),
        ({"waiting_city": "Atlantis"}, "waiting_city", "city_invalid"),
        ({"preferred_ports": ["Calexico", "calexico"]}, "preferred_ports[1]", "port_repeated"),
        ({"vulnerabilities": ["rich"]}, "vulnerabilities[0]", "vulnerability_invalid"),
        ({"language": "de"}, "language", "language_invalid"),
        ({"a_number": "012345678"}, "a_number", "mpp_fields_not_in_program"),
    ],
)
def test_each_bad_value_gets_its_own_code(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    changes: dict[str, Any],
    field: str,
    code: str,
) -> None:
    with pytest.raises(RegistrationInputError) as caught:
        submit(family(**changes))
    assert (caught.value.errors[0].field, str(caught.value.errors[0].code)) == (field, code)
    assert Registration.objects.count() == 0


def test_principal_must_come_first(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    doc = family()
    doc["members"][0]["relationship"] = "spouse"
    doc["members"][1]["relationship"] = "principal"
    with pytest.raises(RegistrationInputError) as caught:
        submit(doc)
    assert {e.field: str(e.code) for e in caught.value.errors} == {
        "members[0].relationship": "principal_first",
        "members[1].relationship": "principal_twice",
    }


def test_unknown_or_closed_program_is_refused(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any], programs: dict[str, Any]
) -> None:
    with pytest.raises(RegistrationError) as caught:
        submit(family(program="nope"))
    assert caught.value.code == "program_not_found" and caught.value.status == 404
    programs[MPP].is_open = False
    programs[MPP].save()
    with pytest.raises(RegistrationError) as caught:
        submit(family(program=MPP))
    assert caught.value.code == "program_closed" and caught.value.status == 409


def test_mpp_fields_are_checked_together(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    with pytest.raises(RegistrationInputError) as caught:
        submit(
            family(program=MPP, a_number="A-12345", preferred_ports=["El Paso"]),
            now=at("2021-03-01 10:00"),
        )
    assert [str(e.code) for e in caught.value.errors] == [
        "a_number_invalid",
        "mpp_status_required",
    ]
    ok = submit(
        family(
            program=MPP,
            preferred_ports=[],
            a_number="A 012-345-678",
            mpp_case_status="active",
            mpp_enrolled_on="2019-08-01",
        ),
        now=at("2021-03-01 10:00"),
    ).registration
    assert ok.a_number == "012345678" and ok.status == Status.WAITING
    assert ok.status_changes.get(from_status="registered").reason_code == "mpp_eligible"


def test_caseworker_registration_is_assisted_and_belongs_to_their_organisation(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    registration = submit(family(phone=""), actor=caseworker).registration
    assert registration.channel == Channel.ASSISTED
    assert registration.organisation == caseworker.organisation
    assert registration.created_by == caseworker
    officer = make_user("officer")
    with pytest.raises(RegistrationError) as caught:
        submit(family(), actor=officer)
    assert caught.value.code == "forbidden"


@pytest.mark.parametrize(
    ("first", "to_status", "closed_reason"),
    [
        (None, Status.CHECKED_IN, ""),  # not a move the lifecycle has (waiting -> checked in)
        (None, Status.CLOSED, ""),  # a closure needs its reason
        (None, Status.NOT_ELIGIBLE, "ineligible"),  # a reason only goes with a closure
        (None, Status.CLOSED, "lost"),  # an unknown reason
        (("closed", "withdrawn"), Status.WAITING, ""),  # only a rule change's closure reopens
    ],
)
def test_the_lifecycle_refuses_a_move_it_does_not_allow_and_changes_nothing(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    first: tuple[str, str] | None,
    to_status: str,
    closed_reason: str,
) -> None:
    from asilo.web.registrations import lifecycle
    from asilo.web.registrations.models import StatusChange

    registration = submit(family()).registration
    if first is not None:
        lifecycle.registration_status_change(
            actor=None,
            registration=registration,
            to_status=first[0],
            closed_reason=first[1],
            reason_code="cancelled",
        )
    was = (registration.status, registration.closed_reason)
    rows = StatusChange.objects.count()
    with pytest.raises(RegistrationError) as err:
        lifecycle.registration_status_change(
            actor=None,
            registration=registration,
            to_status=to_status,
            closed_reason=closed_reason,
            reason_code="test",
        )
    assert err.value.code == "status_change_invalid"
    registration.refresh_from_db()
    assert (registration.status, registration.closed_reason) == was
    assert StatusChange.objects.count() == rows


def test_a_closure_for_a_rule_change_reopens(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    from asilo.web.registrations import lifecycle

    registration = submit(family()).registration
    for to_status, closed_reason in ((Status.CLOSED, "ineligible"), (Status.WAITING, "")):
        lifecycle.registration_status_change(
            actor=None,
            registration=registration,
            to_status=to_status,
            closed_reason=closed_reason,
            reason_code="rule_changed",
        )
    registration.refresh_from_db()
    assert (registration.status, registration.closed_reason) == (Status.WAITING, "")
    assert list(registration.status_changes.values_list("to_status", flat=True))[-2:] == [
        Status.CLOSED,
        Status.WAITING,
    ]
