"""Reads of the appointments app: the queue, capacities, runs, the day at a port, fairness."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from asilo.scheduling import AllocationInputError
from asilo.scheduling.estimate import ExpectedWindow
from asilo.scheduling.estimate import expected_window as estimate_window
from asilo.web.appointments.models import (
    ACTIVE_STATUSES,
    HOLDS_ROOM,
    AllocationRun,
    Appointment,
    AppointmentStatus,
    PortCapacity,
)
from asilo.web.registrations.fraud import held_registrations
from asilo.web.registrations.lifecycle import IN_QUEUE
from asilo.web.registrations.models import (
    Channel,
    Member,
    Program,
    Registration,
    Status,
)

#: A family's appointments in these statuses keep it out of the queue.
_KEEPS_OUT = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.CANCELLED,
)
MAX_NO_SHOWS_IN_QUEUE = 1


def allocation_queue(program: Program) -> QuerySet[Registration]:
    """Families of ``program`` waiting for an appointment: status ``waiting`` in the
    registration's lifecycle (``registrations.lifecycle``), which every page, the API and the
    runs page read too, and not held for review by a fraud signal. Annotated with
    ``n_members``."""
    members = (
        Member.objects.filter(registration=OuterRef("pk"))
        .values("registration")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Registration.objects.filter(program=program, status__in=IN_QUEUE)
        .exclude(id__in=held_registrations())  # held for review (registrations.fraud)
        .annotate(n_members=Subquery(members))
        .order_by("id")
    )


def no_show_count(registration: Registration) -> int:
    return Appointment.objects.filter(
        registration=registration, status=AppointmentStatus.NO_SHOW
    ).count()


def current_appointment(number: str) -> Appointment | None:
    """The booked (or checked-in) appointment of the registration with this number."""
    return (
        Appointment.objects.select_related("registration")
        .filter(registration__number=number, status__in=ACTIVE_STATUSES)
        .first()
    )


#: The expected window is counted from the day after the page is shown: a run started now gives
#: out days from its start on, and the family needs at least a day to be told and to travel.
EXPECTED_WINDOW_FIRST_DAY = timedelta(days=1)


def expected_window(registration: Registration, today: date | None = None) -> ExpectedWindow | None:
    """The range of days in which a family still waiting can expect its appointment (see
    ``asilo.scheduling.estimate``): the queue and the room left exactly as the next run would
    see them, from tomorrow on, within the program's method's horizon. None when the family is
    not waiting in the queue (not eligible, or already booked, cancelled, ...)."""
    from asilo.web.appointments import services
    from asilo.web.appointments.errors import AppointmentError

    program = registration.program
    families, _ids = services.queued_families(program, program.ports)
    if not any(f.registration_id == registration.number for f in families):
        return None
    try:
        method = services.method_for(program)
    except AppointmentError:
        return None
    start = (today or timezone.localdate()) + EXPECTED_WINDOW_FIRST_DAY
    try:
        rows = services.capacity_plan(program, start, method.horizon_days).rows
    except AppointmentError:  # no capacity at all within the horizon
        rows = []
    try:
        return estimate_window(registration.number, families, rows, method=method, start=start)
    except AllocationInputError:
        return None


def latest_appointment(registration: Registration) -> Appointment | None:
    return (
        Appointment.objects.filter(registration=registration).order_by("-created_at", "-id").first()
    )


@dataclass(frozen=True)
class CapacityRow:
    port: str
    date: date
    capacity: int
    booked: int
    checked_in: int
    no_shows: int
    opens_at: Any
    closes_at: Any

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked - self.checked_in - self.no_shows)


def capacities(program: Program, start: date, days: int = 14) -> list[CapacityRow]:
    """Each port's capacity and use per day from ``start``, in the program's port order."""
    end = start + timedelta(days=days - 1)
    rows = PortCapacity.objects.filter(program=program, date__gte=start, date__lte=end)
    use: dict[tuple[str, date, str], int] = {
        (u["port"], u["date"], u["status"]): int(u["persons"])
        for u in Appointment.objects.filter(
            run__program=program, date__gte=start, date__lte=end, status__in=HOLDS_ROOM
        )
        .values("port", "date", "status")
        .annotate(persons=Sum("family_size"))
    }
    order = {port: k for k, port in enumerate(program.ports)}
    out = [
        CapacityRow(
            port=r.port,
            date=r.date,
            capacity=r.capacity,
            booked=use.get((r.port, r.date, AppointmentStatus.BOOKED), 0),
            checked_in=use.get((r.port, r.date, AppointmentStatus.CHECKED_IN), 0),
            no_shows=use.get((r.port, r.date, AppointmentStatus.NO_SHOW), 0),
            opens_at=r.opens_at,
            closes_at=r.closes_at,
        )
        for r in rows
    ]
    return sorted(out, key=lambda r: (r.date, order.get(r.port, 99), r.port))


def runs(program: Program | None = None) -> QuerySet[AllocationRun]:
    qs = AllocationRun.objects.select_related("program", "run_by")
    return qs.filter(program=program) if program is not None else qs


def run_appointments(run: AllocationRun) -> QuerySet[Appointment]:
    return run.appointments.select_related("registration").order_by("priority_rank")


def day_at_port(port: str, day: date) -> QuerySet[Appointment]:
    return (
        Appointment.objects.select_related("registration", "encounter")
        .filter(port=port, date=day)
        .order_by("window_start", "priority_rank")
    )


def day_summary(day: date) -> list[dict[str, Any]]:
    """Per port on ``day``: families and persons by status."""
    rows = (
        Appointment.objects.filter(date=day)
        .values("port", "status")
        .annotate(families=Count("id"), persons=Sum("family_size"))
        .order_by("port", "status")
    )
    by_port: dict[str, dict[str, Any]] = defaultdict(lambda: {"families": 0, "persons": 0})
    for r in rows:
        entry = by_port[r["port"]]
        entry["port"] = r["port"]
        entry[r["status"]] = r["families"]
        entry["families"] += r["families"]
        entry["persons"] += r["persons"] or 0
    return [by_port[p] for p in sorted(by_port)]


# --- fairness -----------------------------------------------------------------------------


def _size_group(size: int) -> str:
    if size <= 1:
        return "1"
    if size == 2:
        return "2"
    if size <= 4:
        return "3-4"
    return "5+"


TIER_LABELS = {
    "0": _("0 · urgent medical need"),
    "1": _("1 · vulnerability"),
    "2": _("2 · everyone else"),
}


#: Family-size groups in their natural order (not by how many families each holds).
SIZE_ORDER = ("1", "2", "3-4", "5+")


def group_label(dimension: str, group: str) -> str:
    """A group's name in the reader's language: nationalities by name (the form's list;
    the ISO code beside it), channels and tiers in words, family sizes with an en dash."""
    if dimension == "channel":
        return str(dict(Channel.choices).get(group, group))
    if dimension == "tier":
        return str(TIER_LABELS.get(group, group))
    if dimension == "nationality":
        from asilo.web.registrations.forms import NATIONALITIES

        name = dict(NATIONALITIES).get(group)
        return f"{name} ({group})" if name else group
    if dimension == "family_size":
        return group.replace("-", "–")
    return group


def _cell_order(dimension: str, cell: FairnessCell) -> tuple[Any, ...]:
    if dimension == "family_size":
        order = SIZE_ORDER.index(cell.group) if cell.group in SIZE_ORDER else len(SIZE_ORDER)
        return (order,)
    if dimension == "tier":
        return (cell.group,)
    return (-cell.registrations, cell.label)


@dataclass
class FairnessCell:
    dimension: str
    group: str
    registrations: int = 0
    allocated: int = 0
    checked_in: int = 0
    no_shows: int = 0
    waits: list[int] | None = None
    suppressed: bool = False

    @property
    def label(self) -> str:
        return group_label(self.dimension, self.group)

    @property
    def allocated_share(self) -> float | None:
        return (
            None
            if self.suppressed or not self.registrations
            else (self.allocated / self.registrations)
        )

    @property
    def median_wait_days(self) -> float | None:
        if self.suppressed or not self.waits:
            return None
        return float(statistics.median(self.waits))


def min_cell() -> int:
    return int(getattr(settings, "ASILO_FAIRNESS_MIN_CELL", 5))


def fairness_report(program: Program) -> dict[str, list[FairnessCell]]:
    """Outcomes and waiting time (days from registration, or MPP enrolment, to the first
    appointment) by nationality of the person registering, family size, channel and priority
    tier. Aggregates only; groups smaller than ``ASILO_FAIRNESS_MIN_CELL`` are suppressed."""
    regs = list(
        Registration.objects.filter(program=program)
        .exclude(status=Status.NOT_ELIGIBLE)
        .annotate(
            n_members=Count("members", distinct=True),
        )
        .values("id", "channel", "tier", "registered_on", "mpp_enrolled_on", "n_members")
    )
    principal = dict(
        Member.objects.filter(registration__program=program, position=0).values_list(
            "registration_id", "nationality"
        )
    )
    firsts: dict[int, date] = {}
    outcomes: dict[int, set[str]] = defaultdict(set)
    for a in (
        Appointment.objects.filter(run__program=program)
        .order_by("created_at", "id")
        .values("registration_id", "date", "status")
    ):
        firsts.setdefault(a["registration_id"], a["date"])
        outcomes[a["registration_id"]].add(a["status"])
    dims: dict[str, dict[str, FairnessCell]] = {
        "nationality": {},
        "family_size": {},
        "channel": {},
        "tier": {},
    }
    for r in regs:
        keys = {
            "nationality": principal.get(r["id"], "?"),
            "family_size": _size_group(r["n_members"]),
            "channel": r["channel"],
            "tier": str(r["tier"]),
        }
        waited_from = r["mpp_enrolled_on"] or timezone.localdate(r["registered_on"])
        for dim, key in keys.items():
            cell = dims[dim].setdefault(key, FairnessCell(dim, key, waits=[]))
            cell.registrations += 1
            if r["id"] in firsts:
                cell.allocated += 1
                assert cell.waits is not None
                cell.waits.append((firsts[r["id"]] - waited_from).days)
            cell.checked_in += int(AppointmentStatus.CHECKED_IN in outcomes[r["id"]])
            cell.no_shows += int(AppointmentStatus.NO_SHOW in outcomes[r["id"]])
    smallest = min_cell()
    report: dict[str, list[FairnessCell]] = {}
    for dim, cells in dims.items():
        for cell in cells.values():
            if cell.registrations < smallest:
                cell.suppressed = True
                cell.allocated = cell.checked_in = cell.no_shows = 0
                cell.waits = []
        report[dim] = sorted(cells.values(), key=lambda c, d=dim: _cell_order(d, c))
    return report


def families_waiting(program: Program) -> int:
    return allocation_queue(program).count()


@dataclass(frozen=True)
class QueuedRun:
    """An allocation asked for on the page or the API, as the task queue knows it."""

    task_id: str
    status: str
    enqueued_at: Any
    start: str
    seed: Any
    run_id: int | None
    error: str


def queued_runs(program: Program, limit: int = 10) -> list[QueuedRun]:
    """The latest allocation tasks of ``program`` in the database task queue (empty with
    another task backend)."""
    from django.apps import apps

    from asilo.web.appointments.errors import AppointmentError, AppointmentErrorCode

    if not apps.is_installed("django_tasks_db"):
        return []
    from django_tasks_db.models import DBTaskResult

    out = []
    rows = DBTaskResult.objects.filter(
        task_path="asilo.web.appointments.tasks.run_allocation"
    ).order_by("-enqueued_at")
    for row in rows[: limit * 5]:
        kwargs = (row.args_kwargs or {}).get("kwargs", {})
        if kwargs.get("program") != program.code:
            continue
        value = row.return_value if isinstance(row.return_value, dict) else {}
        error = ""
        if value.get("error"):
            try:
                code = AppointmentErrorCode(value["error"])
                error = AppointmentError(code, **(value.get("params") or {})).message
            except (ValueError, KeyError):
                error = str(value["error"])
        elif row.status == "FAILED":
            error = row.exception_class_path.rsplit(".", 1)[-1]
        out.append(
            QueuedRun(
                task_id=str(row.id),
                status=str(row.status),
                enqueued_at=row.enqueued_at,
                start=str(kwargs.get("start", "")),
                seed=kwargs.get("seed"),
                run_id=value.get("run"),
                error=error,
            )
        )
        if len(out) == limit:
            break
    return out
