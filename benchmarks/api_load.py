"""Load on the API: record encounters and read custody lists, against `asilo serve` in
production mode (gunicorn) on a throwaway PostgreSQL cluster, over loopback.

Usage: ``.venv/bin/python benchmarks/api_load.py [--seconds 15] [--max-requests 20000]
[--workers 4] [--threads 4] [--write-clients 16] [--read-clients 16] [--seed 7]``

What it does, bounded in time and in requests:

1. starts a throwaway PostgreSQL cluster (``tests/pg_cluster.py``: initdb in a temporary
   directory, fsync off, loopback only) and a temporary ``ASILO_VAR_DIR``;
2. with random ``ASILO_SECRET_KEY`` and ``ASILO_FIELD_ENCRYPTION_SALT`` (production settings),
   creates an officer with ``asilo users create`` and its token with ``asilo token create``;
3. starts ``asilo serve --workers W --threads T`` (migrates, collects static, execs gunicorn)
   and waits until it answers;
4. **write phase**: ``--write-clients`` threads each keep one HTTP/1.1 connection and POST
   encounter documents to ``/api/v1/encounters`` (single adults, families and unaccompanied
   children at two sectors and two ports, each with its own ``Idempotency-Key``), until
   ``--seconds`` have passed or ``--max-requests`` were sent;
5. **read phase**: ``--read-clients`` threads GET ``/api/v1/custodies?limit=50`` (open
   custodies with their clocks) the same way;
6. **platform phase**: the same readers GET ``/api/v1/audit?per_page=20`` as an auditor (the
   platform's own path: token auth, middleware, a paginated query), for comparison;
7. prints, per phase, the requests, errors (any status other than the expected one, or a
   transport error), requests per second, and the p50/p95/p99 latency in milliseconds;
8. stops the server and removes the cluster and the temporary directory.

The load generator runs on the same 2-core machine as the server and the database, so the
figures are a floor for what the server alone could do.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ASILO = str(Path(sys.executable).parent / "asilo")

PLACES = [
    ("between_ports", "Rio Grande Valley"),
    ("between_ports", "El Paso"),
    ("port_of_entry", "San Ysidro"),
    ("port_of_entry", "Hidalgo"),
]
NATIONALITIES = ["HND", "GTM", "SLV", "MEX", "VEN", "CUB", "HTI", "NIC", "COL", "ECU"]
GIVEN = ["María", "José", "Ana", "Luis", "Rosa", "Carlos", "Yesenia", "Wilmer", "Sofía", "Kevin"]
SURNAMES = ["López", "Hernández", "García", "Martínez", "Ramírez", "Cruz", "Reyes", "Mejía"]


def _load_pg_cluster() -> Any:
    spec = importlib.util.spec_from_file_location("pg_cluster", ROOT / "tests" / "pg_cluster.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def encounter_document(rng: random.Random) -> dict[str, Any]:
    """A synthetic encounter: a single adult, a family unit or an unaccompanied child."""
    kind, name = rng.choice(PLACES)
    nationality = rng.choice(NATIONALITIES)
    shape = rng.random()

    def person(age: int, **extra: Any) -> dict[str, Any]:
        return {
            "age": age,
            "nationality": nationality,
            "given_names": rng.choice(GIVEN),
            "first_surname": rng.choice(SURNAMES),
            "second_surname": rng.choice(SURNAMES),
            **extra,
        }

    if shape < 0.55:
        people = [person(rng.randint(18, 60))]
    elif shape < 0.9:
        people = [person(rng.randint(20, 45), role="adult", relationship="parent")]
        people += [person(rng.randint(0, 17), role="child") for _ in range(rng.randint(1, 3))]
    else:
        people = [person(rng.randint(8, 17))]
    return {
        "date": "2022-05-10",
        "time": f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
        "place": {"kind": kind, "name": name},
        "people": people,
        "manifests_fear": rng.random() < 0.4,
    }


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.latencies.append(seconds)
            if not ok:
                self.errors += 1
                if len(self.error_samples) < 5:
                    self.error_samples.append(detail[:300])

    def report(self) -> str:
        n = len(self.latencies)
        if n == 0:
            return f"{self.name:<26} no requests"
        q = statistics.quantiles(self.latencies, n=100, method="inclusive") if n > 1 else [0] * 99
        ms = [1000 * q[49], 1000 * q[94], 1000 * q[98]]
        return (
            f"{self.name:<26} {n:>7} {self.errors:>7} {n / self.elapsed:>9.1f} "
            f"{ms[0]:>8.1f} {ms[1]:>8.1f} {ms[2]:>8.1f}"
        )


def run_phase(
    phase: Phase,
    *,
    port: int,
    token: str,
    clients: int,
    seconds: float,
    max_requests: int,
    make_request: Any,
    expected: int,
) -> None:
    """``clients`` threads, one keep-alive connection each, until time or count runs out."""
    deadline = time.monotonic() + seconds
    budget = threading.Semaphore(max_requests)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client(index: int) -> None:
        rng = random.Random(index * 7919 + hash(phase.name) % 1000)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline and budget.acquire(blocking=False):
            method, path, body, extra = make_request(rng)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers={**headers, **extra})
                response = conn.getresponse()
                payload = response.read()
                ok = response.status == expected
                phase.record(
                    time.perf_counter() - started,
                    ok,
                    "" if ok else f"{response.status} {payload[:200]!r}",
                )
            except (OSError, http.client.HTTPException) as exc:
                phase.record(time.perf_counter() - started, False, f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    phase.elapsed = time.monotonic() - started


def write_request(rng: random.Random) -> tuple[str, str, bytes, dict[str, str]]:
    body = json.dumps(encounter_document(rng)).encode("utf-8")
    return "POST", "/api/v1/encounters", body, {"Idempotency-Key": str(uuid.uuid4())}


def read_request(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str]]:
    return "GET", "/api/v1/custodies?limit=50", None, {}


def audit_request(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str]]:
    return "GET", "/api/v1/audit?per_page=20", None, {}


def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"asilo serve exited with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("asilo serve did not answer in time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="per phase (max 300)")
    parser.add_argument("--max-requests", type=int, default=20000, help="per phase")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (2-4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--write-clients", type=int, default=16)
    parser.add_argument("--read-clients", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=200, help="encounters recorded first")
    args = parser.parse_args()
    seconds = min(max(args.seconds, 1.0), 300.0)

    pg_cluster = _load_pg_cluster()
    var_dir = Path(tempfile.mkdtemp(prefix="asilo-bench-"))
    port = pg_cluster.free_port()
    server: subprocess.Popen[bytes] | None = None
    try:
        with pg_cluster.pg_cluster(max_connections=300) as url:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("ASILO_")},
                "DATABASE_URL": url,
                "ASILO_SECRET_KEY": secrets.token_urlsafe(48),
                "ASILO_FIELD_ENCRYPTION_SALT": secrets.token_urlsafe(16),
                "ASILO_VAR_DIR": str(var_dir),
                "ASILO_SECURE_COOKIES": "0",
                "ASILO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "ASILO_LOG_LEVEL": "WARNING",
            }
            password_file = var_dir / "password"
            password_file.write_text(secrets.token_urlsafe(24) + "\n")
            subprocess.run(
                [sys.executable, "-m", "django", "migrate", "-v", "0"],
                env={**env, "DJANGO_SETTINGS_MODULE": "asilo.web.settings"},
                check=True,
            )
            subprocess.run(
                [ASILO, "users", "create", "--username", "bench.officer", "--role", "officer",
                 "--password-file", str(password_file)],
                env=env, check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            subprocess.run(
                [ASILO, "users", "create", "--username", "bench.auditor", "--role", "auditor",
                 "--password-file", str(password_file)],
                env=env, check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            token, auditor_token = (
                subprocess.run(
                    [ASILO, "token", "create", "--username", username],
                    env=env, check=True, capture_output=True, text=True,
                ).stdout.strip()
                for username in ("bench.officer", "bench.auditor")
            )  # fmt: skip
            server = subprocess.Popen(
                [ASILO, "serve", "--host", "127.0.0.1", "--port", str(port),
                 "--workers", str(args.workers), "--threads", str(args.threads)],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                start_new_session=True,
            )  # fmt: skip
            wait_until_up(port, server)

            common = {"port": port, "token": token}
            warm = Phase("warm-up writes")
            run_phase(warm, clients=4, seconds=120, max_requests=args.warmup,
                      make_request=write_request, expected=201, **common)  # fmt: skip
            if warm.errors:
                print("warm-up errors:", *warm.error_samples, sep="\n  ")
            writes = Phase("POST /encounters")
            run_phase(writes, clients=args.write_clients, seconds=seconds,
                      max_requests=args.max_requests, make_request=write_request,
                      expected=201, **common)  # fmt: skip
            reads = Phase("GET /custodies?limit=50")
            run_phase(reads, clients=args.read_clients, seconds=seconds,
                      max_requests=args.max_requests, make_request=read_request,
                      expected=200, **common)  # fmt: skip
            platform = Phase("GET /audit?per_page=20")
            run_phase(platform, clients=args.read_clients, seconds=seconds,
                      max_requests=args.max_requests, make_request=audit_request,
                      expected=200, port=port, token=auditor_token)  # fmt: skip

            print(
                f"asilo serve (gunicorn, {args.workers} workers x {args.threads} threads) on "
                f"PostgreSQL (throwaway cluster), loopback, {os.cpu_count()} cores shared with "
                f"the load generator; {seconds:.0f} s or {args.max_requests} requests per phase"
            )
            print(f"{'phase':<26} {'requests':>7} {'errors':>7} {'req/s':>9} "
                  f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")  # fmt: skip
            for phase in (writes, reads, platform):
                print(phase.report())
                for sample in phase.error_samples:
                    print(f"    error: {sample}")
            print("goal: 300 writes/s and 1,000 reads/s with p99 < 250 ms and no errors")
            failed = writes.errors + reads.errors + platform.errors
            return 1 if failed else 0
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
