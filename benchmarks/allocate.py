"""Benchmark of the allocation method: 1,000,000 registrations, 8 ports, 60 days.

Prints the time of each phase (ranking, allocation, input digests) measured separately, the time
of one end-to-end ``allocate()`` call, and the process's peak resident memory.

    .venv/bin/python benchmarks/allocate.py [--registrations N] [--seed N]

The workload is generated from a fixed seed. Family sizes 1-9 follow an assumed distribution
of family units, mostly 1-4 persons (CBP publishes counts of persons in family units, not the
sizes of the groups, so the weights below are an assumption, not a statistic). Capacity is
1,450 persons a day over the eight CBP One ports, CBP's figure from 30 June 2023; its split
between ports is illustrative.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import TypeVar

import numpy as np

from asilo.scheduling import PortDayCapacity, Registration, allocate, load_method
from asilo.scheduling.allocation import (
    appointments_in_rank_order,
    capacity_grid,
    cyclic_gc_paused,
    place_families,
    port_choices,
)
from asilo.scheduling.columns import RegistrationColumns
from asilo.scheduling.digest import capacity_digest, registrations_digest
from asilo.scheduling.ranking import PriorityOrder, priority_order

T = TypeVar("T")

PORT_DAILY_CAPACITY = {  # persons a day; sums to 1,450
    "San Ysidro": 300,
    "Calexico": 100,
    "Nogales": 150,
    "El Paso": 250,
    "Eagle Pass": 100,
    "Laredo": 150,
    "Hidalgo": 250,
    "Brownsville": 150,
}
FAMILY_SIZE_WEIGHTS = (0.30, 0.25, 0.20, 0.13, 0.06, 0.03, 0.015, 0.01, 0.005)  # sizes 1..9
TIER_WEIGHTS = (0.02, 0.10, 0.88)  # urgent medical need, vulnerability, everyone else
FIRST_DAY = date(2023, 7, 1)
DAYS = 60


def make_capacity() -> list[PortDayCapacity]:
    return [
        PortDayCapacity(port=port, date=FIRST_DAY + timedelta(days=d), capacity=persons)
        for d in range(DAYS)
        for port, persons in PORT_DAILY_CAPACITY.items()
    ]


def make_registrations(count: int, seed: int) -> list[Registration]:
    """Registrations over the year before the first day; 40% name no port, 40% one, 20% two;
    in random order."""
    rng = np.random.default_rng(seed)
    ports = list(PORT_DAILY_CAPACITY)
    sizes = rng.choice(np.arange(1, 10), size=count, p=FAMILY_SIZE_WEIGHTS).tolist()
    tiers = rng.choice(np.arange(3), size=count, p=TIER_WEIGHTS).tolist()
    waited = rng.integers(1, 366, size=count).tolist()
    how_many = rng.choice(np.arange(3), size=count, p=(0.4, 0.4, 0.2)).tolist()
    first = rng.integers(0, len(ports), size=count).tolist()
    second = rng.integers(1, len(ports), size=count).tolist()
    dates = [FIRST_DAY - timedelta(days=d) for d in range(366)]
    preferences: list[tuple[str, ...]] = [
        (),
        *[(p,) for p in ports],
    ]
    pairs = {(a, b): (ports[a], ports[(a + b) % len(ports)]) for a in range(8) for b in range(1, 8)}
    registrations = []
    for k in range(count):
        if how_many[k] == 0:
            preferred = preferences[0]
        elif how_many[k] == 1:
            preferred = preferences[1 + first[k]]
        else:
            preferred = pairs[(first[k], second[k])]
        registrations.append(
            Registration(
                registration_id=f"R{k:07d}",
                family_size=sizes[k],
                registered_on=dates[waited[k]],
                tier=tiers[k],
                preferred_ports=preferred,
            )
        )
    random.Random(seed).shuffle(registrations)  # no help from input already in id order
    return registrations


def timed(label: str, work: Callable[[], T]) -> tuple[T, float]:
    """Time one phase, under the same conditions as inside allocate() (cyclic GC paused).

    Prints the wall-clock time and the CPU time of this process: when other programs share
    the machine's cores, the wall-clock time grows but the CPU time stays close to the work."""
    start, start_cpu = time.perf_counter(), time.process_time()
    with cyclic_gc_paused():
        value = work()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(f"  {label:<44} {elapsed:7.2f} s   (CPU {cpu:5.2f} s)")
    return value, elapsed


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--registrations", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20230512)
    args = parser.parse_args()
    method = load_method()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} (1, 5, 15 min)")
    print(
        f"allocation benchmark: {args.registrations:,} registrations, {len(PORT_DAILY_CAPACITY)} "
        f"ports, {DAYS} days, {sum(PORT_DAILY_CAPACITY.values()):,} persons a day, "
        f"method {method.label}, seed {args.seed}"
    )
    print("phases, each timed on its own:")
    capacity, _ = timed("generate capacity (not counted)", make_capacity)
    registrations, _ = timed(
        "generate registrations (not counted)",
        lambda: make_registrations(args.registrations, args.seed),
    )
    memory_inputs = peak_memory_mb()

    def ranking_phase() -> tuple[RegistrationColumns, PriorityOrder]:
        columns = RegistrationColumns.of(registrations)
        return columns, priority_order(
            registrations, method=method, seed=args.seed, columns=columns
        )

    (columns, ranking), t_rank = timed("ranking (tiers, waiting order, lottery)", ranking_phase)

    def allocation_phase() -> int:
        grid = capacity_grid(capacity, method.horizon_days)
        choices = port_choices(registrations, grid.ports)
        port_of, day_of = place_families(ranking.indices, columns.family_sizes, choices, grid.room)
        appointments = appointments_in_rank_order(columns, ranking, grid, port_of, day_of)
        return sum(1 for a in appointments if a.port is not None)

    allocated, t_alloc = timed("allocation (days and ports, in rank order)", allocation_phase)
    _, t_digest = timed(
        "input digests (SHA-256 of canonical CSV)",
        lambda: (
            registrations_digest(registrations, columns.id_order.tolist()),
            capacity_digest(capacity),
        ),
    )
    print(f"  {'sum of the three phases':<44} {t_rank + t_alloc + t_digest:7.2f} s")
    result, t_total = timed(
        "end to end: one allocate() call",
        lambda: allocate(registrations, capacity, method=method, seed=args.seed),
    )
    families = len(result.allocated())
    persons = sum(a.family_size for a in result.allocated())
    assert families == allocated, "the two runs disagree"
    print(
        f"result: {families:,} families ({persons:,} persons) allocated, "
        f"{len(result.appointments) - families:,} unallocated; "
        f"input digest {result.input_digest[:16]}..."
    )
    peak = peak_memory_mb()
    print(f"peak resident memory: {peak:,.0f} MB (of which {memory_inputs:,.0f} MB after inputs)")
    goal_met = t_total < 5 and peak < 1536
    print(f"goal (under 5 s end to end, under 1.5 GB): {'met' if goal_met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
