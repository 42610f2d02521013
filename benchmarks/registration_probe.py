"""A gunicorn configuration file for ``registration_load.py --probe``: where a registration's
time goes, and how long it holds the audit chain's lock (benchmark only, never in production).

Each worker counts, per ``POST /api/v1/registrations``: the SQL statements sent, those sent
from the transaction's taking the audit chain's lock (``pg_advisory_xact_lock``, counted) to
its commit (not counted), the time spent waiting for that lock, the time from holding it
until the transaction committed, the request's wall time and its thread's CPU time. One line
of numbers per request goes to ``$ASILO_BENCH_PROBE_DIR/<pid>.tsv``: no SQL text, no
parameters, nothing about a person.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PATH = "/api/v1/registrations"
COLUMNS = (
    "wall_ms",
    "cpu_ms",
    "statements",
    "statements_locked",
    "lock_wait_ms",
    "lock_held_ms",
)

_state = threading.local()


def _on_request_started(sender: Any, environ: dict[str, Any] | None = None, **_: Any) -> None:
    environ = environ or {}
    _state.active = environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == PATH
    _state.started = time.perf_counter()
    _state.cpu = time.thread_time()
    _state.statements = 0
    _state.locked_at = None
    _state.statements_at_lock = 0
    _state.statements_locked = 0
    _state.lock_wait = 0.0
    _state.held = 0.0


def _probe(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    if not getattr(_state, "active", False):
        return execute(sql, params, many, context)
    _state.statements += 1
    if _state.locked_at is not None or "pg_advisory_xact_lock" not in sql:
        return execute(sql, params, many, context)
    asked = time.perf_counter()
    result = execute(sql, params, many, context)
    _state.locked_at = time.perf_counter()
    _state.lock_wait = _state.locked_at - asked
    _state.statements_at_lock = _state.statements

    from django.db import transaction

    def committed() -> None:
        _state.held = time.perf_counter() - _state.locked_at
        _state.statements_locked = _state.statements - _state.statements_at_lock + 1

    transaction.on_commit(committed)
    return result


def _on_request_finished(sender: Any, **_: Any) -> None:
    if not getattr(_state, "active", False):
        return
    _state.active = False
    values = (
        (time.perf_counter() - _state.started) * 1000,
        (time.thread_time() - _state.cpu) * 1000,
        _state.statements,
        _state.statements_locked,
        _state.lock_wait * 1000,
        _state.held * 1000,
    )
    out = Path(os.environ["ASILO_BENCH_PROBE_DIR"]) / f"{os.getpid()}.tsv"
    with out.open("a") as f:
        f.write("\t".join(f"{v:.3f}" for v in values) + "\n")


def _on_connection_created(sender: Any, connection: Any, **_: Any) -> None:
    if _probe not in connection.execute_wrappers:
        connection.execute_wrappers.append(_probe)


def post_worker_init(worker: Any) -> None:
    """gunicorn's hook, in each worker once the application is loaded."""
    from django.core.signals import request_finished, request_started
    from django.db import connections
    from django.db.backends.signals import connection_created

    request_started.connect(_on_request_started, weak=False)
    request_finished.connect(_on_request_finished, weak=False)
    connection_created.connect(_on_connection_created, weak=False)
    for connection in connections.all(initialized_only=True):
        _on_connection_created(None, connection)
