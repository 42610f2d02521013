"""``asilo stats export-encounters``: publish the case application's encounters in CBP's format.

Its sub-app joins the ``asilo stats`` group (:mod:`asilo.cli.registry`). The command reads the
configured database (``DATABASE_URL``, default the SQLite file) through Django.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from asilo.cli.common import fail, setup_django
from asilo.cli.options import optional_day


def export_encounters_cmd(
    out_file: Annotated[Path, typer.Option("--out", help="CBP by-AOR CSV to write.")],
    since: Annotated[
        str | None, typer.Option("--since", help="First encounter date (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Last encounter date (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Write asilo's recorded encounters as CBP's Nationwide Encounters by AOR CSV."""
    first, last = optional_day(since, "--since"), optional_day(until, "--until")
    if first and last and first > last:
        fail("--since is after --until")
    setup_django()
    from asilo.stats.cbp_export import ExportError
    from asilo.web.dashboards.export import export_encounters

    try:
        summary = export_encounters(out_file, since=first, until=last)
    except (OSError, ExportError) as exc:
        fail(str(exc))
    typer.echo(
        f"{out_file}: {summary.rows:,} CBP rows, {summary.encounters:,} encounters "
        f"(one per person of each recorded encounter)"
    )


#: ``asilo stats export-encounters`` (joins the ``stats`` group in :mod:`asilo.cli.registry`).
stats_app = typer.Typer()
stats_app.command("export-encounters")(export_encounters_cmd)
