"""The family's own changes to its appointment: it will not come (it leaves the queue), or it
cannot come that day and goes back to the queue with its original priority (once)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.errors import AppointmentErrorCode as C
from asilo.web.appointments.models import (
    Appointment,
    AppointmentStatus,
    MessageKind,
)
from asilo.web.appointments.services.common import (
    MAX_RESCHEDULES,
    locked_booked,
    may_act_for,
    where_and_when,
)
from asilo.web.appointments.services.notices import deliver_after_commit, queue_messages
from asilo.web.core.status_moves import status_move
from asilo.web.registrations import lifecycle
from asilo.web.registrations.models import (
    ClosedReason,
    Registration,
    Status,
)
from asilo.web.registrations.services.common import FamilyOrStaff


def appointment_change(
    *, actor: FamilyOrStaff, registration: Registration, action: str, now: datetime | None = None
) -> Appointment:
    """``cancel``: the family will not come (it leaves the queue); ``another_date``: the family
    cannot come that day and goes back to the queue with its original priority (once)."""
    may_act_for(actor, registration)
    if action not in ("cancel", "another_date"):
        raise AppointmentError(C.ACTION_INVALID, "action")
    now = now or timezone.now()
    with transaction.atomic():
        appointment = locked_booked(registration)
        if appointment.date < timezone.localdate(now):
            raise AppointmentError(C.TOO_LATE_TO_CHANGE)
        if action == "another_date":
            used = Appointment.objects.filter(
                registration=registration, status=AppointmentStatus.RESCHEDULED
            ).count()
            if used >= MAX_RESCHEDULES:
                raise AppointmentError(C.RESCHEDULE_USED)
        status_move(
            appointment,
            actor=actor,
            to=AppointmentStatus.CANCELLED if action == "cancel" else AppointmentStatus.RESCHEDULED,
            note=f"family asked: {action}",
            status_changed_at=now,
        )
        lifecycle.registration_status_change(
            actor=actor,
            registration=appointment.registration,
            to_status=Status.CLOSED if action == "cancel" else Status.WAITING,
            closed_reason=ClosedReason.WITHDRAWN if action == "cancel" else "",
            reason_code="cancelled" if action == "cancel" else "another_date",
            reason_params=where_and_when(appointment),
            now=now,
            note=f"family asked: {action}",
        )
        kind = MessageKind.CANCELLED if action == "cancel" else MessageKind.RESCHEDULED
        ids = queue_messages([appointment], kind, now=now)
        deliver_after_commit(ids)
    return appointment
