"""Benchmark of ``asilo schedule allocate`` end to end: 1,000,000 registrations, 8 ports, 60 days.

Writes the two input files (registrations in random order, capacity) into a temporary folder,
then times, as separate processes started the same way and in the same run:

* the command a user runs: ``asilo schedule allocate --registrations R.csv --capacity C.csv
  --seed N --out A.csv`` (process start to exit: reading and checking both files, ranking,
  allocating, the input digests and writing the appointments);
* the floor: a Python process that imports DuckDB, reads the same two files, hashes every
  registration's lottery message with SHA-256, sorts by tier, lottery number and id, and writes
  a 1,000,000-row CSV of ids and ranks (what any tool must at least do with these files).

It prints both, their ratio, the CPU time of each process and its peak resident memory.

    .venv/bin/python benchmarks/allocate.py [--registrations N] [--seed N] [--runs N]
        [--in-process]

``--in-process`` also times the phases of the pure ``allocate()`` call on objects already in
memory (what the previous version of this benchmark timed).

The workload is generated from a fixed seed. Family sizes 1-9 follow an assumed distribution
of family units, mostly 1-4 persons (CBP publishes counts of persons in family units, not the
sizes of the groups, so the weights below are an assumption, not a statistic). Capacity is
1,450 persons a day over the eight CBP One ports, CBP's figure from 30 June 2023; its split
between ports is illustrative.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import numpy as np

from asilo.scheduling import (
    PortDayCapacity,
    Registration,
    allocate,
    load_method,
    write_capacity_csv,
    write_registrations_csv,
)
from asilo.scheduling.allocation import cyclic_gc_paused

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

#: The floor: DuckDB reads both files, hashes, sorts and writes (run as its own process).
FLOOR = """
import sys, duckdb
regs, cap, seed, out = sys.argv[1:5]
con = duckdb.connect()
con.execute(f"SELECT count(*), sum(capacity) FROM read_csv('{cap}', header = true)").fetchall()
con.execute(f'''
    COPY (
        SELECT registration_id, row_number() OVER (ORDER BY tier, lottery, registration_id)
            AS priority_rank
        FROM (
            SELECT registration_id, tier,
                   sha256('{seed}:' || registration_id) AS lottery
            FROM read_csv('{regs}', header = true, all_varchar = true)
        )
        ORDER BY priority_rank
    ) TO '{out}' (HEADER true)
''')
"""


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


def run_process(argv: list[str]) -> tuple[float, float, float]:
    """Run a process to its end: wall-clock seconds, CPU seconds and peak resident MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024  # Linux: kilobytes; the largest child so far


def timed(label: str, work: Callable[[], T]) -> tuple[T, float]:
    start, start_cpu = time.perf_counter(), time.process_time()
    with cyclic_gc_paused():
        value = work()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(f"  {label:<44} {elapsed:7.2f} s   (CPU {cpu:5.2f} s)")
    return value, elapsed


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--registrations", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20230512)
    parser.add_argument("--runs", type=int, default=3, help="runs of each process (median)")
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    method = load_method()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} (1, 5, 15 min)")
    print(
        f"allocate benchmark: {args.registrations:,} registrations, {len(PORT_DAILY_CAPACITY)} "
        f"ports, {DAYS} days, {sum(PORT_DAILY_CAPACITY.values()):,} persons a day, "
        f"method {method.label}, seed {args.seed}"
    )
    asilo = shutil.which("asilo", path=str(Path(sys.executable).parent)) or "asilo"
    folder = Path(tempfile.mkdtemp(prefix="asilo-allocate-bench-"))
    try:
        capacity = make_capacity()
        registrations = make_registrations(args.registrations, args.seed)
        regs, cap = folder / "registrations.csv", folder / "capacity.csv"
        write_registrations_csv(registrations, regs)
        write_capacity_csv(capacity, cap)
        print(
            f"inputs: {regs.stat().st_size / 1e6:,.1f} MB of registrations, "
            f"{len(capacity):,} capacity rows (written to a temporary folder, not timed)"
        )
        out, floor_out = folder / "appointments.csv", folder / "floor.csv"
        command = [asilo, "schedule", "allocate", "--registrations", str(regs)]
        command += ["--capacity", str(cap), "--seed", str(args.seed), "--out", str(out)]
        floor = [sys.executable, "-c", FLOOR, str(regs), str(cap), str(args.seed), str(floor_out)]
        commands: list[tuple[float, float, float]] = []
        floors: list[tuple[float, float, float]] = []
        for _ in range(args.runs):  # alternate, so that both meet the same machine load
            floors.append(run_process(floor))
            commands.append(run_process(command))
        wall = statistics.median(r[0] for r in commands)
        floor_wall = statistics.median(r[0] for r in floors)
        print(f"runs: {args.runs} of each, alternating; medians:")
        print(
            f"  asilo schedule allocate  {wall:6.2f} s   (CPU "
            f"{statistics.median(r[1] for r in commands):5.2f} s, peak "
            f"{max(r[2] for r in commands):,.0f} MB)   each run: "
            + ", ".join(f"{r[0]:.2f}" for r in commands)
        )
        print(
            f"  DuckDB floor             {floor_wall:6.2f} s   (CPU "
            f"{statistics.median(r[1] for r in floors):5.2f} s)   each run: "
            + ", ".join(f"{r[0]:.2f}" for r in floors)
        )
        ratio = wall / floor_wall
        cpu_ratio = statistics.median(r[1] for r in commands) / statistics.median(
            r[1] for r in floors
        )
        print(f"  ratio to the floor       {ratio:6.2f} x   (CPU time: {cpu_ratio:.2f} x)")
        rows = sum(1 for _ in out.open(encoding="utf-8")) - 1
        print(f"appointments file: {rows:,} rows, sha256 {sha256_file(out)[:16]}...")
        goal = wall < 5 and ratio <= 3
        verdict = "met" if goal else "NOT met"
        print(f"goal (under 5 s end to end and within 3 x the floor): {verdict}")
        if args.in_process:
            print("in process, on objects already in memory (not the command):")
            result, _ = timed(
                "one allocate() call",
                lambda: allocate(registrations, capacity, method=method, seed=args.seed),
            )
            print(f"  input digest {result.input_digest[:16]}...")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
