"""Writes of the appointments app: capacities, allocation runs, check-in, no-shows, changes
asked for by the family, and the notification outbox.

One transaction each, audited in the same transaction; messages to families are outbox rows
written in that transaction and delivered by a background task after commit. Audit entries
and logs carry ids and counts, never names or contact details.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from asilo.scheduling import (
    AllocationInputError,
    AllocationResult,
    Method,
    MethodError,
    PortDayCapacity,
    allocate,
    load_method,
)
from asilo.scheduling import Registration as QueuedFamily
from asilo.scheduling.method import parse_method
from asilo.web.accounts.roles import Capability, has_capability
from asilo.web.appointments import selectors
from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.errors import AppointmentErrorCode as C
from asilo.web.appointments.models import (
    HOLDS_ROOM,
    AllocationLock,
    AllocationRun,
    Appointment,
    AppointmentStatus,
    Channel,
    CheckinException,
    MessageKind,
    MessageStatus,
    NoticeContact,
    OutboxMessage,
    PortCapacity,
    Trigger,
)
from asilo.web.appointments.notifications import (
    DeliveryError,
    backend_for,
    notice_language,
    render_message,
)
from asilo.web.appointments.ports import zone_of
from asilo.web.audit.models import AuditAction, AuditEntry
from asilo.web.audit.services import audit_record
from asilo.web.core.access import require
from asilo.web.registrations import lifecycle
from asilo.web.registrations.models import ClosedReason, Member, Program, Registration, Status
from asilo.web.registrations.models import Relationship as FamilyRelationship
from asilo.web.registrations.services import member_age_on, normalise_number
from asilo.web.registrations.validation import normalise_phone, tier_of

if TYPE_CHECKING:
    from asilo.web.accounts.models import User
    from asilo.web.encounters.models import Encounter

    Actor = User | AnonymousUser | None

logger = logging.getLogger(__name__)

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
EASTERN = ZoneInfo("America/New_York")
WINDOW = timedelta(hours=1)


# --- rights -----------------------------------------------------------------------------------


def _user(actor: Actor) -> User | None:
    if actor is None or not actor.is_authenticated:
        return None
    return actor  # type: ignore[return-value]


def program_get(code: str) -> Program:
    program = Program.objects.filter(code=(code or "").strip()).first()
    if program is None:
        raise AppointmentError(C.PROGRAM_NOT_FOUND, "program")
    return program


def parse_day(value: Any, field_name: str = "date") -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError as exc:
        raise AppointmentError(C.DATE_INVALID, field_name) from exc


def today() -> date:
    return timezone.localdate()


# --- capacities -------------------------------------------------------------------------------


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


def persons_holding_room(program: Program, port: str, day: date) -> int:
    held = Appointment.objects.filter(
        run__program=program, port=port, date=day, status__in=HOLDS_ROOM
    ).aggregate(n=Sum("family_size"))["n"]
    return int(held or 0)


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
        row.updated_by = _user(actor)
        row.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
            object_type=CAPACITY,
            object_id=row.pk,
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


def window_over(port: str, day: date, end: time, now: datetime) -> bool:
    """Has the port's local time at ``now`` reached ``end`` on ``day``?"""
    local = timezone.localtime(now, zone_of(port)).replace(tzinfo=None)
    return datetime.combine(day, end) <= local


def window_begun(appointment: Appointment, now: datetime) -> bool:
    return window_over(appointment.port, appointment.date, appointment.window_start, now)


# --- the allocation method ----------------------------------------------------------------------


def method_by_label(label: str) -> Method:
    """A published method by ``name-version`` (the file name in ``asilo/scheduling/methods``)."""
    label = (label or "").strip()
    if not label:
        return load_method(None)
    resource = resources.files("asilo.scheduling") / "methods" / f"{label}.yaml"
    try:
        text = resource.read_text(encoding="utf-8")
        return parse_method(text, f"{label}.yaml")
    except (OSError, MethodError) as exc:
        raise AppointmentError(C.METHOD_UNAVAILABLE, "method", method=label) from exc


def method_for(program: Program) -> Method:
    return method_by_label(program.allocation_method)


# --- an allocation run --------------------------------------------------------------------------


@dataclass(frozen=True)
class CapacityPlan:
    """The remaining room per port and day that a run gives the method, and each port-day's
    opening hours and full capacity (to place families in time windows)."""

    rows: list[PortDayCapacity]
    hours: dict[tuple[str, date], tuple[time, time, int]]
    #: Persons placed before the run's first new family on each port-day: those already
    #: booked, or more when the day's first windows have already begun at the run's moment.
    held: dict[tuple[str, date], int]


def windows_of(hours: tuple[time, time, int], day: date) -> tuple[int, int]:
    """(number of one-hour windows, persons per window) of a port-day."""
    opens, closes, total = hours
    span = datetime.combine(day, closes) - datetime.combine(day, opens)
    windows = max(1, int(span / WINDOW))
    return windows, max(1, math.ceil(total / windows))


def windows_begun(port: str, day: date, hours: tuple[time, time, int], now: datetime) -> int:
    """How many of the port-day's windows have begun at ``now`` (the port's local time):
    all of them on a past day, none on a future day."""
    local = timezone.localtime(now, zone_of(port))
    windows, _ = windows_of(hours, day)
    if day < local.date():
        return windows
    if day > local.date():
        return 0
    opens = datetime.combine(day, hours[0])
    begun = 0
    for k in range(windows):
        if opens + k * WINDOW <= local.replace(tzinfo=None):
            begun += 1
    return begun


def capacity_plan(
    program: Program, start: date, horizon_days: int, now: datetime | None = None
) -> CapacityPlan:
    """Room left (capacity minus persons already booked) for every port of the program, every
    day from ``start`` to the last day with a capacity inside the method's horizon; days
    without a capacity have no room. Ports in the program's order (the order in which a family
    without preference takes them).

    **Never a window in the past:** at ``now`` (the run's moment), in each port's own time
    zone, a window that has already begun is not offered; the room of such a day is what its
    remaining windows hold, and a day whose windows have all begun has none. A run queued at
    20:00 therefore offers nothing before tomorrow's first window."""
    now = now or timezone.now()
    end = start + timedelta(days=horizon_days - 1)
    stored = PortCapacity.objects.filter(
        program=program, date__gte=start, date__lte=end, port__in=program.ports
    )
    hours: dict[tuple[str, date], tuple[time, time, int]] = {
        (c.port, c.date): (c.opens_at, c.closes_at, c.capacity) for c in stored
    }
    if not any(total > 0 for _, _, total in hours.values()):
        raise AppointmentError(C.NO_CAPACITY, "date", start=start.isoformat())
    last = max(day for _, day in hours)
    held: dict[tuple[str, date], int] = defaultdict(int)
    last_window: dict[tuple[str, date], tuple[time, int]] = {}
    for row in (
        Appointment.objects.filter(
            run__program=program, date__gte=start, date__lte=last, status__in=HOLDS_ROOM
        )
        .values("port", "date", "window_start")
        .annotate(persons=Sum("family_size"))
    ):
        key = (row["port"], row["date"])
        held[key] += int(row["persons"])
        if key not in last_window or row["window_start"] > last_window[key][0]:
            last_window[key] = (row["window_start"], int(row["persons"]))
    days = [start + timedelta(days=k) for k in range((last - start).days + 1)]
    rows = []
    first: dict[tuple[str, date], int] = dict(held)
    for port in program.ports:
        for day in days:
            key = (port, day)
            if key not in hours:
                rows.append(PortDayCapacity(port, day, 0))
                continue
            total = hours[key][2]
            begun = windows_begun(port, day, hours[key], now)
            windows, per_window = windows_of(hours[key], day)
            # Windows fill in order: new families come after the last family booked there and
            # after every window already begun (those are out of reach: never in the past).
            booked_end = held.get(key, 0)
            if key in last_window:
                opens = datetime.combine(day, hours[key][0])
                index = int((datetime.combine(day, last_window[key][0]) - opens) / WINDOW)
                booked_end = max(booked_end, index * per_window + last_window[key][1])
            placed = max(booked_end, begun * per_window if begun < windows else total)
            first[key] = placed
            rows.append(PortDayCapacity(port, day, max(0, total - placed)))
    return CapacityPlan(rows=rows, hours=hours, held=first)


def queued_families(program: Program, ports: Sequence[str]) -> tuple[list[QueuedFamily], dict]:
    """The program's queue as the method sees it, and registration number -> primary key.

    ``registered_on``: the MPP enrolment date when there is one, else the date of first
    registration; ``tier`` from the vulnerabilities; preferred ports kept in their order
    (those no longer in the program dropped; none left means any port)."""
    known = set(ports)
    families: list[QueuedFamily] = []
    ids: dict[str, int] = {}
    for row in selectors.allocation_queue(program).values(
        "id",
        "number",
        "registered_on",
        "mpp_enrolled_on",
        "preferred_ports",
        "vulnerabilities",
        "n_members",
    ):
        if (row["n_members"] or 0) < 1:
            continue
        registered = row["mpp_enrolled_on"] or timezone.localdate(row["registered_on"])
        preferred = tuple(dict.fromkeys(p for p in row["preferred_ports"] or [] if p in known))
        families.append(
            QueuedFamily(
                registration_id=row["number"],
                family_size=row["n_members"],
                registered_on=registered,
                tier=tier_of(row["vulnerabilities"] or []),
                preferred_ports=preferred,
            )
        )
        ids[row["number"]] = row["id"]
    return families, ids


def inputs_snapshot(families: Sequence[QueuedFamily], rows: Sequence[PortDayCapacity]) -> dict:
    return {
        "registrations": [
            [
                f.registration_id,
                f.family_size,
                f.registered_on.isoformat(),
                f.tier,
                list(f.preferred_ports),
            ]
            for f in sorted(families, key=lambda f: f.registration_id)
        ],
        "capacity": [[c.port, c.date.isoformat(), c.capacity] for c in rows],
    }


def inputs_from_snapshot(
    inputs: dict,
) -> tuple[list[QueuedFamily], list[PortDayCapacity]]:
    families = [
        QueuedFamily(
            registration_id=r[0],
            family_size=int(r[1]),
            registered_on=date.fromisoformat(r[2]),
            tier=int(r[3]),
            preferred_ports=tuple(r[4]),
        )
        for r in inputs["registrations"]
    ]
    rows = [PortDayCapacity(c[0], date.fromisoformat(c[1]), int(c[2])) for c in inputs["capacity"]]
    return families, rows


def time_window(hours: tuple[time, time, int], persons_before: int, day: date) -> tuple[time, time]:
    """The hour-long window of a family: the port-day's hours split evenly over its capacity,
    in rank order (earlier families, earlier windows)."""
    opens, closes, _total = hours
    windows, per_window = windows_of(hours, day)
    index = min(windows - 1, persons_before // per_window)
    start = datetime.combine(day, opens) + index * WINDOW
    end = min(start + WINDOW, datetime.combine(day, closes))
    return start.time(), end.time()


def _check_seed(seed: Any) -> int:
    if seed is None:
        return secrets.randbelow(10**12)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0 or seed >= 2**63:
        raise AppointmentError(C.SEED_INVALID, "seed")
    return seed


def allocation_run(
    *,
    actor: Actor,
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
    actor: Actor,
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
        run_by=_user(actor),
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
                reason_params=_where_and_when(a),
            )
            for a in created
        ],
        now=now,
    )
    message_ids = _queue_messages(created, MessageKind.NOTICE, now=now)
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])
    audit_record(
        actor=actor,
        action=AuditAction.ALLOCATE,
        object_type=RUN,
        object_id=run.pk,
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
    _deliver_after_commit(message_ids)
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


def _where_and_when(appointment: Appointment) -> dict[str, str]:
    return {
        "port": appointment.port,
        "date": appointment.date.isoformat(),
        "start": appointment.window_start.strftime("%H:%M"),
        "end": appointment.window_end.strftime("%H:%M"),
    }


# --- verifying a stored run ------------------------------------------------------------------


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


def allocation_run_verify(*, actor: Actor, run_id: int) -> RunVerification:
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
    audit_record(
        actor=actor,
        action=AuditAction.REVIEW,
        object_type=RUN,
        object_id=run.pk,
        after={"matches": verification.matches, "differences": len(differences)},
        note="run verified by re-running it",
    )
    return verification


def _unreadable(actor: Actor, run: AllocationRun, problem: str) -> RunVerification:
    audit_record(
        actor=actor,
        action=AuditAction.REVIEW,
        object_type=RUN,
        object_id=run.pk,
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


# --- the notification outbox ----------------------------------------------------------------


def contact_of(registration: Registration) -> tuple[str | None, str | None, str]:
    """(phone, e-mail, language) for notices: the family's latest choice, else as registered."""
    own = NoticeContact.objects.filter(registration=registration).first()
    if own is not None:
        return own.phone, own.email, own.language or registration.language
    phone = registration.contact_phone or registration.contact_whatsapp
    return phone, registration.contact_email, registration.language


def notice_url() -> str:
    base = getattr(settings, "ASILO_PUBLIC_URL", "").rstrip("/")
    return base + reverse("appointments:family_login")


def message_context(appointment: Appointment, kind: str) -> dict[str, Any]:
    registration = appointment.registration
    return {
        "kind": kind,
        "number": registration.number,
        "date": appointment.date,
        "window_start": appointment.window_start,
        "window_end": appointment.window_end,
        "port": appointment.port,
        "family_size": appointment.family_size,
        "url": notice_url(),
        "returns_to_queue": kind == MessageKind.NO_SHOW
        and selectors.no_show_count(registration) < 2,
    }


def _queue_messages(appointments: Iterable[Appointment], kind: str, *, now: datetime) -> list[int]:
    """Outbox rows (e-mail and/or SMS) for each appointment's family, in its language."""
    messages = []
    for appointment in appointments:
        if kind == MessageKind.NOTICE and window_over(
            appointment.port, appointment.date, appointment.window_end, now
        ):
            continue  # never a notice for a window that has ended
        phone, email, language = contact_of(appointment.registration)
        language = notice_language(language)
        subject, body = render_message(kind, language, message_context(appointment, kind))
        for channel, address in ((Channel.EMAIL, email), (Channel.SMS, phone)):
            if address:
                messages.append(
                    OutboxMessage(
                        registration_id=appointment.registration_id,
                        appointment=appointment,
                        kind=kind,
                        channel=channel,
                        address=address,
                        language=language,
                        subject=subject,
                        body=body,
                        created_at=now,
                    )
                )
    created = OutboxMessage.objects.bulk_create(messages, batch_size=500)
    if created and created[0].pk is None:  # backends that do not return ids from bulk_create
        return list(
            OutboxMessage.objects.filter(
                appointment__in=[a.pk for a in appointments], created_at=now, kind=kind
            ).values_list("id", flat=True)
        )
    return [m.pk for m in created]


def _deliver_after_commit(message_ids: list[int]) -> None:
    if not message_ids:
        return

    def enqueue() -> None:
        from asilo.web.appointments.tasks import deliver_outbox

        for k in range(0, len(message_ids), 500):
            deliver_outbox.enqueue(message_ids=message_ids[k : k + 500])

    transaction.on_commit(enqueue)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int


def outbox_deliver(
    *, message_ids: Sequence[int] | None = None, limit: int = 1000
) -> DeliveryReport:
    """Send pending (and failed, up to ``MAX_ATTEMPTS``) outbox messages, each in its own
    transaction with its row locked, so two workers never send one message twice."""
    pending = OutboxMessage.objects.filter(
        status__in=[MessageStatus.PENDING, MessageStatus.FAILED], attempts__lt=MAX_ATTEMPTS
    )
    if message_ids is not None:
        pending = pending.filter(pk__in=list(message_ids))
    sent = failed = 0
    skip = connection.features.has_select_for_update_skip_locked
    for message_id in list(pending.order_by("id").values_list("id", flat=True)[:limit]):
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=skip)
                .filter(pk=message_id, status__in=[MessageStatus.PENDING, MessageStatus.FAILED])
                .first()
            )
            if message is None:
                continue
            message.attempts += 1
            try:
                backend_for(message.channel).send(message)
            except (DeliveryError, OSError) as exc:
                message.status = MessageStatus.FAILED
                message.last_error = f"{type(exc).__name__}: {exc}"[:300]
                failed += 1
                logger.warning(
                    "outbox message %s failed (attempt %s)", message.pk, message.attempts
                )
            else:
                message.status = MessageStatus.SENT
                message.sent_at = timezone.now()
                message.last_error = ""
                sent += 1
            message.save(update_fields=["status", "attempts", "last_error", "sent_at"])
    return DeliveryReport(sent=sent, failed=failed)


# --- the family's own changes ------------------------------------------------------------------


def _may_act_for(actor: Actor, registration: Registration) -> None:
    """The family itself (``actor`` None: signed in with number and PIN), a caseworker of its
    organisation, or staff who see every registration."""
    user = _user(actor)
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


def notice_contact_change(
    *,
    actor: Actor,
    registration: Registration,
    phone: str = "",
    email: str = "",
    language: str = "",
    now: datetime | None = None,
) -> NoticeContact:
    """The family changes where its notices go (phone for SMS, e-mail, language)."""
    _may_act_for(actor, registration)
    now = now or timezone.now()
    clean_phone = normalise_phone(phone.strip()) if phone.strip() else None
    if phone.strip() and clean_phone is None:
        raise AppointmentError(C.PHONE_INVALID, "phone")
    clean_email = email.strip().lower() or None
    if clean_email:
        try:
            validate_email(clean_email)
        except ValidationError as exc:
            raise AppointmentError(C.EMAIL_INVALID, "email") from exc
    if not clean_phone and not clean_email:
        raise AppointmentError(C.CONTACT_REQUIRED, "phone")
    if language and language not in ("en", "es", "ht"):
        raise AppointmentError(C.LANGUAGE_INVALID, "language")
    with transaction.atomic():
        contact, _created = NoticeContact.objects.select_for_update().get_or_create(
            registration=registration
        )
        changed = []
        if contact.phone != clean_phone:
            changed.append("phone")
        if contact.email != clean_email:
            changed.append("email")
        contact.phone = clean_phone
        contact.email = clean_email
        if language:
            if contact.language != language:
                changed.append("language")
            contact.language = language
        contact.updated_at = now
        contact.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type=REGISTRATION,
            object_id=registration.pk,
            after={"notice_contact_changed": sorted(changed)},
            note="notice contact changed",
        )
    return contact


def _locked_booked(registration: Registration) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("registration")
        .filter(registration=registration, status=AppointmentStatus.BOOKED)
        .first()
    )
    if appointment is None:
        raise AppointmentError(C.NO_BOOKED_APPOINTMENT)
    return appointment


def notice_resend(
    *, actor: Actor, registration: Registration, now: datetime | None = None
) -> list[int]:
    """Send the notice of the family's booked appointment again (limited per day)."""
    _may_act_for(actor, registration)
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked_booked(registration)
        if window_over(appointment.port, appointment.date, appointment.window_end, now):
            raise AppointmentError(C.WINDOW_OVER)
        start_of_day = timezone.make_aware(datetime.combine(timezone.localdate(now), time(0)))
        sent_today = AuditEntry.objects.filter(
            object_type=APPOINTMENT,
            object_id=str(appointment.pk),
            note=RESENT,
            at__gte=start_of_day,
        ).count()
        if sent_today >= RESEND_LIMIT_PER_DAY:
            raise AppointmentError(C.RESEND_LIMIT, limit=RESEND_LIMIT_PER_DAY)
        phone, email, _ = contact_of(registration)
        if not phone and not email:
            raise AppointmentError(C.NO_CONTACT)
        ids = _queue_messages([appointment], MessageKind.NOTICE, now=now)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type=APPOINTMENT,
            object_id=appointment.pk,
            after={"messages": ids},
            note=RESENT,
        )
        _deliver_after_commit(ids)
    return ids


def appointment_change(
    *, actor: Actor, registration: Registration, action: str, now: datetime | None = None
) -> Appointment:
    """``cancel``: the family will not come (it leaves the queue); ``another_date``: the family
    cannot come that day and goes back to the queue with its original priority (once)."""
    _may_act_for(actor, registration)
    if action not in ("cancel", "another_date"):
        raise AppointmentError(C.ACTION_INVALID, "action")
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked_booked(registration)
        if appointment.date < timezone.localdate(now):
            raise AppointmentError(C.TOO_LATE_TO_CHANGE)
        if action == "another_date":
            used = Appointment.objects.filter(
                registration=registration, status=AppointmentStatus.RESCHEDULED
            ).count()
            if used >= MAX_RESCHEDULES:
                raise AppointmentError(C.RESCHEDULE_USED)
        before = appointment.status
        appointment.status = (
            AppointmentStatus.CANCELLED if action == "cancel" else AppointmentStatus.RESCHEDULED
        )
        appointment.status_changed_at = now
        appointment.save(update_fields=["status", "status_changed_at"])
        lifecycle.registration_status_change(
            actor=actor,
            registration=appointment.registration,
            to_status=Status.CLOSED if action == "cancel" else Status.WAITING,
            closed_reason=ClosedReason.WITHDRAWN if action == "cancel" else "",
            reason_code="cancelled" if action == "cancel" else "another_date",
            reason_params=_where_and_when(appointment),
            now=now,
            note=f"family asked: {action}",
        )
        kind = MessageKind.CANCELLED if action == "cancel" else MessageKind.RESCHEDULED
        ids = _queue_messages([appointment], kind, now=now)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type=APPOINTMENT,
            object_id=appointment.pk,
            before={"status": before},
            after={"status": appointment.status},
            note=f"family asked: {action}",
        )
        _deliver_after_commit(ids)
    return appointment


# --- check-in at the port ----------------------------------------------------------------------


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
    from asilo.web.appointments.tokens import appointment_id_from_token

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
            raise AppointmentError(C.EXCEPTION_REASON_REQUIRED, "reason", limit=MIN_REASON)
        exception = CheckinException.objects.create(
            appointment=appointment,
            positions=chosen,
            reason=reason,
            granted_by=actor,
            granted_at=now,
        )
        audit_record(
            actor=actor,
            action=AuditAction.APPROVE,
            object_type=EXCEPTION,
            object_id=exception.pk,
            after={"appointment": appointment.pk, "positions": chosen, "of": len(members)},
            note=reason,
        )
    return exception


@dataclass(frozen=True)
class CheckIn:
    appointment: Appointment
    encounter: Encounter
    positions: list[int]


_GUARDIAN_OF_CHILDREN = {
    FamilyRelationship.PRINCIPAL: "parent",
    FamilyRelationship.SPOUSE: "parent",
}


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
        if age >= 18 and child_relationships:
            if FamilyRelationship.CHILD in child_relationships and (
                m.relationship in _GUARDIAN_OF_CHILDREN
            ):
                person["relationship"] = "parent"
            elif (
                FamilyRelationship.WARD in child_relationships
                and m.relationship == FamilyRelationship.PRINCIPAL
            ):
                person["relationship"] = "legal_guardian"
            elif m.relationship != FamilyRelationship.OTHER:
                person["relationship"] = "other_relative"
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
    from asilo.web.encounters.errors import EncounterError
    from asilo.web.encounters.services import EncounterErrors, encounter_record
    from asilo.web.people.errors import DomainError

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
                document=document,
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
        appointment.status = AppointmentStatus.CHECKED_IN
        appointment.status_changed_at = now
        appointment.checked_in_at = now
        appointment.checked_in_by = actor
        appointment.checked_in_positions = chosen
        appointment.encounter = recorded.encounter
        appointment.save()
        lifecycle.registration_status_change(
            actor=actor,
            registration=appointment.registration,
            to_status=Status.CHECKED_IN,
            reason_code="checked_in",
            reason_params=_where_and_when(appointment),
            now=now,
            note="checked in",
        )
        audit_record(
            actor=actor,
            action=AuditAction.CHECK_IN,
            object_type=APPOINTMENT,
            object_id=appointment.pk,
            before={"status": AppointmentStatus.BOOKED},
            after={
                "status": AppointmentStatus.CHECKED_IN,
                "encounter": recorded.encounter.pk,
                "positions": chosen,
                "of": len(members),
                "exception": exception.pk if exception else None,
            },
        )
    return CheckIn(appointment=appointment, encounter=recorded.encounter, positions=chosen)


# --- the end of a day: no-shows ----------------------------------------------------------------


@dataclass(frozen=True)
class DayClosed:
    day: date
    no_shows: list[int]
    back_in_queue: int


def day_over(day: date, now: datetime) -> bool:
    """A day is over once every window of it has ended, each in its port's time zone: a
    past day always; today once its last window (booked appointments and the ports' hours
    that day) is over; a future day never."""
    today_here = timezone.localdate(now)
    if day < today_here - timedelta(days=1):
        return True
    if day > today_here + timedelta(days=1):
        return False
    ends = [
        (a["port"], a["window_end"])
        for a in Appointment.objects.filter(date=day, status=AppointmentStatus.BOOKED).values(
            "port", "window_end"
        )
    ] + [
        (c["port"], c["closes_at"])
        for c in PortCapacity.objects.filter(date=day).values("port", "closes_at")
    ]
    if not ends:
        return day < today_here
    return all(window_over(port, day, end, now) for port, end in ends)


def appointments_close_day(*, actor: Actor, day: date, now: datetime | None = None) -> DayClosed:
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
            appointment.status = AppointmentStatus.NO_SHOW
            appointment.status_changed_at = now
            appointment.save(update_fields=["status", "status_changed_at"])
            returns = selectors.no_show_count(appointment.registration) < 2
            back += int(returns)
            registration = appointment.registration
            if registration.status == Status.OFFERED:
                lifecycle.registration_status_change(
                    actor=actor,
                    registration=registration,
                    to_status=Status.NO_SHOW,
                    reason_code="no_show" if returns else "no_show_final",
                    reason_params=_where_and_when(appointment),
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
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                object_type=APPOINTMENT,
                object_id=appointment.pk,
                before={"status": AppointmentStatus.BOOKED},
                after={"status": AppointmentStatus.NO_SHOW, "back_in_queue": returns},
                note=f"day {day.isoformat()} closed",
            )
        ids = _queue_messages(missed, MessageKind.NO_SHOW, now=now)
        _deliver_after_commit(ids)
    return DayClosed(day=day, no_shows=[a.pk for a in missed], back_in_queue=back)
