"""The cost of the web request path: CPU milliseconds per request of the server's processes,
and (``--mode load``) load on the API, against `asilo serve` in production mode (gunicorn).

Usage: ``.venv/bin/python benchmarks/api_load.py [--mode cost|load] [--databases sqlite,postgresql]
[--requests 400] [--before-source DIR] [--worker-class gthread|sync] [--seconds 15]
[--max-requests 20000] [--workers 4] [--threads 4] [--write-clients 16] [--read-clients 16]``

**Cost mode (the default).** For each database (SQLite in a temporary folder; PostgreSQL on a
throwaway cluster), it starts ``asilo serve`` with production settings and one gunicorn worker
with one thread, records 200 encounters, then sends ``--requests`` requests to each endpoint
below one at a time over one keep-alive connection, and reads the CPU time (user + system, from
``/proc``) of the gunicorn processes before and after. CPU milliseconds per request does not
depend on how many cores the machine has or on the load generator sharing them, unlike requests
per second. The endpoints:

* ``401 (no token)``: ``GET /api/v1/custodies`` without credentials;
* ``API 404``: ``GET /api/v1/no-such-thing`` with a token;
* ``sign-in page``: ``GET /accounts/login/``;
* ``custodies summary``: ``GET /api/v1/custodies/summary``;
* ``custodies list (50)``: ``GET /api/v1/custodies?limit=50``;
* ``record encounter (2 people)``: ``POST /api/v1/encounters``, a parent and a child;
* ``health (floor)``: ``GET /api/v1/health`` with a token: token authentication, middleware,
  django-ninja and one query, the floor of the stack measured in the same run.

The encounters are of yesterday, so their custodies are live (the list's default scope) and the
list answers its 50 rows (checked before measuring). It prints a table per database with each
endpoint's CPU ms per request and its ratio to the health endpoint, and the issue's goals
(health within 1.5 x the 401 answer; summary and list within 2 x health; recording an encounter
within 4 x health). With ``--before-source DIR`` (a checkout of an earlier revision, e.g.
``mkdir DIR && git archive REV src | tar -x -C DIR``), each database is measured twice in the
same run, the earlier revision's code served first (``DIR/src`` first on the server's
``PYTHONPATH``), and the table prints before and after side by side.

**Load mode** (the previous benchmark), bounded in time and in requests:

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
from datetime import date, timedelta
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


def encounter_document(rng: random.Random, day: str = "2022-05-10") -> dict[str, Any]:
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
        "date": day,
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
    parser.add_argument("--mode", choices=("cost", "load"), default="cost")
    parser.add_argument("--databases", default="sqlite,postgresql", help="cost mode")
    parser.add_argument("--requests", type=int, default=400, help="cost mode: per endpoint")
    parser.add_argument("--worker-class", choices=("gthread", "sync"), default="gthread")
    parser.add_argument("--seconds", type=float, default=15.0, help="per phase (max 300)")
    parser.add_argument("--max-requests", type=int, default=20000, help="per phase")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (2-4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--write-clients", type=int, default=16)
    parser.add_argument("--read-clients", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=200, help="encounters recorded first")
    parser.add_argument(
        "--before-source",
        help="cost mode: also measure a checkout of an earlier revision (its src/ served first "
        "on PYTHONPATH, e.g. from `git archive REV src | tar -x -C DIR`), printed beside",
    )
    args = parser.parse_args()
    if args.mode == "cost":
        return cost_main(args)
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
                # Nothing is sent during the benchmark; production demands this be explicit.
                "ASILO_ALLOW_CONSOLE_NOTIFICATIONS": "1",
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
                 "--workers", str(args.workers), "--threads", str(args.threads),
                 "--worker-class", args.worker_class],
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


# --- cost mode -------------------------------------------------------------------------------


#: Cost mode records encounters of yesterday: live custodies (a 2022 encounter recorded today
#: is a historical replay, which the live list leaves out), so the list has its 50 rows.
LIVE_DAY = (date.today() - timedelta(days=1)).isoformat()


def live_write_request(rng: random.Random) -> tuple[str, str, bytes, dict[str, str]]:
    body = json.dumps(encounter_document(rng, LIVE_DAY)).encode("utf-8")
    return "POST", "/api/v1/encounters", body, {"Idempotency-Key": str(uuid.uuid4())}


def two_people(rng: random.Random) -> dict[str, Any]:
    """A parent and a child: the encounter the issue's figure is about."""
    document = encounter_document(rng, LIVE_DAY)
    parent, child = document["people"][0], dict(document["people"][0])
    parent.update(age=rng.randint(20, 45), role="adult", relationship="parent")
    child.update(age=rng.randint(0, 17), role="child", given_names=rng.choice(GIVEN))
    child.pop("relationship", None)
    document["people"] = [parent, child]
    return document


#: (label, method, path, body maker, token?, expected status)
ENDPOINTS: list[tuple[str, str, str, Any, bool, int]] = [
    ("401 (no token)", "GET", "/api/v1/custodies", None, False, 401),
    ("API 404", "GET", "/api/v1/no-such-thing", None, True, 404),
    ("sign-in page", "GET", "/accounts/login/", None, False, 200),
    ("custodies summary", "GET", "/api/v1/custodies/summary", None, True, 200),
    ("custodies list (50)", "GET", "/api/v1/custodies?limit=50", None, True, 200),
    ("record encounter (2 people)", "POST", "/api/v1/encounters", two_people, True, 201),
    ("health (floor)", "GET", "/api/v1/health", None, True, 200),
]


def descendants(root: int) -> list[int]:
    """Every process below ``root`` (from /proc)."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, pp in parent.items() if pp == pid]
        found.extend(children)
        frontier.extend(children)
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of the processes (all their threads), in seconds."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


class Sender:
    """One keep-alive connection; ``send`` makes one request and checks its status."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.rng = random.Random(13)

    def send(self, endpoint: tuple[str, str, str, Any, bool, int], token: str) -> None:
        label, method, path, make_body, with_token, expected = endpoint
        headers = {"Authorization": f"Bearer {token}"} if with_token else {}
        body = None
        if make_body is not None:
            body = json.dumps(make_body(self.rng)).encode("utf-8")
            headers |= {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        if response.status != expected:
            raise SystemExit(f"{label}: {response.status} {payload[:300]!r}")
        if (response.getheader("Connection") or "").lower() == "close":
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)


def list_count(port: int, token: str) -> int:
    """How many custodies ``GET /api/v1/custodies?limit=50`` answers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/v1/custodies?limit=50", headers={"Authorization": f"Bearer {token}"})
    answer = json.loads(conn.getresponse().read())
    conn.close()
    return int(answer["count"])


def measure_endpoints(port: int, token: str, server_pid: int, requests: int) -> dict[str, float]:
    """CPU ms per request of the gunicorn processes, per endpoint (one request at a time)."""
    pids = descendants(server_pid)  # gunicorn's master and its worker (not `asilo serve`)
    sender = Sender(port)
    costs: dict[str, float] = {}
    for endpoint in ENDPOINTS:
        for _ in range(max(20, requests // 10)):  # warm the worker's caches and connection
            sender.send(endpoint, token)
        before = cpu_seconds(pids)
        for _ in range(requests):
            sender.send(endpoint, token)
        costs[endpoint[0]] = 1000 * (cpu_seconds(pids) - before) / requests
    sender.conn.close()
    return costs


def serve_and_measure(
    env: dict[str, str], var_dir: Path, port: int, args: argparse.Namespace
) -> dict[str, float]:
    """Set up a user and a token, serve with one worker and one thread, measure."""
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
    token = subprocess.run(
        [ASILO, "token", "create", "--username", "bench.officer"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    server = subprocess.Popen(
        [ASILO, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--threads", "1", "--worker-class", args.worker_class, "--no-task-worker"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        wait_until_up(port, server)
        warm = Phase("warm-up writes")
        run_phase(warm, clients=1, seconds=300, max_requests=200, make_request=live_write_request,
                  expected=201, port=port, token=token)  # fmt: skip
        if warm.errors:
            raise SystemExit("warm-up errors:\n  " + "\n  ".join(warm.error_samples))
        listed = list_count(port, token)
        if listed != 50:
            raise SystemExit(f"the list answered {listed} custodies, not 50")
        return measure_endpoints(port, token, server.pid, args.requests)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


def production_env(var_dir: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("ASILO_")},
        "ASILO_SECRET_KEY": secrets.token_urlsafe(48),
        "ASILO_FIELD_ENCRYPTION_SALT": secrets.token_urlsafe(16),
        "ASILO_VAR_DIR": str(var_dir),
        "ASILO_SECURE_COOKIES": "0",
        "ASILO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ASILO_LOG_LEVEL": "WARNING",
        # Nothing is sent during the benchmark; production demands this be explicit.
        "ASILO_ALLOW_CONSOLE_NOTIFICATIONS": "1",
    }


def measure_database(
    database: str, args: argparse.Namespace, source: Path | None
) -> dict[str, float]:
    """One database, served from this tree, or from ``source`` (a checkout's ``src`` first on
    the server's ``PYTHONPATH``)."""
    pg_cluster = _load_pg_cluster()
    var_dir = Path(tempfile.mkdtemp(prefix="asilo-bench-"))
    try:
        env = production_env(var_dir)
        if source is not None:
            env["PYTHONPATH"] = os.pathsep.join(
                [str(source / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
            )
        if database == "sqlite":
            env.pop("DATABASE_URL", None)
            return serve_and_measure(env, var_dir, pg_cluster.free_port(), args)
        if database == "postgresql":
            with pg_cluster.pg_cluster(max_connections=50) as url:
                env["DATABASE_URL"] = url
                return serve_and_measure(env, var_dir, pg_cluster.free_port(), args)
        raise SystemExit(f"unknown database {database!r}: sqlite or postgresql")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def goals(costs: dict[str, float]) -> list[tuple[str, bool]]:
    floor = costs["health (floor)"]
    return [
        ("health within 1.5 x the 401 answer", floor <= 1.5 * costs["401 (no token)"]),
        ("summary within 2 x health", costs["custodies summary"] <= 2 * floor),
        ("50-row list within 2 x health", costs["custodies list (50)"] <= 2 * floor),
        ("recording an encounter within 4 x health",
         costs["record encounter (2 people)"] <= 4 * floor),
    ]  # fmt: skip


def cost_main(args: argparse.Namespace) -> int:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"CPU ms per request of the server's processes (gunicorn {args.worker_class}, 1 worker x "
        f"1 thread, production settings), one request at a time, {args.requests} requests per "
        f"endpoint after a warm-up; {os.cpu_count()} cores, load average {load}"
    )
    before = Path(args.before_source).resolve() if args.before_source else None
    if before is not None and not (before / "src" / "asilo").is_dir():
        raise SystemExit(f"--before-source: {before} has no src/asilo (a checkout of asilo)")
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    results: dict[str, dict[str, dict[str, float]]] = {}
    for database in [d.strip() for d in args.databases.split(",") if d.strip()]:
        name = names.get(database, database)
        runs = {}
        if before is not None:
            runs["before"] = measure_database(database, args, before)
        runs["after" if before is not None else "now"] = measure_database(database, args, None)
        results[name] = runs
    for name, runs in results.items():
        pad = " " * (len(name) + 2)
        header = "".join(f" {label + ' ms/req':>16} {'x health':>9}" for label in runs)
        print(f"\n{name}: {'endpoint':<30}{header}")
        for label, *_ in ENDPOINTS:
            cells = "".join(
                f" {costs[label]:>16.2f} {costs[label] / costs['health (floor)']:>9.2f}"
                for costs in runs.values()
            )
            print(f"{pad}{label:<30}{cells}")
        for run, costs in runs.items():
            for goal, met in goals(costs):
                print(f"{pad}goal ({run}): {goal}: {'met' if met else 'NOT met'}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average at the end: {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
