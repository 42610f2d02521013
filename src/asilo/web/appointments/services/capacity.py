"""Capacities: how many persons a port receives on a day for a program, under the program's
allocation lock, never below those already booked, never for hours already over."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any

from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone

from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.errors import AppointmentErrorCode as C
from asilo.web.appointments.models import (
    AllocationLock,
    PortCapacity,
)
from asilo.web.appointments.selectors import (
    persons_holding_room,
)
from asilo.web.appointments.selectors.planning import (
    WINDOW,
    window_over,
)
from asilo.web.appointments.services.common import (
    CAPACITY,
    MAX_CAPACITY,
    user_of,
)
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.core.access import require
from asilo.web.core.actors import Actor
from asilo.web.core.roles import Capability
from asilo.web.registrations.models import (
    Program,
)


@contextmanager
def program_locked(program: Program, *, nowait: bool) -> Iterator[AllocationLock]:
    """A transaction holding the program's allocation lock row (``SELECT ... FOR UPDATE``;
    ``NOWAIT`` when asked, on PostgreSQL). On SQLite the database's single writer lock plays
    this part. Either way a lock that cannot be had becomes ``allocation_running``."""
    try:
        AllocationLock.objects.get_or_create(program=program)
        with transaction.atomic():
            use_nowait = nowait and connection.features.has_select_for_update_nowait
            try:
                lock = AllocationLock.objects.select_for_update(nowait=use_nowait).get(
                    program=program
                )
            except DatabaseError as exc:
                raise AppointmentError(C.ALLOCATION_RUNNING) from exc
            yield lock
    except OperationalError as exc:  # SQLite: the writer lock was not free within the timeout
        if "locked" in str(exc).lower():
            raise AppointmentError(C.ALLOCATION_RUNNING) from exc
        raise


def capacity_set(
    *,
    actor: Actor,
    program: Program,
    port: str,
    day: date,
    capacity: Any,
    opens_at: time | None = None,
    closes_at: time | None = None,
    now: datetime | None = None,
) -> PortCapacity:
    """Set how many persons ``port`` receives on ``day`` for ``program``.

    Waits for a running allocation of the program; never below the persons already booked."""
    require(actor, Capability.CAPACITY_MANAGE, object_type=CAPACITY)
    now = now or timezone.now()
    if port not in program.ports:
        raise AppointmentError(C.PORT_NOT_IN_PROGRAM, "port")
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise AppointmentError(C.CAPACITY_INVALID, "capacity", limit=MAX_CAPACITY)
    if not 0 <= capacity <= MAX_CAPACITY:
        raise AppointmentError(C.CAPACITY_INVALID, "capacity", limit=MAX_CAPACITY)
    if day < timezone.localdate(now):
        raise AppointmentError(C.DATE_IN_PAST, "date")
    with program_locked(program, nowait=False):
        row = PortCapacity.objects.filter(program=program, port=port, date=day).first()
        opens = opens_at or (row.opens_at if row else None) or time(7, 0)
        closes = closes_at or (row.closes_at if row else None) or time(15, 0)
        if datetime.combine(day, closes) - datetime.combine(day, opens) < WINDOW:
            raise AppointmentError(C.HOURS_INVALID, "opens_at")
        if window_over(port, day, closes, now):
            # Room in hours already over could only be given as a window in the past.
            raise AppointmentError(C.HOURS_OVER, "closes_at", time=closes.strftime("%H:%M"))
        booked = persons_holding_room(program, port, day)
        if capacity < booked:
            raise AppointmentError(C.CAPACITY_BELOW_BOOKED, "capacity", booked=booked)
        before = (
            {
                "capacity": row.capacity,
                "opens_at": str(row.opens_at),
                "closes_at": str(row.closes_at),
            }
            if row
            else None
        )
        if row is None:
            row = PortCapacity(program=program, port=port, date=day)
        row.capacity = capacity
        row.opens_at = opens
        row.closes_at = closes
        row.updated_at = now
        row.updated_by = user_of(actor)
        row.save()
        audit_change(
            actor=actor,
            action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
            obj=row,
            before=before,
            after={
                "program": program.code,
                "port": port,
                "date": day.isoformat(),
                "capacity": capacity,
                "opens_at": str(opens),
                "closes_at": str(closes),
            },
        )
    return row
