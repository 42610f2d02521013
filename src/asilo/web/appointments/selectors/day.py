"""Reads for the staff pages: capacities and their use, runs, the day at a port, the
allocation tasks queued."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Count, QuerySet, Sum

from asilo.web.appointments.errors import AppointmentError, AppointmentErrorCode
from asilo.web.appointments.models import (
    HOLDS_ROOM,
    AllocationRun,
    Appointment,
    AppointmentStatus,
    PortCapacity,
)
from asilo.web.registrations.models import (
    Program,
)


@dataclass(frozen=True)
class CapacityRow:
    """A port's day: its capacity and use in persons, as the pages and the API show it."""

    port: str
    date: date
    capacity: int
    booked: int
    checked_in: int
    no_shows: int
    #: Persons the day can still take: worked out from the use, never given.
    free: int = field(init=False)
    opens_at: time
    closes_at: time

    def __post_init__(self) -> None:
        room = max(0, self.capacity - self.booked - self.checked_in - self.no_shows)
        object.__setattr__(self, "free", room)  # the documented way to set a frozen field


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


def day_at_port(port: str, day: date, status: str = "") -> QuerySet[Appointment]:
    """The port's appointments on ``day`` (only those in ``status`` when given: each count of
    the day's summary links to its list)."""
    rows = Appointment.objects.select_related("registration", "encounter").filter(
        port=port, date=day
    )
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("window_start", "priority_rank")


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
                code = AppointmentErrorCode.of(value["error"])
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
