"""``asilo audit verify``: check the audit trail's hash chain and its database triggers."""

from __future__ import annotations

import typer

audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)

EXIT_BROKEN = 1


@audit_app.command("verify")
def verify() -> None:
    """Check every entry's hash and its link to the entry before it; name the first broken
    entry (exit 1). Also checks that the database still refuses changes to the trail."""
    from asilo.cli.common import setup_django

    setup_django()
    from asilo.web.audit.selectors import audit_chain_report, audit_triggers_present

    report = audit_chain_report()
    triggers = audit_triggers_present()
    if report.first_break is not None:
        broken = report.first_break
        at = f" ({broken.at:%Y-%m-%d %H:%M:%S %Z})" if broken.at else ""
        typer.echo(
            f"audit chain broken at entry {broken.entry_id}{at}: {broken.reason}; "
            f"{report.entries - 1} entries before it are intact.",
            err=True,
        )
        raise typer.Exit(EXIT_BROKEN)
    if not triggers:
        typer.echo(
            "audit chain intact, but the database no longer refuses UPDATE and DELETE on the "
            "trail (its triggers are missing): run `asilo serve` or `migrate` again.",
            err=True,
        )
        raise typer.Exit(EXIT_BROKEN)
    typer.echo(f"audit chain intact: {report.entries} entries; head {report.head}")
