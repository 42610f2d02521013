"""Check-in at the port: the appointment a QR code or a typed number points to, a supervisor's
exception for part of a family, and the check-in that starts the family's encounter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.errors import AppointmentErrorCode as C
from asilo.web.appointments.models import (
    Appointment,
    AppointmentStatus,
    CheckinException,
)
from asilo.web.appointments.ports import zone_of
from asilo.web.appointments.tokens import appointment_id_from_token
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.core.access import require
from asilo.web.core.actors import Actor
from asilo.web.core.relationships import to_children
from asilo.web.core.roles import Capability
from asilo.web.core.status_moves import status_move
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.services import EncounterErrors, encounter_record, prepare_encounter
from asilo.web.people.errors import DomainError
from asilo.web.registrations import lifecycle
from asilo.web.registrations.eligibility import member_age_on
from asilo.web.registrations.models import (
    ClosedReason,
    Member,
    Registration,
    Status,
)
from asilo.web.registrations.numbers import normalise_number

if TYPE_CHECKING:
    from asilo.web.accounts.models import User
    from asilo.web.encounters.models import Encounter

from asilo.web.appointments import selectors
from asilo.web.appointments.services.common import (
    APPOINTMENT,
    EXCEPTION,
    MIN_REASON,
    where_and_when,
)


def appointment_for_code(*, actor: Actor, code: str, now: datetime | None = None) -> Appointment:
    """The appointment a scanned QR token or a typed registration number points to."""
    require(actor, Capability.CHECKIN_PERFORM, object_type=APPOINTMENT)
    code = (code or "").strip()
    if not code:
        raise AppointmentError(C.CODE_REQUIRED, "code")
    if ":" not in code:
        # A typed registration number: any case, with or without dashes or spaces, with or
        # without the leading R (a signed token always holds a colon).
        number = normalise_number(code)
        if not Registration.objects.filter(number=number).exists():
            raise AppointmentError(C.REGISTRATION_NOT_FOUND, "code")
        appointment = selectors.current_appointment(number)
        if appointment is None:
            raise AppointmentError(C.NO_APPOINTMENT_TODAY, "code")
        return appointment
    appointment_id = appointment_id_from_token(code)
    appointment = (
        Appointment.objects.select_related("registration").filter(pk=appointment_id).first()
    )
    if appointment is None:
        raise AppointmentError(C.TOKEN_INVALID, "code")
    return appointment


def _members(registration: Registration) -> list[Member]:
    return list(Member.objects.filter(registration=registration).order_by("position"))


def _positions(raw: Sequence[Any] | None, members: list[Member]) -> list[int]:
    every = [m.position for m in members]
    if raw is None:
        return every
    try:
        chosen = sorted({int(p) for p in raw})
    except (TypeError, ValueError) as exc:
        raise AppointmentError(C.MEMBERS_INVALID, "members") from exc
    if not chosen or not set(chosen) <= set(every):
        raise AppointmentError(C.MEMBERS_INVALID, "members")
    return chosen


def checkin_exception_grant(
    *,
    actor: User,
    appointment_id: int,
    positions: Sequence[Any],
    reason: str,
    now: datetime | None = None,
) -> CheckinException:
    """A supervisor's reasoned leave to check in only the members at ``positions``."""
    require(
        actor, Capability.FAMILY_EXCEPTION_APPROVE, object_type=EXCEPTION, object_id=appointment_id
    )
    now = now or timezone.now()
    reason = " ".join((reason or "").split())
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().filter(pk=appointment_id).first()
        if appointment is None:
            raise AppointmentError(C.APPOINTMENT_NOT_FOUND)
        if appointment.status != AppointmentStatus.BOOKED:
            raise AppointmentError(C.NOT_BOOKED, status=appointment.get_status_display())
        members = _members(appointment.registration)
        chosen = _positions(positions, members)
        if len(chosen) == len(members):
            raise AppointmentError(C.EXCEPTION_WHOLE_FAMILY, "members")
        if len(reason) < MIN_REASON:
            raise AppointmentError(C.EXCEPTION_REASON_REQUIRED, "reason", minimum=MIN_REASON)
        exception = CheckinException.objects.create(
            appointment=appointment,
            positions=chosen,
            reason=reason,
            granted_by=actor,
            granted_at=now,
        )
        audit_change(
            actor=actor,
            action=AuditAction.APPROVE,
            obj=exception,
            after={"appointment": appointment.pk, "positions": chosen, "of": len(members)},
        )
    return exception


@dataclass(frozen=True)
class CheckIn:
    appointment: Appointment
    encounter: Encounter
    positions: list[int]


def encounter_document(
    appointment: Appointment, members: list[Member], *, on: date, at: datetime
) -> dict[str, Any]:
    """The encounter at the port, pre-filled from the registration: the members with their
    identities, ``cbp_one_appointment: true``, and the MPP case when there is one.

    An adult's relationship to the children travelling: ``parent`` for the person registering
    and their spouse when their sons or daughters travel, ``legal_guardian`` for the person
    registering with a child in their legal care, ``other_relative`` for other relatives."""
    registration = appointment.registration
    registered_on = timezone.localdate(registration.registered_on)
    ages = {m.position: member_age_on(m, on, registered_on) for m in members}
    child_relationships = {m.relationship for m in members if ages[m.position] < 18}
    people = []
    for m in members:
        age = ages[m.position]
        person: dict[str, Any] = {
            "age": age,
            "nationality": m.nationality,
            "role": "child" if age < 18 else "adult",
            "given_names": m.given_names,
            "first_surname": m.surnames,
            "sex": m.sex,
        }
        if m.date_of_birth is not None:
            person["date_of_birth"] = m.date_of_birth.isoformat()
        if age >= 18:
            # Registration's "relationship to the person registering" becomes border
            # processing's "relationship to the children" (the one translation, in core).
            to_the_children = to_children(m.relationship, child_relationships)
            if to_the_children is not None:
                person["relationship"] = to_the_children.value
        if m.position == 0 and registration.a_number:
            person["a_number"] = registration.a_number
        people.append(person)
    document: dict[str, Any] = {
        "date": on.isoformat(),
        # The port's own clock: the encounters app reads the time in the place's time zone.
        "time": timezone.localtime(at, zone_of(appointment.port)).strftime("%H:%M"),
        "place": {"kind": "port_of_entry", "name": appointment.port},
        "people": people,
        "cbp_one_appointment": True,
    }
    if registration.mpp_case_status:
        document["mpp_case"] = {"status": registration.mpp_case_status}
    return document


def appointment_check_in(
    *,
    actor: User,
    appointment_id: int,
    positions: Sequence[Any] | None = None,
    now: datetime | None = None,
) -> CheckIn:
    """Check the family in and start its encounter at the port (the encounters app's
    ``encounter_record``), pre-filled and linked. Only the whole family, unless a supervisor
    granted an exception for exactly the members chosen."""
    require(actor, Capability.CHECKIN_PERFORM, object_type=APPOINTMENT, object_id=appointment_id)
    now = now or timezone.now()
    on = timezone.localdate(now)  # refined below to the port's own date
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().filter(pk=appointment_id).first()
        if appointment is None:
            raise AppointmentError(C.APPOINTMENT_NOT_FOUND)
        if appointment.status == AppointmentStatus.CHECKED_IN:
            raise AppointmentError(C.ALREADY_CHECKED_IN)
        if appointment.status != AppointmentStatus.BOOKED:
            raise AppointmentError(C.NOT_BOOKED, status=appointment.get_status_display())
        on = timezone.localtime(now, zone_of(appointment.port)).date()
        if appointment.date != on:
            raise AppointmentError(C.NOT_TODAY, date=appointment.date.isoformat())
        members = _members(appointment.registration)
        chosen = _positions(positions, members)
        exception = None
        if len(chosen) < len(members):
            exception = (
                CheckinException.objects.select_for_update()
                .filter(appointment=appointment, positions=chosen, used_at__isnull=True)
                .first()
            )
            if exception is None:
                raise AppointmentError(C.MEMBER_ALONE_NEEDS_EXCEPTION, "members")
        present = [m for m in members if m.position in chosen]
        document = encounter_document(appointment, present, on=on, at=now)
        try:
            recorded = encounter_record(
                actor=actor,
                prepared=prepare_encounter(document, now=now),
                client_request_id=f"appointment-{appointment.pk}",
                now=now,
            )
        except EncounterErrors as exc:
            detail = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
            raise AppointmentError(C.ENCOUNTER_REFUSED, None, detail=detail) from exc
        except (EncounterError, DomainError) as exc:
            raise AppointmentError(C.ENCOUNTER_REFUSED, None, detail=exc.message) from exc
        if exception is not None:
            exception.used_at = now
            exception.save(update_fields=["used_at"])
        status_move(
            appointment,
            actor=actor,
            to=AppointmentStatus.CHECKED_IN,
            action=AuditAction.CHECK_IN,
            after={
                "encounter": recorded.encounter.pk,
                "positions": chosen,
                "of": len(members),
                "exception": exception.pk if exception else None,
            },
            status_changed_at=now,
            checked_in_at=now,
            checked_in_by=actor,
            checked_in_positions=chosen,
            encounter=recorded.encounter,
        )
        lifecycle.registration_status_change(
            actor=actor,
            registration=appointment.registration,
            to_status=Status.CHECKED_IN,
            reason_code="checked_in",
            reason_params=where_and_when(appointment),
            now=now,
            note="checked in",
        )
    return CheckIn(appointment=appointment, encounter=recorded.encounter, positions=chosen)


def registration_processed(*, actor: Actor, encounter: Encounter) -> None:
    """The officer settled the decision of the encounter a check-in started (confirmed or
    overridden it): the family's registration closes as processed, through the lifecycle's
    one service, in the decision's transaction. Any other encounter is left alone.

    Registered with ``asilo.web.encounters.settled`` by this app's ``AppConfig.ready``."""
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("registration")
        .filter(encounter=encounter, status=AppointmentStatus.CHECKED_IN)
        .first()
    )
    if appointment is None or appointment.registration.status != Status.CHECKED_IN:
        return
    lifecycle.registration_status_change(
        actor=actor,
        registration=appointment.registration,
        to_status=Status.CLOSED,
        closed_reason=ClosedReason.PROCESSED,
        reason_code="processed",
        reason_params=where_and_when(appointment),
        note="the encounter's decision was settled",
    )
