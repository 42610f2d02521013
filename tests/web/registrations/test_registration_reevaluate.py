"""Programs and eligibility: the 2021 MPP wind-down's phase change on 2021-06-23 re-evaluated
through the service and the command, with the reason recorded for every change."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import typer
from registration_helpers import MPP, PORTS, at
from typer.testing import CliRunner

from asilo.web.audit.models import AuditEntry
from asilo.web.registrations import cli, services
from asilo.web.registrations.models import Registration, Status, StatusChange
from asilo.web.registrations.reasons import reason_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def mpp_families(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> dict[str, Registration]:
    """Four families registered in May 2021, during phase one (active cases only)."""
    made = {}
    for index, (name, status) in enumerate(
        [
            ("active", "active"),
            ("terminated", "terminated"),
            ("in_absentia", "removal_order_in_absentia"),
            ("no_case", ""),
        ]
    ):
        doc = family(program=MPP, preferred_ports=["El Paso"], phone=f"+52656100000{index}")
        if status:
            doc.update(a_number=f"0123456{index}8", mpp_case_status=status)
        made[name] = submit(doc, now=at("2021-05-03 09:00")).registration
    return made


def test_phase_one_admits_only_active_cases(mpp_families: dict[str, Registration]) -> None:
    statuses = {name: r.status for name, r in mpp_families.items()}
    assert statuses == {
        "active": Status.WAITING,
        "terminated": Status.NOT_ELIGIBLE,
        "in_absentia": Status.NOT_ELIGIBLE,
        "no_case": Status.NOT_ELIGIBLE,
    }
    terminated = mpp_families["terminated"].status_changes.get(from_status="registered")
    assert terminated.reason_code == "mpp_status_not_eligible"
    assert "terminated is not eligible on 2021-05-03" in terminated.policy_text


def test_on_2021_06_23_terminated_and_in_absentia_cases_become_eligible(
    mpp_families: dict[str, Registration], programs: dict[str, Any]
) -> None:
    before = services.program_reevaluate(actor=None, program=programs[MPP], on=date(2021, 6, 22))
    assert before.evaluated == 4 and before.changed == []

    result = services.program_reevaluate(actor=None, program=programs[MPP], on=date(2021, 6, 23))
    changed = {number: (f, t) for number, f, t, _ in result.changed}
    assert changed == {
        mpp_families["terminated"].number: ("not_eligible", "waiting"),
        mpp_families["in_absentia"].number: ("not_eligible", "waiting"),
    }
    for name in ("terminated", "in_absentia"):
        registration = Registration.objects.get(pk=mpp_families[name].pk)
        assert registration.status == Status.WAITING
        last = registration.status_changes.order_by("-at", "-id").first()
        assert last is not None
        assert (last.from_status, last.to_status) == ("not_eligible", "waiting")
        assert last.reason_code == "mpp_eligible"
        assert last.reason_params["date"] == "2021-06-23"
        assert last.citation_url == (
            "https://www.dhs.gov/archive/migrant-protection-protocols-biden-administration"
        )
        assert "2021-06-23" in reason_text(last.reason_code, last.reason_params)
    # Unchanged families get no new history entry.
    # Nothing new: registered and the engine's answer (and, for the eligible, the code the
    # family typed back: needs verification, then waiting).
    assert mpp_families["active"].status_changes.count() == 4
    assert mpp_families["no_case"].status_changes.count() == 2
    audits = AuditEntry.objects.filter(
        object_type="registrations.registration", note="re-evaluation"
    )
    assert audits.count() == 2
    # Running it again changes nothing.
    again = services.program_reevaluate(actor=None, program=programs[MPP], on=date(2021, 6, 23))
    assert again.changed == []


def test_when_the_wind_down_ends_everyone_waiting_is_told_why(
    mpp_families: dict[str, Registration], programs: dict[str, Any]
) -> None:
    result = services.program_reevaluate(actor=None, program=programs[MPP], on=date(2021, 12, 6))
    assert {n for n, *_ in result.changed} == {mpp_families["active"].number}
    last = StatusChange.objects.filter(registration=mpp_families["active"]).latest("id")
    assert last.reason_code == "mpp_not_processing"


def test_other_programs_are_not_touched(
    mpp_families: dict[str, Registration],
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    programs: dict[str, Any],
) -> None:
    port = submit(family(program=PORTS), now=at("2023-06-01 10:00")).registration
    services.program_reevaluate(actor=None, program=programs[MPP], on=date(2021, 6, 23))
    assert port.status_changes.count() == 4  # registered, waiting, the code, waiting


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """asilo (test)."""

    app.add_typer(cli.registrations_app, name="registrations")
    return app


def test_the_command_reevaluates_and_lists_each_change(
    mpp_families: dict[str, Registration],
) -> None:
    runner = CliRunner()
    result = runner.invoke(
        _app(), ["registrations", "reevaluate", "--program", MPP, "--on", "2021-06-23"]
    )
    assert result.exit_code == 0, result.output
    assert "4 evaluated, 2 changed" in result.output
    assert f"{mpp_families['terminated'].number}: not_eligible -> waiting" in result.output
    again = runner.invoke(
        _app(),
        ["registrations", "reevaluate", "--program", MPP, "--on", "2021-06-23", "--format", "json"],
    )
    assert json.loads(again.output) == {
        "program": MPP,
        "on": "2021-06-23",
        "evaluated": 4,
        "changed": [],
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--program", MPP, "--on", "23/06/2021"], "--on: '23/06/2021' is not a date"),
        (["--program", "nope", "--on", "2021-06-23"], "--program: no program 'nope'"),
        (["--program", MPP, "--on", "2021-06-23", "--format", "xml"], "--format: 'xml'"),
    ],
)
def test_the_command_refuses_bad_input_with_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(_app(), ["registrations", "reevaluate", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert StatusChange.objects.count() == 0
