"""An allocation run: the program's queue allocated to the room left, stored with its method,
seed and digests, its families offered their windows and notified; and a stored run verified
by running it again."""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from asilo.scheduling import (
    AllocationInputError,
    AllocationResult,
    Method,
    allocate,
)
from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.errors import AppointmentErrorCode as C
from asilo.web.appointments.models import (
    AllocationRun,
    Appointment,
    AppointmentStatus,
    MessageKind,
    Trigger,
)
from asilo.web.appointments.selectors import (
    CapacityPlan,
    inputs_from_snapshot,
    inputs_snapshot,
    method_by_label,
    time_window,
)
from asilo.web.appointments.selectors.planning import (
    capacity_plan,
    method_for,
    queued_families,
)
from asilo.web.appointments.services.capacity import program_locked
from asilo.web.appointments.services.common import (
    RUN,
    user_of,
    where_and_when,
)
from asilo.web.appointments.services.notices import deliver_after_commit, queue_messages
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.core.access import require
from asilo.web.core.roles import Capability, has_capability
from asilo.web.registrations import lifecycle
from asilo.web.registrations.models import (
    Program,
    Status,
)
from asilo.web.registrations.services.common import FamilyOrStaff

logger = logging.getLogger("asilo.web.appointments.services")


def _check_seed(seed: Any) -> int:
    if seed is None:
        return secrets.randbelow(10**12)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0 or seed >= 2**63:
        raise AppointmentError(C.SEED_INVALID, "seed")
    return seed


def allocation_run(
    *,
    actor: FamilyOrStaff,
    program: Program,
    start: date,
    seed: int | None = None,
    trigger: str = Trigger.WEB,
    now: datetime | None = None,
) -> AllocationRun:
    """Allocate the program's queue to its port capacities from ``start`` on.

    One transaction: the program's allocation lock (a second run at the same time is refused
    with ``allocation_running``), the queue and the room left, the method's run, the stored
    run (method, version, seed, digests, inputs) and its appointments, the notices in the
    outbox, the audit entry. The notices are delivered after commit by a background task.
    ``actor`` None is the scheduled task or the command line."""
    if actor is not None:
        require(actor, Capability.ALLOCATION_RUN, object_type=RUN)
    now = now or timezone.now()
    seed = _check_seed(seed)
    method = method_for(program)
    if start < timezone.localdate(now):
        raise AppointmentError(C.DATE_IN_PAST, "date")
    with program_locked(program, nowait=True) as lock:
        run = _allocate_and_store(
            actor=actor,
            program=program,
            start=start,
            seed=seed,
            method=method,
            trigger=trigger,
            now=now,
        )
        lock.last_run_at = now
        lock.save(update_fields=["last_run_at"])
    logger.info("allocation run %s: %s allocated", run.pk, run.allocated_count)
    return run


def _allocate_and_store(
    *,
    actor: FamilyOrStaff,
    program: Program,
    start: date,
    seed: int,
    method: Method,
    trigger: str,
    now: datetime,
) -> AllocationRun:
    plan = capacity_plan(program, start, method.horizon_days, now=now)
    families, ids = queued_families(program, program.ports)
    try:
        result = allocate(families, plan.rows, method=method, seed=seed)
    except AllocationInputError as exc:
        raise AppointmentError(C.ALLOCATION_INPUT_INVALID, None, detail=str(exc)) from exc
    allocated = result.allocated()
    run = AllocationRun.objects.create(
        program=program,
        method_name=result.method_name,
        method_version=result.method_version,
        seed=seed,
        input_digest=result.input_digest,
        registrations_digest=result.registrations_digest,
        capacity_digest=result.capacity_digest,
        inputs=inputs_snapshot(families, plan.rows),
        start=start,
        horizon_start=result.horizon_start,
        horizon_end=result.horizon_end,
        registrations_count=len(families),
        allocated_count=len(allocated),
        persons_allocated=sum(a.family_size for a in allocated),
        trigger=trigger,
        run_by=user_of(actor),
        started_at=now,
    )
    appointments = _appointments_of(run, result, plan, ids, now)
    Appointment.objects.bulk_create(appointments, batch_size=1000)
    created = list(Appointment.objects.filter(run=run).select_related("registration"))
    lifecycle.registrations_status_change_many(
        actor=actor,
        changes=[
            lifecycle.Change(
                registration=a.registration,
                to_status=Status.OFFERED,
                reason_code="appointment_offered",
                reason_params=where_and_when(a),
            )
            for a in created
        ],
        now=now,
    )
    message_ids = queue_messages(created, MessageKind.NOTICE, now=now)
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])
    audit_change(
        actor=actor,
        action=AuditAction.ALLOCATE,
        obj=run,
        after={
            "program": program.code,
            "method": f"{result.method_name}-{result.method_version}",
            "seed": seed,
            "input_digest": result.input_digest,
            "start": start.isoformat(),
            "registrations": len(families),
            "allocated": len(allocated),
            "persons": run.persons_allocated,
        },
        note=f"trigger={trigger}",
    )
    deliver_after_commit(message_ids)
    return run


def _appointments_of(
    run: AllocationRun,
    result: AllocationResult,
    plan: CapacityPlan,
    ids: dict[str, int],
    now: datetime,
) -> list[Appointment]:
    persons_before: dict[tuple[str, date], int] = defaultdict(int, plan.held)
    out = []
    for a in result.allocated():
        assert a.port is not None and a.date is not None
        key = (a.port, a.date)
        start, end = time_window(plan.hours[key], persons_before[key], a.date)
        persons_before[key] += a.family_size
        out.append(
            Appointment(
                run=run,
                registration_id=ids[a.registration_id],
                port=a.port,
                date=a.date,
                window_start=start,
                window_end=end,
                family_size=a.family_size,
                priority_rank=a.priority_rank,
                tier=a.tier,
                selected_by=str(a.selected_by),
                status=AppointmentStatus.BOOKED,
                status_changed_at=now,
                created_at=now,
            )
        )
    return out


@dataclass(frozen=True)
class RunVerification:
    run_id: int
    method: str
    seed: int
    input_digest_stored: str
    input_digest_recomputed: str
    appointments_stored: int
    appointments_recomputed: int
    differences: list[str] = field(default_factory=list)

    @property
    def digest_matches(self) -> bool:
        return self.input_digest_stored == self.input_digest_recomputed

    @property
    def matches(self) -> bool:
        return self.digest_matches and not self.differences


def allocation_run_verify(*, actor: FamilyOrStaff, run_id: int) -> RunVerification:
    """Re-run a stored run from its stored inputs, method and seed and compare: the input digest
    and, for every family, the rank, port and day."""
    if not (
        has_capability(actor, Capability.ALLOCATION_RUN)
        or has_capability(actor, Capability.FAIRNESS_VIEW)
        or has_capability(actor, Capability.AUDIT_VIEW)
        or actor is None
    ):
        require(actor, Capability.ALLOCATION_RUN, object_type=RUN, object_id=run_id)
    run = AllocationRun.objects.filter(pk=run_id).first()
    if run is None:
        raise AppointmentError(C.RUN_NOT_FOUND, "run")
    method = method_by_label(run.method_label)
    try:
        families, rows = inputs_from_snapshot(run.inputs)
        result = allocate(families, rows, method=method, seed=run.seed)
    except (AllocationInputError, KeyError, IndexError, TypeError, ValueError) as exc:
        return _unreadable(actor, run, f"the stored inputs cannot be re-run: {exc}")
    stored = {
        a.registration.number: (a.priority_rank, a.port, a.date)
        for a in run.appointments.select_related("registration")
    }
    again = {a.registration_id: (a.priority_rank, a.port, a.date) for a in result.allocated()}
    differences = []
    for number in sorted(set(stored) | set(again)):
        if stored.get(number) != again.get(number):
            differences.append(
                f"{number}: stored {_describe(stored.get(number))},"
                f" re-run {_describe(again.get(number))}"
            )
    verification = RunVerification(
        run_id=run.pk,
        method=run.method_label,
        seed=run.seed,
        input_digest_stored=run.input_digest,
        input_digest_recomputed=result.input_digest,
        appointments_stored=len(stored),
        appointments_recomputed=len(again),
        differences=differences,
    )
    audit_change(
        actor=actor,
        action=AuditAction.REVIEW,
        obj=run,
        after={"matches": verification.matches, "differences": len(differences)},
        note="run verified by re-running it",
    )
    return verification


def _unreadable(actor: FamilyOrStaff, run: AllocationRun, problem: str) -> RunVerification:
    audit_change(
        actor=actor,
        action=AuditAction.REVIEW,
        obj=run,
        after={"matches": False, "differences": 1},
        note="run verified by re-running it: stored inputs unreadable",
    )
    return RunVerification(
        run_id=run.pk,
        method=run.method_label,
        seed=run.seed,
        input_digest_stored=run.input_digest,
        input_digest_recomputed="",
        appointments_stored=run.appointments.count(),
        appointments_recomputed=0,
        differences=[problem],
    )


def _describe(value: tuple[int, str | None, date | None] | None) -> str:
    if value is None:
        return "no appointment"
    rank, port, day = value
    return f"rank {rank} at {port} on {day.isoformat() if day else '-'}"
