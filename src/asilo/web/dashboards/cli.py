"""``asilo stats export-encounters``: publish the case application's encounters in CBP's format.

Its sub-app joins the ``asilo stats`` group (:mod:`asilo.cli.registry`). The command reads the
configured database (``DATABASE_URL``, default the SQLite file) through Django.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from asilo.cli.common import setup_django


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
    try:
        first = dt.date.fromisoformat(since) if since else None
        last = dt.date.fromisoformat(until) if until else None
    except ValueError as exc:
        raise typer.BadParameter(f"dates are YYYY-MM-DD: {exc}") from None
    if first and last and first > last:
        raise typer.BadParameter("--since is after --until")
    setup_django()
    from asilo.stats.cbp_export import ExportError
    from asilo.web.dashboards.export import export_encounters

    try:
        summary = export_encounters(out_file, since=first, until=last)
    except (OSError, ExportError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{out_file}: {summary.rows:,} CBP rows, {summary.encounters:,} encounters "
        f"(one per person of each recorded encounter)"
    )


#: ``asilo stats export-encounters`` (joins the ``stats`` group in :mod:`asilo.cli.registry`).
stats_app = typer.Typer()
stats_app.command("export-encounters")(export_encounters_cmd)
