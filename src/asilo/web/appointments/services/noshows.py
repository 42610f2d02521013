"""The end of a day: every appointment still booked becomes a no-show; a family's first
no-show puts it back in the queue with its original priority."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from asilo.web.appointments import selectors
from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.errors import AppointmentErrorCode as C
from asilo.web.appointments.models import (
    Appointment,
    AppointmentStatus,
    MessageKind,
)
from asilo.web.appointments.selectors import day_over
from asilo.web.appointments.services.common import (
    APPOINTMENT,
    where_and_when,
)
from asilo.web.appointments.services.notices import deliver_after_commit, queue_messages
from asilo.web.core.access import require
from asilo.web.core.roles import Capability
from asilo.web.core.status_moves import status_move
from asilo.web.registrations import lifecycle
from asilo.web.registrations.models import (
    Status,
)
from asilo.web.registrations.services.common import FamilyOrStaff


@dataclass(frozen=True)
class DayClosed:
    day: date
    no_shows: list[int]
    back_in_queue: int


def appointments_close_day(
    *, actor: FamilyOrStaff, day: date, now: datetime | None = None
) -> DayClosed:
    """After ``day`` (today too, once its last window is over): every appointment on or
    before it still booked becomes a no-show. A
    family's first no-show puts it back in the queue with its original priority (its
    registration date is kept); after a second it stays out."""
    if actor is not None:
        require(actor, Capability.ALLOCATION_RUN, object_type=APPOINTMENT)
    now = now or timezone.now()
    if not day_over(day, now):
        raise AppointmentError(C.DAY_NOT_OVER, "date", date=day.isoformat())
    with transaction.atomic():
        missed = list(
            Appointment.objects.select_for_update()
            .select_related("registration")
            .filter(status=AppointmentStatus.BOOKED, date__lte=day)
            .order_by("id")
        )
        back = 0
        for appointment in missed:
            registration = appointment.registration
            # A family's first no-show (none before this one) puts it back in the queue.
            returns = selectors.no_show_count(registration) == 0
            status_move(
                appointment,
                actor=actor,
                to=AppointmentStatus.NO_SHOW,
                after={"back_in_queue": returns},
                note=f"day {day.isoformat()} closed",
                status_changed_at=now,
            )
            back += int(returns)
            if registration.status == Status.OFFERED:
                lifecycle.registration_status_change(
                    actor=actor,
                    registration=registration,
                    to_status=Status.NO_SHOW,
                    reason_code="no_show" if returns else "no_show_final",
                    reason_params=where_and_when(appointment),
                    now=now,
                    note=f"day {day.isoformat()} closed",
                )
                if returns:
                    lifecycle.registration_status_change(
                        actor=actor,
                        registration=registration,
                        to_status=Status.WAITING,
                        reason_code="no_show_requeued",
                        reason_params={},
                        now=now,
                        note="back in the queue once after a no-show",
                    )
        ids = queue_messages(missed, MessageKind.NO_SHOW, now=now)
        deliver_after_commit(ids)
    return DayClosed(day=day, no_shows=[a.pk for a in missed], back_in_queue=back)
