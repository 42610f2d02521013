"""``asilo stats export-encounters``: publish the case application's encounters in CBP's format.

Its sub-app joins the ``asilo stats`` group (:mod:`asilo.cli.registry`). The command reads the
configured database (``DATABASE_URL``, default the SQLite file) through Django.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from asilo.cli.common import fail, setup_django
from asilo.cli.options import day_option


def export_encounters_cmd(
    out_file: Annotated[Path, typer.Option("--out", help="CBP by-AOR CSV to write.")],
    since: Annotated[dt.date | None, day_option("--since", "First encounter date.")] = None,
    until: Annotated[dt.date | None, day_option("--until", "Last encounter date.")] = None,
) -> None:
    """Write asilo's recorded encounters as CBP's Nationwide Encounters by AOR CSV."""
    if since and until and since > until:
        fail("--since is after --until")
    setup_django()
    from asilo.stats.cbp_export import ExportError
    from asilo.web.dashboards.export import export_encounters

    try:
        summary = export_encounters(out_file, since=since, until=until)
    except (OSError, ExportError) as exc:
        fail(str(exc))
    typer.echo(
        f"{out_file}: {summary.rows:,} CBP rows, {summary.encounters:,} encounters "
        f"(one per person of each recorded encounter)"
    )


#: ``asilo stats export-encounters`` (joins the ``stats`` group in :mod:`asilo.cli.registry`).
stats_app = typer.Typer()
stats_app.command("export-encounters")(export_encounters_cmd)
