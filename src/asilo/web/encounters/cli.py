"""``asilo custody check`` and ``asilo custody standard-report``: the custody checks on the
command line.

``check`` lists every child in custody without an adult of its family unit and without the
unaccompanied child's legal limit. It must always list none: it exits 0 when there is none and
1 when there is one (for a monitoring job). Ids, ages and places only: no names.

Examples::

    asilo custody check
    asilo custody check --format json
    asilo custody standard-report --scope live
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from asilo.cli.common import fail, setup_django
from asilo.cli.options import TextOrJson

custody_app = typer.Typer(help="Custody checks and reports.", no_args_is_help=True)
FOUND_EXIT = 1


@custody_app.command("check")
def check(output: TextOrJson = "text") -> None:
    """List every child in custody without an adult of its family unit (must be none)."""
    setup_django()
    from asilo.web.encounters.selectors import children_alone

    rows = children_alone()
    if output == "json":
        typer.echo(
            json.dumps(
                {
                    "count": len(rows),
                    "children_alone": [
                        {**r.__dict__, "booked_in_at": r.booked_in_at.isoformat()} for r in rows
                    ],
                },
                indent=2,
            )
        )
    elif not rows:
        typer.echo("No child is in custody without an adult of its family unit.")
    else:
        typer.echo(f"{len(rows)} child(ren) in custody without an adult of the family unit:")
        for r in rows:
            typer.echo(
                f"  custody {r.custody_id}: person {r.person_id}, age {r.age}, "
                f"encounter {r.encounter_id}, {r.place}, booked in {r.booked_in_at.isoformat()}"
            )
    if rows:
        raise typer.Exit(code=FOUND_EXIT)


@custody_app.command("standard-report")
def standard_report(
    scope: Annotated[
        str, typer.Option("--scope", help="live, historical or all custodies.")
    ] = "all",
) -> None:
    """Hours held beyond the TEDS 72-hour standard (CUS-01), by place."""
    setup_django()
    from asilo.web.encounters.errors import EncounterError
    from asilo.web.encounters.selectors import CUSTODY_SCOPES, standard_report_rows

    if scope not in CUSTODY_SCOPES:
        fail(f"--scope: {scope!r} is not one of {', '.join(CUSTODY_SCOPES)}")
    try:
        rows = standard_report_rows(scope=scope)
    except EncounterError as exc:
        fail(exc.message)
    typer.echo(f"{'place':<24} {'custodies':>9} {'still held':>10} {'hours beyond':>12}")
    for r in rows:
        typer.echo(f"{r.place:<24} {r.custodies:>9} {r.still_held:>10} {r.hours_beyond:>12.1f}")
