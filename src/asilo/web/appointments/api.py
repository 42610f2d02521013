"""The appointments API: capacities, allocation runs (queued as background tasks, verified by
re-running), appointments, check-in and check-in exceptions. Thin: services write, selectors
read, the error vocabulary answers."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from asilo.web.appointments import selectors, services
from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.errors import AppointmentErrorCode as C
from asilo.web.appointments.models import AllocationRun, Appointment
from asilo.web.core.access import require
from asilo.web.core.actors import request_actor
from asilo.web.core.api import ERRORS
from asilo.web.core.roles import Capability, has_capability
from asilo.web.core.schemas import dataclass_fields, schema_model

router = Router(tags=["appointments"])


def _need_any(request: HttpRequest, *capabilities: Capability) -> None:
    if not any(has_capability(request.user, c) for c in capabilities):
        require(request.user, capabilities[0], object_type="appointments.api")


class CapacityIn(Schema):
    program: str
    port: str
    date: date
    capacity: int
    opens_at: time | None = None
    closes_at: time | None = None


# A port's day as ``selectors.capacities`` reads it: a ``CapacityRow``'s fields.
_Capacity = schema_model("CapacityOut", Schema, dataclass_fields(selectors.CapacityRow))


class CapacityOut(_Capacity):  # type: ignore[misc,valid-type]
    pass


class RunIn(Schema):
    program: str
    start: date
    seed: int | None = Field(default=None, ge=0)


class RunQueuedOut(Schema):
    task_id: str
    status: str


# An allocation run as it is stored; the fields named differently say where they come from.
class RunOut(Schema):
    id: int
    program: str = Field(alias="program.code")
    method: str = Field(alias="method_label")
    seed: int
    input_digest: str
    registrations_digest: str
    capacity_digest: str
    start: date
    horizon_start: date | None
    horizon_end: date | None
    registrations: int = Field(alias="registrations_count")
    allocated: int = Field(alias="allocated_count")
    persons: int = Field(alias="persons_allocated")
    trigger: str
    run_by: str | None
    started_at: str

    @staticmethod
    def resolve_run_by(run: AllocationRun) -> str | None:
        return run.run_by.username if run.run_by else None

    @staticmethod
    def resolve_started_at(run: AllocationRun) -> str:
        return run.started_at.isoformat()


# A ``RunVerification``'s attributes (the run by its id).
class VerificationOut(Schema):
    run: int
    matches: bool
    digest_matches: bool
    input_digest_stored: str
    input_digest_recomputed: str
    appointments_stored: int
    appointments_recomputed: int
    differences: list[str]

    @staticmethod
    def resolve_run(verification: services.RunVerification) -> int:
        return verification.run_id


class AppointmentOut(Schema):
    id: int
    registration: str
    run: int
    port: str
    date: date
    window_start: time
    window_end: time
    family_size: int
    priority_rank: int
    tier: int
    selected_by: str
    status: str
    encounter: int | None
    checked_in_positions: list[int]

    # The appointment's own fields, its registration by number, its run and encounter by id.
    @staticmethod
    def resolve_registration(a: Appointment) -> str:
        return a.registration.number

    @staticmethod
    def resolve_run(a: Appointment) -> int:
        return a.run_id

    @staticmethod
    def resolve_encounter(a: Appointment) -> int | None:
        return a.encounter_id

    @staticmethod
    def resolve_checked_in_positions(a: Appointment) -> list[int]:
        return list(a.checked_in_positions or [])


class CheckInIn(Schema):
    code: str = Field(max_length=200)
    members: list[int] | None = None


class CheckInOut(Schema):
    appointment: AppointmentOut
    encounter: int
    members: list[int]


class ExceptionIn(Schema):
    members: list[int]
    reason: str = Field(max_length=2000)


class ExceptionOut(Schema):
    id: int
    appointment: int
    members: list[int]
    granted_by: str


@router.get("/appointments/capacities", response={200: list[CapacityOut], **ERRORS})
def list_capacities(
    request: HttpRequest, program: str, start: date | None = None, days: int = 14
) -> list[selectors.CapacityRow]:
    """Capacity and use per port and day (supervisors)."""
    _need_any(request, Capability.CAPACITY_MANAGE, Capability.ALLOCATION_RUN)
    found = selectors.program_get(program)
    rows = selectors.capacities(found, start or timezone.localdate(), max(1, min(days, 120)))
    return rows


@router.put("/appointments/capacities", response={200: CapacityOut, **ERRORS})
def set_capacity(request: HttpRequest, payload: CapacityIn) -> selectors.CapacityRow:
    """Set a port's capacity (persons) on one day."""
    program = selectors.program_get(payload.program)
    services.capacity_set(
        actor=request_actor(request),
        program=program,
        port=payload.port,
        day=payload.date,
        capacity=payload.capacity,
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
    )
    row = next(r for r in selectors.capacities(program, payload.date, 1) if r.port == payload.port)
    return row


@router.post("/appointments/runs", response={202: RunQueuedOut, **ERRORS})
def queue_run(request: HttpRequest, payload: RunIn) -> Status[Any]:
    """Queue an allocation run as a background task (it never runs inside the request)."""
    from asilo.web.appointments.tasks import run_allocation

    require(request.user, Capability.ALLOCATION_RUN, object_type=services.RUN)
    program = selectors.program_get(payload.program)
    if payload.start < timezone.localdate():
        raise AppointmentError(C.DATE_IN_PAST, "start")
    selectors.method_for(program)
    result = run_allocation.enqueue(
        program=program.code,
        start=payload.start.isoformat(),
        seed=payload.seed,
        actor_id=request.user.pk,
    )
    return Status(202, RunQueuedOut(task_id=str(result.id), status=str(result.status)))


@router.get("/appointments/runs", response={200: list[RunOut], **ERRORS})
def list_runs(request: HttpRequest, program: str | None = None) -> list[AllocationRun]:
    _need_any(request, Capability.ALLOCATION_RUN, Capability.FAIRNESS_VIEW, Capability.AUDIT_VIEW)
    found = selectors.program_get(program) if program else None
    return list(selectors.runs(found)[:100])


@router.get("/appointments/runs/{int:run_id}", response={200: RunOut, **ERRORS})
def get_run(request: HttpRequest, run_id: int) -> AllocationRun:
    _need_any(request, Capability.ALLOCATION_RUN, Capability.FAIRNESS_VIEW, Capability.AUDIT_VIEW)
    run = selectors.runs().filter(pk=run_id).first()
    if run is None:
        raise AppointmentError(C.RUN_NOT_FOUND)
    return run


@router.post("/appointments/runs/{int:run_id}/verify", response={200: VerificationOut, **ERRORS})
def verify_run(request: HttpRequest, run_id: int) -> services.RunVerification:
    """Re-run a stored run from its inputs, method and seed, and compare."""
    _need_any(request, Capability.ALLOCATION_RUN, Capability.FAIRNESS_VIEW, Capability.AUDIT_VIEW)
    return services.allocation_run_verify(actor=request_actor(request), run_id=run_id)


@router.get("/appointments", response={200: list[AppointmentOut], **ERRORS})
def list_appointments(
    request: HttpRequest, date: date, port: str | None = None
) -> list[Appointment]:
    """The appointments of a day (officers and supervisors)."""
    _need_any(request, Capability.CHECKIN_PERFORM, Capability.ALLOCATION_RUN)
    qs = Appointment.objects.select_related("registration").filter(date=date)
    if port:
        qs = qs.filter(port=port)
    return list(qs.order_by("port", "window_start", "id")[:2000])


@router.get("/appointments/{int:appointment_id}", response={200: AppointmentOut, **ERRORS})
def get_appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    _need_any(request, Capability.CHECKIN_PERFORM, Capability.ALLOCATION_RUN)
    a = Appointment.objects.select_related("registration").filter(pk=appointment_id).first()
    if a is None:
        raise AppointmentError(C.APPOINTMENT_NOT_FOUND)
    return a


@router.post("/appointments/check-in", response={200: CheckInOut, **ERRORS})
def check_in(request: HttpRequest, payload: CheckInIn) -> dict[str, Any]:
    """Check a family in by its QR token or registration number; starts its encounter."""
    appointment = services.appointment_for_code(actor=request_actor(request), code=payload.code)
    done = services.appointment_check_in(
        actor=request_actor(request), appointment_id=appointment.pk, positions=payload.members
    )
    done.appointment.registration = appointment.registration
    return {
        "appointment": done.appointment,
        "encounter": done.encounter.pk,
        "members": done.positions,
    }


@router.post(
    "/appointments/{int:appointment_id}/exceptions", response={201: ExceptionOut, **ERRORS}
)
def grant_exception(request: HttpRequest, appointment_id: int, payload: ExceptionIn) -> Status[Any]:
    """A supervisor's reasoned leave to check in only some members of a family."""
    e = services.checkin_exception_grant(
        actor=request_actor(request),
        appointment_id=appointment_id,
        positions=payload.members,
        reason=payload.reason,
    )
    return Status(
        201,
        ExceptionOut(
            id=e.pk,
            appointment=appointment_id,
            members=e.positions,
            granted_by=e.granted_by.username,
        ),
    )
