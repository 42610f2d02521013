"""Allocation: in priority order, each family unit receives the earliest day on which one of its
preferred ports of entry has room for the whole family, and on that day the first such port in
its order of preference. A family with no preference takes the ports in the capacity order.

Speed: for every port and family size, a pointer marks the earliest day that may still have room
for a family of that size. Room only ever shrinks, so a pointer only moves forward, and the
whole allocation costs one step per family and preferred port plus at most one step per port,
size and day.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter

import numpy as np

from asilo.scheduling.columns import RegistrationColumns
from asilo.scheduling.digest import capacity_digest, input_digest, registrations_digest
from asilo.scheduling.method import Method
from asilo.scheduling.model import (
    AllocationInputError,
    AllocationResult,
    Appointment,
    PortDayCapacity,
    Registration,
)
from asilo.scheduling.ranking import PriorityOrder, check_seed, priority_order


@dataclass(frozen=True, slots=True)
class CapacityGrid:
    """Room in persons per port (in capacity order) and per day of the horizon."""

    ports: tuple[str, ...]
    days: tuple[date, ...]
    room: list[list[int]]

    @property
    def horizon_start(self) -> date | None:
        return self.days[0] if self.days else None

    @property
    def horizon_end(self) -> date | None:
        return self.days[-1] if self.days else None


def ports_in_order(capacity: Sequence[PortDayCapacity]) -> tuple[str, ...]:
    """The ports in the order of their first row in the capacity."""
    return tuple(dict.fromkeys(c.port for c in capacity))


def capacity_grid(capacity: Sequence[PortDayCapacity], horizon_days: int) -> CapacityGrid:
    """Lay the capacity out by port and day; rows after the horizon are not used.

    The horizon starts on the earliest date in the capacity and lasts ``horizon_days`` calendar
    days (fewer when the capacity ends sooner); a day without a row has no room.
    """
    ports = ports_in_order(capacity)
    if not capacity:
        return CapacityGrid(ports=(), days=(), room=[])
    start = min(c.date for c in capacity)
    last = min(max(c.date for c in capacity), start + timedelta(days=horizon_days - 1))
    days = tuple(start + timedelta(days=k) for k in range((last - start).days + 1))
    port_index = {port: k for k, port in enumerate(ports)}
    room = [[0] * len(days) for _ in ports]
    seen: set[tuple[str, date]] = set()
    for c in capacity:
        if (c.port, c.date) in seen:
            raise AllocationInputError(f"port {c.port} has two capacities on {c.date.isoformat()}")
        seen.add((c.port, c.date))
        day = (c.date - start).days
        if day < len(days):
            room[port_index[c.port]][day] = c.capacity
    return CapacityGrid(ports=ports, days=days, room=room)


def port_choices(
    registrations: Sequence[Registration], ports: tuple[str, ...]
) -> list[tuple[int, ...]]:
    """Each registration's preferred ports as port positions (all ports when none)."""
    port_index = {port: k for k, port in enumerate(ports)}
    preferences = list(map(attrgetter("preferred_ports"), registrations))
    as_positions: dict[tuple[str, ...], tuple[int, ...]] = {}
    for preferred in dict.fromkeys(preferences):  # first-seen order: the same error every run
        unknown = [port for port in preferred if port not in port_index]
        if unknown:
            registration = registrations[preferences.index(preferred)]
            raise AllocationInputError(
                f"registration {registration.registration_id}: preferred port {unknown[0]!r} "
                "has no capacity (it is not in the capacity)"
            )
        as_positions[preferred] = tuple(port_index[p] for p in preferred) or tuple(
            range(len(ports))
        )
    return list(map(as_positions.__getitem__, preferences))


def place_families(
    order: Sequence[int],
    sizes: Sequence[int],
    choices: Sequence[tuple[int, ...]],
    room: list[list[int]],
) -> tuple[list[int], list[int]]:
    """Give each family, in ``order``, the earliest (day, preferred port) with room for all of
    it, and take that room. Returns per family its port position and day position (-1: none).
    ``room`` is consumed."""
    day_count = len(room[0]) if room else 0
    largest = max(sizes, default=0)
    earliest = [[0] * (largest + 1) for _ in room]
    port_of = [-1] * len(sizes)
    day_of = [-1] * len(sizes)
    room_left = sum(sum(row) for row in room)
    for family in order:
        if room_left == 0:
            break
        size = sizes[family]
        best_day = day_count
        best_port = -1
        for port in choices[family]:
            row = room[port]
            pointers = earliest[port]
            day = pointers[size]
            while day < day_count and row[day] < size:
                day += 1
            pointers[size] = day
            if day < best_day:
                best_day = day
                best_port = port
        if best_port >= 0:
            room[best_port][best_day] -= size
            room_left -= size
            port_of[family] = best_port
            day_of[family] = best_day
    return port_of, day_of


def appointments_in_rank_order(
    columns: RegistrationColumns,
    ranking: PriorityOrder,
    grid: CapacityGrid,
    port_of: list[int],
    day_of: list[int],
) -> tuple[Appointment, ...]:
    """One appointment per registration, in rank order. The columns are gathered into rank
    order with numpy: a million appointments is one of the largest costs of a run."""
    order = np.asarray(ranking.indices, dtype=np.intp)
    # Position -1 (nothing fitted) picks the None at the end of the port and day names.
    port_names = np.array([*grid.ports, None], dtype=object)
    day_names = np.array([*grid.days, None], dtype=object)
    ids = np.array(columns.ids, dtype=object)
    sizes = np.array(columns.family_sizes, dtype=np.int64)
    ports: list[str | None] = port_names[np.asarray(port_of, dtype=np.intp)[order]].tolist()
    days: list[date | None] = day_names[np.asarray(day_of, dtype=np.intp)[order]].tolist()
    appointment_columns = zip(
        ids[order].tolist(),
        range(1, len(order) + 1),
        columns.tiers[order].tolist(),
        ranking.selected_by,
        sizes[order].tolist(),
        ports,
        days,
        strict=True,
    )
    return tuple(map(Appointment._make, appointment_columns))


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a run creates its million small objects.

    Allocation creates no reference cycles, yet each collection walks every object alive (a
    million registrations), which tripled the run time in the benchmark. Memory is still freed
    by reference counting; the collector's previous state is restored afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def allocate(
    registrations: Sequence[Registration],
    capacity: Sequence[PortDayCapacity],
    *,
    method: Method,
    seed: int,
) -> AllocationResult:
    """Run the method: rank every registration, then give appointments in rank order.

    Raises ``AllocationInputError`` for a duplicate registration id, a tier the method does not
    know, a preferred port without capacity, a duplicate port and day, or a negative seed.
    """
    with cyclic_gc_paused():
        return _allocate(registrations, capacity, method=method, seed=seed)


def _allocate(
    registrations: Sequence[Registration],
    capacity: Sequence[PortDayCapacity],
    *,
    method: Method,
    seed: int,
) -> AllocationResult:
    check_seed(seed)
    grid = capacity_grid(capacity, method.horizon_days)
    choices = port_choices(registrations, grid.ports)
    columns = RegistrationColumns.of(registrations)
    ranking = priority_order(registrations, method=method, seed=seed, columns=columns)
    port_of, day_of = place_families(ranking.indices, columns.family_sizes, choices, grid.room)
    regs_sha = registrations_digest(registrations, columns.id_order.tolist())
    cap_sha = capacity_digest(capacity)
    return AllocationResult(
        method_name=method.name,
        method_version=method.version,
        seed=seed,
        registrations_digest=regs_sha,
        capacity_digest=cap_sha,
        input_digest=input_digest(regs_sha, cap_sha),
        horizon_start=grid.horizon_start,
        horizon_end=grid.horizon_end,
        appointments=appointments_in_rank_order(columns, ranking, grid, port_of, day_of),
    )
