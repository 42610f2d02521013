"""Registrations per second on PostgreSQL, with latency percentiles, through the real API.

Starts a throwaway PostgreSQL cluster (``tests/pg_cluster.py``), migrates it, serves the app
with gunicorn, then sends ``--requests`` self-service registrations (``POST
/api/v1/registrations``, families of 1–6 people, every field encrypted, the fraud signals
running) from ``--clients`` concurrent clients. One request in twenty repeats an earlier
client request id (a double tap), which must answer 200 with the first registration.

Prints the throughput, p50/p95/p99 latency, errors, and checks afterwards that the database
holds exactly one registration per distinct request id.

    .venv/bin/python benchmarks/registration_load.py [--requests 3000] [--clients 8]
        [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pg_cluster import free_port, pg_cluster  # noqa: E402

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


def run_server(env: dict[str, str], port: int, workers: int, log: Any) -> subprocess.Popen[bytes]:
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args()
    rng = random.Random(args.seed)
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
        )
        os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="asilo.web.settings")
        for command in ("migrate", "createcachetable"):  # as `asilo serve` does
            subprocess.run(
                [str(ROOT / ".venv" / "bin" / "django-admin"), command, "--verbosity", "0"],
                env=env,
                check=True,
            )
        import logging

        import django

        django.setup()
        logging.getLogger("httpx").setLevel(logging.WARNING)
        from datetime import date

        from asilo.web.registrations.models import Program, Registration
        from asilo.web.registrations.programs import ensure_default_programs

        ensure_default_programs()
        # The 2023 process ended in 2025: replay it as of a day it was running.
        Program.objects.filter(code=PROGRAM).update(rules_as_of=date(2023, 6, 1))

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryFile() as log:
            server = run_server(env, port, args.workers, log)
            try:
                wait_ready(base, server)
                warm = [family(rng) for _ in range(args.workers * 8)]
                load(base, warm, args.clients)  # key derivation and connections, per worker
                docs = []
                for index in range(args.requests):
                    if index % 20 == 19:
                        docs.append(dict(docs[rng.randrange(len(docs))]))  # a double tap
                    else:
                        docs.append(family(rng))
                floor_count = min(len(docs), 1000)
                floor_wall, floor_latencies = floor(base, floor_count, args.clients)
                started = time.perf_counter()
                latencies, failures = load(base, docs, args.clients)
                wall = time.perf_counter() - started
            finally:
                server.terminate()
                server.wait(timeout=30)
        distinct = len({d["client_request_id"] for d in docs + warm})
        stored = Registration.objects.count()
        print(f"registration load on PostgreSQL ({django.db.connection.pg_version // 10000})")
        print(
            f"requests: {len(docs)} ({len(docs) // 20} repeats of an earlier request id);"
            f" clients: {args.clients}; gunicorn workers: {args.workers}"
        )
        print(f"throughput: {len(docs) / wall:.0f} registrations/s over {wall:.1f} s")
        print(
            f"latency: p50 {percentile(latencies, 50) * 1000:.0f} ms,"
            f" p95 {percentile(latencies, 95) * 1000:.0f} ms,"
            f" p99 {percentile(latencies, 99) * 1000:.0f} ms,"
            f" mean {statistics.mean(latencies) * 1000:.0f} ms"
        )
        print(
            f"floor (GET /registrations/status/, same clients, same run):"
            f" {floor_count / floor_wall:.0f} pages/s,"
            f" p50 {percentile(floor_latencies, 50) * 1000:.0f} ms"
        )
        print(f"errors: {len(failures)}")
        for failure in failures[:5]:
            print(f"  {failure}")
        print(f"registrations stored: {stored} for {distinct} distinct request ids")
        return 0 if not failures and stored == distinct else 1


if __name__ == "__main__":
    sys.exit(main())
