"""Registrations per second on PostgreSQL, with latency percentiles, through the real API.

Starts a throwaway PostgreSQL cluster (``tests/pg_cluster.py``), migrates it, serves the app
with gunicorn, then sends ``--requests`` self-service registrations (``POST
/api/v1/registrations``, families of 1–6 people, every field encrypted, the fraud signals
running) from ``--clients`` concurrent clients. One request in twenty repeats an earlier
client request id (a double tap), which must answer 200 with the first registration.

Prints the load average, the throughput, p50/p95/p99 latency, a floor measured in the same
run (the same clients asking the same server for the status page), errors, and checks
afterwards that the database holds exactly one registration per distinct request id and that
the audit trail's hash chain, written by every worker at once, is unbroken.

``--probe`` serves with ``registration_probe.py`` as gunicorn's configuration: each worker
counts a registration's SQL statements and times the audit chain's lock (how long a
registration waits for it, and holds it until commit), numbers only. The share of the run's
wall time during which the lock was held says how close the server is to the lock's bound:
audited writes are one at a time, so no number of workers gets past 1 / (time held).

``--before-source DIR`` (a checkout of an earlier revision, e.g. ``mkdir DIR && git archive
REV src | tar -x -C DIR``) measures that code first, then this tree's, each on a fresh
cluster with the same requests, and prints both. On a shared machine one pair says little:
``--rounds N`` alternates them N times and prints the medians.

    .venv/bin/python benchmarks/registration_load.py [--requests 3000] [--clients 8]
        [--workers 2] [--probe] [--before-source DIR] [--rounds N]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from pg_cluster import free_port, pg_cluster  # noqa: E402
from registration_probe import COLUMNS as PROBE_COLUMNS  # noqa: E402

PROGRAM = "port-appointments-2023"
NATIONALITIES = ["HTI", "VEN", "HND", "GTM", "SLV", "NIC", "CUB", "COL", "ECU", "MEX"]
GIVEN = ["María", "José", "Jean", "Widlyne", "Yeiber", "Ana", "Luis", "Rosa", "Kevin", "Olga"]
SURNAMES = ["López", "Pierre", "Rojas", "Hernández", "Joseph", "Chuc", "Pérez", "Gómez"]
PORTS = ["San Ysidro", "El Paso", "Hidalgo", "Brownsville", "Nogales", "Laredo"]
#: Family sizes weighted roughly like family units at the border (most of 2–4 people).
SIZES = [1, 2, 2, 3, 3, 3, 4, 4, 5, 6]


def family(rng: random.Random) -> dict[str, Any]:
    size = rng.choice(SIZES)
    members = []
    for index in range(size):
        adult = index < (2 if size > 2 else 1)
        year = rng.randint(1960, 2004) if adult else rng.randint(2008, 2022)
        members.append(
            {
                "given_names": f"{rng.choice(GIVEN)} {rng.choice(GIVEN)}",
                "surnames": f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}",
                "date_of_birth": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "sex": rng.choice(["female", "male"]),
                "nationality": rng.choice(NATIONALITIES),
                "relationship": "principal" if index == 0 else ("spouse" if adult else "child"),
            }
        )
    whatsapp = f"+52 {rng.randint(600, 999)} {rng.randint(100, 999)} {rng.randint(0, 9999):04d}"
    return {
        "program": PROGRAM,
        "client_request_id": str(uuid.uuid4()),
        "members": members,
        "whatsapp": whatsapp,
        "waiting_city": rng.choice(["Tijuana", "Ciudad Juárez", "Reynosa", "Matamoros"]),
        "preferred_ports": rng.sample(PORTS, k=rng.randint(0, 3)),
        "languages": ["es"],
        "vulnerabilities": rng.choice([[], [], [], ["pregnancy"], ["medical_emergency"]]),
        "language": rng.choice(["es", "ht", "en"]),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def run_server(
    env: dict[str, str], port: int, workers: int, log: Any, *, probe: bool = False
) -> subprocess.Popen[bytes]:
    config = ["--config", str(ROOT / "benchmarks" / "registration_probe.py")] if probe else []
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "asilo.web.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            *config,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,  # a file: a pipe nobody reads would fill up and block the workers
    )


def wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited; see its log")
        try:
            if httpx.get(url + "/registrations/status/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


def load(base: str, docs: list[dict[str, Any]], clients: int) -> tuple[list[float], list[Any]]:
    latencies: list[float] = []
    failures: list[Any] = []
    lock = threading.Lock()
    local = threading.local()

    def send(doc: dict[str, Any]) -> None:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, timeout=60)
        start = time.perf_counter()
        try:
            res = local.client.post("/api/v1/registrations", json=doc)
            ok = res.status_code in (200, 201)
            detail: Any = (res.status_code, res.text[:300])
        except httpx.HTTPError as exc:
            ok, detail = False, repr(exc)
        elapsed = time.perf_counter() - start
        with lock:
            latencies.append(elapsed)
            if not ok:
                failures.append(detail)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(send, docs))
    return latencies, failures


def floor(base: str, count: int, clients: int) -> tuple[float, list[float]]:
    """The floor, measured in the same run: the same clients asking the same server for the
    status page (no database write, no encryption). On a shared machine both figures slow
    down together; their ratio is what a registration costs beyond serving a page."""
    latencies: list[float] = []
    lock = threading.Lock()
    local = threading.local()

    def get(_: int) -> None:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, timeout=60)
        start = time.perf_counter()
        local.client.get("/registrations/status/")
        with lock:
            latencies.append(time.perf_counter() - start)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(get, range(count)))
    return time.perf_counter() - started, latencies


def summarise_probe(folder: Path) -> dict[str, float] | None:
    """Medians and totals of what ``registration_probe.py`` wrote, one line per registration."""
    rows = [
        [float(v) for v in line.split("\t")]
        for path in sorted(folder.glob("*.tsv"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    if not rows:
        return None
    columns = {name: [row[i] for row in rows] for i, name in enumerate(PROBE_COLUMNS)}
    held = columns["lock_held_ms"]
    return {
        "n": len(rows),
        "wall_ms": statistics.median(columns["wall_ms"]),
        "cpu_ms": statistics.median(columns["cpu_ms"]),
        "statements": statistics.median(columns["statements"]),
        "statements_locked": statistics.median(columns["statements_locked"]),
        "lock_wait_ms": statistics.median(columns["lock_wait_ms"]),
        "lock_wait_p95_ms": percentile(columns["lock_wait_ms"], 95),
        "lock_held_ms": statistics.median(held),
        "lock_held_p95_ms": percentile(held, 95),
        "lock_held_total_s": sum(held) / 1000,
    }


def run_once(args: argparse.Namespace, source: Path | None) -> dict[str, Any]:
    """One whole measurement on a fresh cluster: the code of ``source`` (a checkout's
    ``src/`` first on the server's ``PYTHONPATH``), or this tree's."""
    rng = random.Random(args.seed)
    probe_dir = Path(tempfile.mkdtemp(prefix="asilo-probe-"))
    with pg_cluster() as database_url:
        env = dict(
            os.environ,
            DATABASE_URL=database_url,
            DJANGO_SETTINGS_MODULE="asilo.web.settings",
            ASILO_LOG_LEVEL="WARNING",
            # Every request comes from this one client: the self-service flood limits would
            # refuse all but the first 20 an hour. Raised, not switched off, so their counters
            # (the database cache) still cost what they cost in production.
            ASILO_SELF_SERVICE_RATE_CLIENT="1000000/h",
            ASILO_SELF_SERVICE_RATE_NETWORK="1000000/h",
            ASILO_SELF_SERVICE_RATE_CONTACT="1000000/d",
            ASILO_BENCH_PROBE_DIR=str(probe_dir),
        )
        if source is not None:
            env["PYTHONPATH"] = os.pathsep.join(
                [str(source / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
            )
        os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="asilo.web.settings")
        for command in ("migrate", "createcachetable"):  # as `asilo serve` does
            subprocess.run(
                [str(ROOT / ".venv" / "bin" / "django-admin"), command, "--verbosity", "0"],
                env=env,
                check=True,
            )
        import django
        import environ
        from django.db import connection

        django.setup()
        # A second run (``--before-source``) has a cluster of its own: this process's
        # connection follows it (the settings read the first cluster's address at start).
        connection.close()
        connection.settings_dict.update(environ.Env.db_url_config(database_url))
        logging.getLogger("httpx").setLevel(logging.WARNING)
        from asilo.web.audit.selectors import audit_chain_report
        from asilo.web.registrations.models import Program, Registration
        from asilo.web.registrations.programs import ensure_default_programs

        ensure_default_programs()
        # The 2023 process ended in 2025: replay it as of a day it was running.
        Program.objects.filter(code=PROGRAM).update(rules_as_of=date(2023, 6, 1))

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryFile() as log:
            server = run_server(env, port, args.workers, log, probe=args.probe)
            try:
                wait_ready(base, server)
                warm = [family(rng) for _ in range(args.workers * 8)]
                load(base, warm, args.clients)  # key derivation and connections, per worker
                time.sleep(1)  # a worker writes its line after its answer is sent
                for path in probe_dir.glob("*.tsv"):
                    path.unlink()  # the warm-up is not measured
                docs = []
                for index in range(args.requests):
                    if index % 20 == 19:
                        docs.append(dict(docs[rng.randrange(len(docs))]))  # a double tap
                    else:
                        docs.append(family(rng))
                floor_count = min(len(docs), 1000)
                load_before = os.getloadavg()
                floor_wall, floor_latencies = floor(base, floor_count, args.clients)
                started = time.perf_counter()
                latencies, failures = load(base, docs, args.clients)
                wall = time.perf_counter() - started
                load_after = os.getloadavg()
            finally:
                server.terminate()
                server.wait(timeout=30)
        result = {
            "pg_version": connection.pg_version // 10000,
            "requests": len(docs),
            "distinct": len({d["client_request_id"] for d in docs + warm}),
            "stored": Registration.objects.count(),
            "wall": wall,
            "latencies": latencies,
            "failures": failures,
            "floor_count": floor_count,
            "floor_wall": floor_wall,
            "floor_latencies": floor_latencies,
            "load": (load_before[0], load_after[0]),
            "probe": summarise_probe(probe_dir),
            "chain": audit_chain_report(),
        }
        connection.close()
    shutil.rmtree(probe_dir, ignore_errors=True)
    return result


def report(label: str, args: argparse.Namespace, r: dict[str, Any]) -> None:
    latencies, floor_latencies = r["latencies"], r["floor_latencies"]
    print(f"{label}registration load on PostgreSQL ({r['pg_version']})")
    print(
        f"requests: {r['requests']} ({r['requests'] // 20} repeats of an earlier request id);"
        f" clients: {args.clients}; gunicorn workers: {args.workers}"
    )
    print(
        "load average (1 min) before the floor / after the load:"
        f" {r['load'][0]:.1f} / {r['load'][1]:.1f}"
    )
    print(f"throughput: {r['requests'] / r['wall']:.0f} registrations/s over {r['wall']:.1f} s")
    print(
        f"latency: p50 {percentile(latencies, 50) * 1000:.0f} ms,"
        f" p95 {percentile(latencies, 95) * 1000:.0f} ms,"
        f" p99 {percentile(latencies, 99) * 1000:.0f} ms,"
        f" mean {statistics.mean(latencies) * 1000:.0f} ms"
    )
    print(
        f"floor (GET /registrations/status/, same clients, same run):"
        f" {r['floor_count'] / r['floor_wall']:.0f} pages/s,"
        f" p50 {percentile(floor_latencies, 50) * 1000:.0f} ms"
    )
    probe = r["probe"]
    if probe is not None:
        print(
            f"per registration (server side, medians of {probe['n']:.0f}):"
            f" {probe['wall_ms']:.1f} ms,"
            f" CPU {probe['cpu_ms']:.1f} ms, {probe['statements']:.0f} statements"
            f" ({probe['statements_locked']:.0f} with the audit chain's lock held)"
        )
        print(
            f"audit chain lock: held {probe['lock_held_ms']:.1f} ms (p95"
            f" {probe['lock_held_p95_ms']:.1f}) until commit, waited for"
            f" {probe['lock_wait_ms']:.1f} ms (p95 {probe['lock_wait_p95_ms']:.1f});"
            f" held {probe['lock_held_total_s']:.1f} s"
            f" of the {r['wall']:.1f} s ({probe['lock_held_total_s'] / r['wall']:.0%})"
        )
    print(f"errors: {len(r['failures'])}")
    for failure in r["failures"][:5]:
        print(f"  {failure}")
    print(f"registrations stored: {r['stored']} for {r['distinct']} distinct request ids")
    chain = r["chain"]
    print(
        f"audit chain: {chain.entries} entries, "
        + ("unbroken" if chain.first_break is None else f"BROKEN at entry {chain.first_break}")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument(
        "--probe",
        action="store_true",
        help="count each registration's statements and time the audit chain's lock in the"
        " server (registration_probe.py; numbers only)",
    )
    parser.add_argument(
        "--before-source",
        help="also measure a checkout of an earlier revision first (its src/ first on the"
        " server's PYTHONPATH, e.g. from `git archive REV src | tar -x -C DIR`), each on a"
        " fresh cluster, one after the other",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure this many times (with --before-source: before and after alternating),"
        " then print the medians",
    )
    args = parser.parse_args()
    before = Path(args.before_source).resolve() if args.before_source else None
    if before is not None and not (before / "src" / "asilo").is_dir():
        raise SystemExit(f"--before-source: {before} has no src/asilo (a checkout of asilo)")
    if args.rounds < 1:
        raise SystemExit("--rounds: at least 1")
    sources: list[tuple[str, Path | None]] = [("after", None)]
    if before is not None:
        sources = [("before", before), ("after", None)]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in sources}
    ok = True
    for round_number in range(1, args.rounds + 1):
        for name, source in sources:
            result = run_once(args, source)
            runs[name].append(result)
            label = f"{name}: " if before is not None else ""
            report(f"round {round_number}, {label}" if args.rounds > 1 else label, args, result)
            print(flush=True)
            ok = ok and not result["failures"] and result["stored"] == result["distinct"]
            ok = ok and result["chain"].first_break is None
    if args.rounds > 1:
        print(f"medians of {args.rounds} rounds:")
        for name, results in runs.items():
            print(f"  {name}: {medians(results)}")
    return 0 if ok else 1


def medians(results: list[dict[str, Any]]) -> str:
    """One line: the medians over rounds of throughput, p50, the floor and the lock."""
    rate = statistics.median(r["requests"] / r["wall"] for r in results)
    p50 = statistics.median(percentile(r["latencies"], 50) * 1000 for r in results)
    floor_rate = statistics.median(r["floor_count"] / r["floor_wall"] for r in results)
    load = statistics.median(v for r in results for v in r["load"])
    line = (
        f"{rate:.0f} registrations/s, p50 {p50:.0f} ms; floor {floor_rate:.0f} pages/s;"
        f" load average {load:.1f}"
    )
    probes = [r["probe"] for r in results if r["probe"] is not None]
    if probes:
        held = statistics.median(p["lock_held_ms"] for p in probes)
        cpu = statistics.median(p["cpu_ms"] for p in probes)
        line += f"; CPU {cpu:.1f} ms and the chain's lock held {held:.1f} ms per registration"
    return line


if __name__ == "__main__":
    sys.exit(main())
