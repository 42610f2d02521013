"""``asilo schedule run|verify-run|close-day`` and ``asilo outbox deliver``: the database side
of appointments on the command line.

Its ``schedule_app`` joins the ``schedule`` group beside the file allocation, and
``outbox_app`` is the ``outbox`` group (both placed by :mod:`asilo.cli.registry`).

Examples::

    asilo schedule run --program port-appointments-2023 --date 2026-12-01 --seed 42
    asilo schedule verify-run 7
    asilo schedule close-day --date 2026-12-01
    asilo outbox deliver
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from asilo.cli.common import fail, setup_django
from asilo.cli.options import day_option

outbox_app = typer.Typer(
    help="The notification outbox (notices to families).", no_args_is_help=True
)


def _actor(username: str | None):  # type: ignore[no-untyped-def]
    if username is None:
        return None
    from asilo.web.accounts.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        fail(f"--user: no active user {username!r}")
    return user


def run_command(
    program: Annotated[str, typer.Option("--program", help="Program code.")],
    start: Annotated[date, day_option("--date", "First day of appointments.")],
    seed: Annotated[
        int | None, typer.Option("--seed", help="Lottery seed (default: drawn at random).")
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Run as this supervisor (default: the system).")
    ] = None,
) -> None:
    """Allocate the program's queue to its port capacities from DATE on, and store the run."""
    setup_django()
    from asilo.web.appointments import selectors, services
    from asilo.web.appointments.models import Trigger
    from asilo.web.people.errors import DomainError

    try:
        run = services.allocation_run(
            actor=_actor(user),
            program=selectors.program_get(program),
            start=start,
            seed=seed,
            trigger=Trigger.CLI,
        )
    except DomainError as exc:
        fail(
            f"{exc.field or 'run'}: {exc.message} [{exc.code}]",
            1 if exc.code == "allocation_running" else 2,
        )
    typer.echo(
        f"run {run.pk}: method {run.method_label}, seed {run.seed}, input digest"
        f" {run.input_digest}; {run.allocated_count} of {run.registrations_count} families"
        f" ({run.persons_allocated} persons) allocated"
    )


def verify_command(
    run_id: Annotated[int, typer.Argument(help="The run's id.")],
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="Also write the run's inputs to DIR/registrations.csv and DIR/capacity.csv,"
            " to re-run them with `asilo schedule allocate` anywhere.",
        ),
    ] = None,
) -> None:
    """Re-run a stored run from its stored inputs, method and seed; exit 1 if it differs."""
    setup_django()
    from asilo.scheduling import write_capacity_csv, write_registrations_csv
    from asilo.web.appointments import selectors, services
    from asilo.web.appointments.models import AllocationRun
    from asilo.web.people.errors import DomainError

    try:
        v = services.allocation_run_verify(actor=None, run_id=run_id)
    except DomainError as exc:
        fail(f"{exc.message} [{exc.code}]")
    if export is not None:
        families, capacity = selectors.inputs_from_snapshot(
            AllocationRun.objects.get(pk=run_id).inputs
        )
        try:
            export.mkdir(parents=True, exist_ok=True)
            write_registrations_csv(families, export / "registrations.csv")
            write_capacity_csv(capacity, export / "capacity.csv")
        except OSError as exc:
            fail(f"--export: cannot write to {export}: {exc}")
        typer.echo(f"inputs written to {export}/registrations.csv and {export}/capacity.csv")
    if v.matches:
        typer.echo(
            f"run {v.run_id} verified: same input digest {v.input_digest_stored} and the same"
            f" {v.appointments_stored} appointments"
        )
        return
    typer.echo(f"run {v.run_id} DIFFERS from its re-run:")
    if not v.digest_matches:
        typer.echo(
            f"  input digest stored {v.input_digest_stored}, re-run {v.input_digest_recomputed}"
        )
    for line in v.differences:
        typer.echo(f"  {line}")
    raise typer.Exit(code=1)


def close_day_command(
    day: Annotated[date, day_option("--date", "The day that is over.")],
) -> None:
    """Turn the day's appointments nobody checked in into no-shows."""
    setup_django()
    from asilo.web.appointments import services
    from asilo.web.people.errors import DomainError

    try:
        closed = services.appointments_close_day(actor=None, day=day)
    except DomainError as exc:
        fail(f"--date: {exc.message} [{exc.code}]")
    typer.echo(
        f"{closed.day}: {len(closed.no_shows)} no-shows, {closed.back_in_queue} back in the queue"
    )


@outbox_app.command("deliver")
def deliver_command(
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 1000,
) -> None:
    """Send the pending notices now (the background task does this after each commit)."""
    setup_django()
    from asilo.web.appointments import services

    report = services.outbox_deliver(limit=limit)
    typer.echo(f"{report.sent} sent, {report.failed} failed")


#: ``asilo schedule run|verify-run|close-day`` (the ``schedule`` group also has the file
#: allocation of :mod:`asilo.cli.schedule_cmds`); :mod:`asilo.cli.registry` joins them.
schedule_app = typer.Typer()
schedule_app.command("run")(run_command)
schedule_app.command("verify-run")(verify_command)
schedule_app.command("close-day")(close_day_command)
