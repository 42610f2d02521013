"""``asilo registrations ...``: programs and the re-evaluation of eligibility.

Its sub-app is the ``registrations`` group (:mod:`asilo.cli.registry`).

``asilo registrations reevaluate --program mpp-wind-down-2021 --on 2021-06-23`` asks the
policy engine again, as of that date, about every registration of the program still in the
queue, and records the reason for each one whose status changes.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from asilo.cli.common import fail, setup_django
from asilo.cli.options import TextOrJson, day_option

registrations_app = typer.Typer(
    help="Registrations of families waiting in Mexico: programs, re-evaluation.",
    no_args_is_help=True,
)


@registrations_app.command("programs")
def programs_command() -> None:
    """List the programs: code, eligibility rule, ports, allocation method, open or closed."""
    setup_django()
    from asilo.web.registrations.models import Program

    for program in Program.objects.order_by("code"):
        state = "open" if program.is_open else "closed"
        typer.echo(
            f"{program.code}\t{program.rule}\t{';'.join(program.ports)}"
            f"\t{program.allocation_method}\t{state}"
        )


@registrations_app.command("reevaluate")
def reevaluate_command(
    program: Annotated[str, typer.Option("--program", help="Program code.")],
    day: Annotated[date, day_option("--on", "Evaluate as of this date.")],
    output_format: TextOrJson = "text",
) -> None:
    """Re-evaluate eligibility of a program's registrations as of a date."""
    setup_django()
    from asilo.web.registrations.models import Program
    from asilo.web.registrations.services import program_reevaluate

    found = Program.objects.filter(code=program).first()
    if found is None:
        known = ", ".join(Program.objects.order_by("code").values_list("code", flat=True))
        fail(f"--program: no program {program!r} (known: {known})")
    result = program_reevaluate(actor=None, program=found, on=day)
    if output_format == "json":
        typer.echo(
            json.dumps(
                {
                    "program": result.program,
                    "on": result.on.isoformat(),
                    "evaluated": result.evaluated,
                    "changed": [
                        {"number": n, "from": f, "to": t, "rule": r}
                        for n, f, t, r in result.changed
                    ],
                },
                indent=2,
            )
        )
        return
    typer.echo(
        f"{result.program} on {result.on}: {result.evaluated} evaluated,"
        f" {len(result.changed)} changed"
    )
    for number, before, after, rule in result.changed:
        typer.echo(f"  {number}: {before} -> {after} ({rule})")
