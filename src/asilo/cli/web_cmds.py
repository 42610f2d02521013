"""Commands of the web part: ``asilo serve``, ``asilo users create``, ``asilo token create``,
``asilo openapi``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import typer

from asilo.cli.common import fail, read_text, setup_django

users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for machine clients.", no_args_is_help=True)


def default_workers() -> int:
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    demo: bool = typer.Option(False, "--demo", help="Load the demo data (idempotent) first."),
    workers: int = typer.Option(
        0, "--workers", min=0, help="Production: gunicorn worker processes (0: 2 per core)."
    ),
    threads: int = typer.Option(4, "--threads", min=1, help="Production: threads per worker."),
    worker_class: str = typer.Option(
        "gthread",
        "--worker-class",
        help="Production: gunicorn worker class, gthread (threads) or sync (one request at a "
        "time per worker; --threads is then ignored).",
    ),
    task_worker: bool = typer.Option(
        True,
        "--task-worker/--no-task-worker",
        help="Also run the background task worker (notices, allocation runs).",
    ),
) -> None:
    """Migrate the configured database and serve the app.

    With --demo: the demo configuration (its own database file, demo data, published
    passwords) on Django's development server. Without it: production settings on gunicorn
    (static files collected first), which need ASILO_SECRET_KEY and ASILO_FIELD_ENCRYPTION_SALT.
    """
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings = setup_django()
    except ImproperlyConfigured as exc:
        fail(str(exc))
    from django.core.management import call_command

    if demo and settings.PRODUCTION:
        fail("--demo creates accounts with public passwords; it is refused in production.")
    if not demo and not settings.PRODUCTION:
        fail(
            "without --demo, asilo serve is production and needs its own secrets: set "
            "ASILO_SECRET_KEY (50 or more random characters) and ASILO_FIELD_ENCRYPTION_SALT "
            "(16 or more). To try asilo with demo data and published passwords instead: "
            "asilo serve --demo (make run)."
        )
    if settings.PRODUCTION:
        _refuse_demo_residue(before_migrating=True)  # refuse before changing the database
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    typer.echo(f"Migrating the database ({settings.DATABASES['default']['ENGINE']})...")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)  # rate-limit counters (a no-op elsewhere)
    if settings.PRODUCTION:
        _refuse_demo_residue(before_migrating=False)
    if demo:
        from asilo.web.demo import accounts_table, load_demo

        load_demo(sys.stdout)
        typer.echo(accounts_table())
    if settings.PRODUCTION:
        call_command("collectstatic", interactive=False, verbosity=0)
    children: list[subprocess.Popen[bytes]] = []
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        if task_worker:
            children.append(_start_task_worker())
        if settings.PRODUCTION:
            typer.echo(f"Serving (production, gunicorn) at http://{host}:{port}/")
            sys.stdout.flush()
            server = subprocess.Popen(_gunicorn_argv(host, port, workers, threads, worker_class))
            children.append(server)
            raise typer.Exit(server.wait())
        typer.echo(f"Serving (demo, development server) at http://{host}:{port}/")
        call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
    finally:
        _stop(children)


def _refuse_demo_residue(*, before_migrating: bool) -> None:
    """Production refuses a database that holds any of the demo (issue 11, finding 3). Before
    migrating, a database whose tables are not all there yet cannot hold it: the check runs
    again after migrating."""
    from django.db import DatabaseError

    from asilo.web.demo import demo_residue

    try:
        residue = demo_residue()
    except DatabaseError:
        if before_migrating:
            return
        raise
    if residue:
        fail(
            "this database holds demo data, so production refuses to start on it: "
            + "; ".join(residue)
            + ". Use a fresh database (the demo has its own: var/demo.sqlite3)."
        )


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    """End the server and the task worker, and wait for them."""
    for child in reversed(children):
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()


WORKER_CLASSES = ("gthread", "sync")


def _gunicorn_argv(
    host: str, port: int, workers: int, threads: int, worker_class: str = "gthread"
) -> list[str]:
    if worker_class not in WORKER_CLASSES:
        fail(f"--worker-class: {worker_class!r} is not one of {', '.join(WORKER_CLASSES)}")
    threads = 1 if worker_class == "sync" else threads
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "asilo.web.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers or default_workers()),
        "--threads",
        str(threads),
        "--worker-class",
        worker_class,
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
        "--error-logfile",
        "-",
    ]


def _start_task_worker() -> subprocess.Popen[bytes]:
    """The django-tasks database worker, as a child process ended with the server."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "asilo.web.settings"}
    typer.echo("Background task worker started (django-tasks database backend).")
    return subprocess.Popen(
        [sys.executable, "-m", "django", "db_worker", "--no-reload", "--interval", "2"], env=env
    )


def _read_password(password_file: Path | None) -> str:
    if password_file is None:
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    text = read_text(password_file, "--password-file")
    lines = text.splitlines()
    if not lines or not lines[0]:
        fail(f"--password-file: {password_file}: the first line (the password) is empty")
    return lines[0]


@users_app.command("create")
def users_create(
    username: str = typer.Option(..., "--username", help="The new account's username."),
    role: str = typer.Option(
        ..., "--role", help="officer|supervisor|caseworker|analyst|auditor|admin"
    ),
    organisation: str | None = typer.Option(
        None, "--organisation", help="The organisation (required for a caseworker)."
    ),
    password_file: Path | None = typer.Option(
        None, "--password-file", help="Read the password from the first line of this file."
    ),
) -> None:
    """Create a staff account (password from a prompt or --password-file)."""
    setup_django()
    from asilo.web.accounts.services import user_create
    from asilo.web.core.errors import DomainError
    from asilo.web.core.roles import Role

    if role not in Role.values:
        fail(f"--role: unknown role {role!r}; expected one of {', '.join(Role.values)}")
    password = _read_password(password_file)
    try:
        user = user_create(
            actor=None,
            username=username,
            role=role,
            organisation=organisation,
            password=password,
        )
    except DomainError as exc:
        fail(f"--{exc.field or 'username'}: {exc.message}")
    org = f" of {user.organisation.name}" if user.organisation else ""
    typer.echo(f"Created {user.username} ({user.role}{org}).")


@token_app.command("create")
def token_create(
    username: str = typer.Option(..., "--username", help="Whose token."),
    rotate: bool = typer.Option(
        False, "--rotate", help="Revoke the user's other tokens (the new one replaces them)."
    ),
) -> None:
    """Print a new API token for the user (shown once; only its SHA-256 is stored). It
    expires after ASILO_TOKEN_DAYS days (default 90)."""
    setup_django()
    from asilo.web.accounts.services import token_create as issue
    from asilo.web.accounts.services import user_by_username
    from asilo.web.core.errors import DomainError

    try:
        raw = issue(actor=None, user=user_by_username(username), rotate=rotate)
    except DomainError as exc:
        fail(f"--username: {exc.message} ({username})")
    typer.echo(raw)


def openapi() -> None:
    """Print the API's OpenAPI document (commit it as docs/openapi.json)."""
    setup_django()
    typer.echo(openapi_text())


def openapi_text() -> str:
    from django.utils import translation

    from asilo.web.api import api

    with translation.override("en"):
        schema = api.get_openapi_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False)


#: The top-level commands of this part (``users_app`` and ``token_app`` are groups);
#: :mod:`asilo.cli.registry` places them.
commands = typer.Typer()
commands.command("serve")(serve)
commands.command("openapi")(openapi)
