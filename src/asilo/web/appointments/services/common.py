"""What the appointments services share: audited object types, limits, the actor as a user,
the family's right to act on its own appointment, and an appointment's place and time as a
reason's parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.errors import AppointmentErrorCode as C
from asilo.web.appointments.models import (
    Appointment,
    AppointmentStatus,
)
from asilo.web.core.access import require
from asilo.web.core.roles import Capability, has_capability
from asilo.web.registrations.models import Registration
from asilo.web.registrations.services.common import FamilyOrStaff

if TYPE_CHECKING:
    from asilo.web.accounts.models import User

CAPACITY = "appointments.portcapacity"
RUN = "appointments.allocationrun"
APPOINTMENT = "appointments.appointment"
EXCEPTION = "appointments.checkinexception"
REGISTRATION = "registrations.registration"
MAX_CAPACITY = 10_000
MIN_REASON = 15
RESEND_LIMIT_PER_DAY = 3
RESENT = "notice re-sent"
MAX_RESCHEDULES = 1
MAX_ATTEMPTS = 5


def user_of(actor: FamilyOrStaff) -> User | None:
    if actor is None or not actor.is_authenticated:
        return None
    return actor


def where_and_when(appointment: Appointment) -> dict[str, str]:
    return {
        "port": appointment.port,
        "date": appointment.date.isoformat(),
        "start": appointment.window_start.strftime("%H:%M"),
        "end": appointment.window_end.strftime("%H:%M"),
    }


def may_act_for(actor: FamilyOrStaff, registration: Registration) -> None:
    """The family itself (``actor`` None: signed in with number and PIN), a caseworker of its
    organisation, or staff who see every registration."""
    user = user_of(actor)
    if user is None:
        return
    if has_capability(user, Capability.REGISTRATION_VIEW_ALL):
        return
    if (
        has_capability(user, Capability.REGISTRATION_VIEW_ORGANISATION)
        and user.organisation_id is not None
        and user.organisation_id == registration.organisation_id
    ):
        return
    require(
        user, Capability.REGISTRATION_VIEW_ALL, object_type=REGISTRATION, object_id=registration.pk
    )


def locked_booked(registration: Registration) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("registration")
        .filter(registration=registration, status=AppointmentStatus.BOOKED)
        .first()
    )
    if appointment is None:
        raise AppointmentError(C.NO_BOOKED_APPOINTMENT)
    return appointment
