"""What a run sees and the arithmetic of its windows (reads, no writes): the published
method, the room left per port and day, the queue as the method sees it, each family's hour-long
window, and the days a waiting family can expect."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.utils import timezone

from asilo.scheduling import (
    AllocationInputError,
    Method,
    MethodError,
    PortDayCapacity,
    load_method,
)
from asilo.scheduling import Registration as QueuedFamily
from asilo.scheduling.estimate import ExpectedWindow
from asilo.scheduling.estimate import expected_window as estimate_window
from asilo.scheduling.method import parse_method
from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.errors import AppointmentErrorCode as C
from asilo.web.appointments.models import (
    HOLDS_ROOM,
    Appointment,
    AppointmentStatus,
    PortCapacity,
)
from asilo.web.appointments.ports import zone_of
from asilo.web.appointments.selectors.families import allocation_queue
from asilo.web.registrations.models import (
    Program,
    Registration,
)
from asilo.web.registrations.validation import tier_of

EASTERN = ZoneInfo("America/New_York")
WINDOW = timedelta(hours=1)


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


def persons_holding_room(program: Program, port: str, day: date) -> int:
    held = Appointment.objects.filter(
        run__program=program, port=port, date=day, status__in=HOLDS_ROOM
    ).aggregate(n=Sum("family_size"))["n"]
    return int(held or 0)


def window_over(port: str, day: date, end: time, now: datetime) -> bool:
    """Has the port's local time at ``now`` reached ``end`` on ``day``?"""
    local = timezone.localtime(now, zone_of(port)).replace(tzinfo=None)
    return datetime.combine(day, end) <= local


def window_begun(appointment: Appointment, now: datetime) -> bool:
    return window_over(appointment.port, appointment.date, appointment.window_start, now)


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


def queued_families(
    program: Program, ports: Sequence[str]
) -> tuple[list[QueuedFamily], dict[str, int]]:
    """The program's queue as the method sees it, and registration number -> primary key.

    ``registered_on``: the MPP enrolment date when there is one, else the date of first
    registration; ``tier`` from the vulnerabilities; preferred ports kept in their order
    (those no longer in the program dropped; none left means any port)."""
    known = set(ports)
    families: list[QueuedFamily] = []
    ids: dict[str, int] = {}
    for row in allocation_queue(program).values(  # type: ignore[misc]  # n_members: annotated
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


def inputs_snapshot(
    families: Sequence[QueuedFamily], rows: Sequence[PortDayCapacity]
) -> dict[str, Any]:
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
    inputs: dict[str, Any],
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


#: The expected window is counted from the day after the page is shown: a run started now gives
#: out days from its start on, and the family needs at least a day to be told and to travel.
EXPECTED_WINDOW_FIRST_DAY = timedelta(days=1)


def expected_window(registration: Registration, today: date | None = None) -> ExpectedWindow | None:
    """The range of days in which a family still waiting can expect its appointment (see
    ``asilo.scheduling.estimate``): the queue and the room left exactly as the next run would
    see them, from tomorrow on, within the program's method's horizon. None when the family is
    not waiting in the queue (not eligible, or already booked, cancelled, ...)."""
    program = registration.program
    families, _ids = queued_families(program, program.ports)
    if not any(f.registration_id == registration.number for f in families):
        return None
    try:
        method = method_for(program)
    except AppointmentError:
        return None
    start = (today or timezone.localdate()) + EXPECTED_WINDOW_FIRST_DAY
    try:
        rows = capacity_plan(program, start, method.horizon_days).rows
    except AppointmentError:  # no capacity at all within the horizon
        rows = []
    try:
        return estimate_window(registration.number, families, rows, method=method, start=start)
    except AllocationInputError:
        return None
