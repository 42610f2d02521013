"""`asilo serve` as a user runs it: a real process, a fresh SQLite file, real HTTP."""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ASILO = str(Path(sys.executable).parent / "asilo")
STRONG_KEY = secrets.token_urlsafe(48)
STRONG_SALT = secrets.token_urlsafe(16)
#: Production refuses notification backends that only print (issue 11, finding 4): these name
#: real ones (nothing is sent by these tests).
NOTIFICATIONS = {
    "ASILO_SMTP_HOST": "smtp.example.org",
    "ASILO_SMS_GATEWAY_URL": "https://sms.example.org/v1/messages",
    "ASILO_SMS_GATEWAY_TOKEN": "gateway-token",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ASILO_", "DATABASE_URL"))}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    production = NOTIFICATIONS if "ASILO_SECRET_KEY" in extra else {}
    return {**clean, "ASILO_VAR_DIR": str(var_dir), **production, **extra}


def _get(port: int, path: str) -> http.client.HTTPResponse | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response
    except OSError:
        return None


def _serve_and_get(args: list[str], env: dict[str, str], port: int) -> tuple[int, str, str]:
    server = subprocess.Popen(
        [ASILO, "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and server.poll() is None:
            response = _get(port, "/accounts/login/")
            if response is not None:
                return response.status, response.getheader("Server") or "", ""
            time.sleep(0.3)
        raise AssertionError(f"asilo serve did not answer (exit {server.poll()})")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
        print(output)


def test_serve_without_demo_needs_the_production_secrets(tmp_path: Path) -> None:
    """Issue 11: without --demo, serve is production; with no key it refused nothing and ran
    the development server on the demo key and salt published in the repository."""
    result = subprocess.run(
        [ASILO, "serve", "--port", str(_free_port())],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "ASILO_SECRET_KEY" in result.stderr and "asilo serve --demo" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.sqlite3"))  # nothing created or migrated


def test_serve_demo_migrates_a_fresh_database_and_serves(tmp_path: Path) -> None:
    port = _free_port()
    status, server, _ = _serve_and_get(["--demo"], _env(tmp_path), port)
    assert status == 200
    assert "WSGIServer" in server  # the demo configuration runs Django's development server
    assert (tmp_path / "demo.sqlite3").exists()  # the demo's own file (issue 11)
    assert not (tmp_path / "asilo.sqlite3").exists()


def test_serve_in_production_runs_gunicorn(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        ASILO_SECRET_KEY=STRONG_KEY,
        ASILO_FIELD_ENCRYPTION_SALT=STRONG_SALT,
        ASILO_SECURE_COOKIES="0",
    )
    status, server, _ = _serve_and_get(["--workers", "2"], env, _free_port())
    assert status == 200
    assert server == "gunicorn"
    assert (tmp_path / "static" / "asilo" / "asilo.css").exists()  # collected


def test_serve_refuses_the_demo_in_production(tmp_path: Path) -> None:
    env = _env(tmp_path, ASILO_SECRET_KEY=STRONG_KEY, ASILO_FIELD_ENCRYPTION_SALT=STRONG_SALT)
    result = subprocess.run(
        [ASILO, "serve", "--demo", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--demo creates accounts with public passwords" in result.stderr
    assert not (tmp_path / "asilo.sqlite3").exists()


def test_serve_refuses_production_without_salt(tmp_path: Path) -> None:
    result = subprocess.run(
        [ASILO, "serve", "--port", str(_free_port())],
        env=_env(tmp_path, ASILO_SECRET_KEY=STRONG_KEY),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "ASILO_FIELD_ENCRYPTION_SALT must be set in production." in result.stderr


@pytest.mark.parametrize("option", [["--port", "0"], ["--port", "70000"]])
def test_serve_rejects_bad_port(tmp_path: Path, option: list[str]) -> None:
    result = subprocess.run(
        [ASILO, "serve", *option], env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "--port" in result.stderr


def _session_commands(session_id: int) -> list[str]:
    listing = subprocess.run(
        ["ps", "-o", "args=", "--sid", str(session_id)], capture_output=True, text=True, check=False
    )
    return [line for line in listing.stdout.splitlines() if line.strip()]


def test_serve_runs_the_task_worker_and_stops_it_with_the_server(tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [ASILO, "serve", "--demo", "--port", str(port)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while _get(port, "/accounts/login/") is None:
            assert server.poll() is None, "asilo serve exited"
            assert time.monotonic() < deadline, "asilo serve did not answer"
            time.sleep(0.3)
        assert any("db_worker" in command for command in _session_commands(server.pid))
    finally:
        server.send_signal(signal.SIGTERM)  # to the server only: it must end its worker itself
        output = server.communicate(timeout=30)[0]
    assert "Background task worker started" in output
    time.sleep(0.5)
    assert not any("db_worker" in command for command in _session_commands(server.pid))


def test_production_refuses_a_database_with_the_demo_in_it(tmp_path: Path) -> None:
    """Issue 11, finding 3: a production server started on a database with the demo loaded
    accepted demo.admin, demo.officer and demo.auditor with their published passwords."""
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    load = (
        "import io, django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0); from asilo.web.demo import load_platform; "
        "from asilo.web.accounts.services import token_create; "
        "from asilo.web.accounts.models import User; "
        "load_platform(); token_create(actor=None, user=User.objects.get(username='demo.officer'))"
    )
    demo_env = {
        **_env(tmp_path, DATABASE_URL=database),
        "DJANGO_SETTINGS_MODULE": "asilo.web.settings",
    }
    loaded = subprocess.run(
        [sys.executable, "-c", load], env=demo_env, capture_output=True, text=True, timeout=300
    )
    assert loaded.returncode == 0, loaded.stderr
    production = _env(
        tmp_path,
        DATABASE_URL=database,
        ASILO_SECRET_KEY=STRONG_KEY,
        ASILO_FIELD_ENCRYPTION_SALT=STRONG_SALT,
        ASILO_SECURE_COOKIES="0",
    )
    result = subprocess.run(
        [ASILO, "serve", "--no-task-worker", "--port", str(_free_port())],
        env=production,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "demo data" in result.stderr
    assert "6 demo account(s)" in result.stderr and "1 API token(s)" in result.stderr
    assert "Serving" not in result.stdout
