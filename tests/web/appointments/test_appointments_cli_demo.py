"""The command line (``asilo schedule run|verify-run|close-day``, ``asilo outbox deliver``) and
the demo data."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import typer
from django.utils import timezone
from typer.testing import CliRunner

from asilo.cli.registry import only
from asilo.web.appointments import demo
from asilo.web.appointments.models import AllocationRun, Appointment, OutboxMessage, PortCapacity


@pytest.fixture
def app() -> typer.Typer:
    return only("schedule", "outbox")


def test_run_verify_and_deliver_from_the_command_line(
    app, register, program, supervisor, tmp_path
) -> None:
    from asilo.web.appointments import services

    register(size=2, preferred_ports=[])
    tomorrow = timezone.localdate() + timedelta(days=1)
    services.capacity_set(
        actor=supervisor, program=program, port="Laredo", day=tomorrow, capacity=9
    )
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "schedule",
            "run",
            "--program",
            program.code,
            "--date",
            tomorrow.isoformat(),
            "--seed",
            "5",
            "--user",
            "port-supervisor",
        ],
    )
    assert result.exit_code == 0, result.output
    run = AllocationRun.objects.get()
    assert f"run {run.pk}" in result.output and "1 of 1 families" in result.output
    assert run.trigger == "cli" and run.run_by == supervisor
    result = runner.invoke(
        app, ["schedule", "verify-run", str(run.pk), "--export", str(tmp_path / "run")]
    )
    assert result.exit_code == 0 and "verified" in result.output
    # The exported inputs are the canonical files whose SHA-256 are the run's digests.
    regs = (tmp_path / "run" / "registrations.csv").read_bytes()
    cap = (tmp_path / "run" / "capacity.csv").read_bytes()
    assert hashlib.sha256(regs).hexdigest() == run.registrations_digest
    assert hashlib.sha256(cap).hexdigest() == run.capacity_digest
    result = runner.invoke(app, ["outbox", "deliver"])
    assert result.exit_code == 0 and "2 sent, 0 failed" in result.output
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.parametrize(
    "args,message",
    [
        (["schedule", "run", "--program", "nope", "--date", "2099-01-01"], "program_not_found"),
        (
            ["schedule", "run", "--program", "port-appointments-2023", "--date", "soon"],
            "not a date",
        ),
        (
            ["schedule", "run", "--program", "port-appointments-2023", "--date", "2099-01-01"],
            "no_capacity",
        ),
        (["schedule", "verify-run", "999"], "run_not_found"),
        (["schedule", "close-day", "--date", "2999-01-01"], "day_not_over"),
    ],
)
def test_command_line_errors(app, program, args, message) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert AllocationRun.objects.count() == 0


def test_demo_loads_once(db) -> None:
    import time_machine

    # In the morning every port's day is still ahead: 14 days of capacities at 8 ports.
    with time_machine.travel(datetime(2026, 12, 1, 6, 0, tzinfo=ZoneInfo("America/New_York"))):
        _demo_loads_once()


def test_demo_gives_no_capacity_for_hours_already_over(db) -> None:
    """Issue 10: at 20:00 in New York (17:00 in San Ysidro) every port's 07:00-15:00 hours
    of today are over, so the demo sets today's capacity nowhere: 13 days at 8 ports."""
    import time_machine

    with time_machine.travel(datetime(2026, 12, 1, 20, 0, tzinfo=ZoneInfo("America/New_York"))):
        loaded = demo.load()
        assert loaded.capacities == 13 * 8
        assert not PortCapacity.objects.filter(date=timezone.localdate()).exists()


def _demo_loads_once() -> None:
    first = demo.load()
    assert first.run is not None and first.checked_in > 0 and first.no_shows > 0
    assert first.capacities == 14 * 8
    run = AllocationRun.objects.get(seed=demo.SEED)
    assert run.allocated_count > 0
    assert Appointment.objects.filter(status="checked_in", encounter__isnull=False).count() == (
        first.checked_in
    )
    program = run.program
    usual = demo.daily_capacities(program)
    today = PortCapacity.objects.get(port="San Ysidro", date=timezone.localdate())
    assert today.capacity == usual["San Ysidro"] > 0
    second = demo.load()
    assert second.run is None
    assert AllocationRun.objects.count() == 1
    assert PortCapacity.objects.filter(port="Nogales").count() == 14 + 2
