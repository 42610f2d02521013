"""Entry point of the ``asilo`` command.

Each part of the work registers its own commands from its own module, so that a change to
one part's commands never touches another's.
"""

from __future__ import annotations

import typer

from asilo.cli import forecast_cmds, identity_cmds, policy_cmds, schedule_cmds, stats_cmds, web_cmds
from asilo.web.appointments import cli as appointments_cli
from asilo.web.audit import cli as audit_cli
from asilo.web.dashboards import cli as dashboards_cli
from asilo.web.encounters import cli as encounters_cli
from asilo.web.identity import cli as identity_cli
from asilo.web.registrations import cli as registrations_cli

app = typer.Typer(
    name="asilo",
    help="asilo: policy as code, border processing, registration and statistics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

policy_cmds.register(app)
stats_cmds.register(app)
dashboards_cli.register(stats_cmds.stats_app)
schedule_cmds.register(app)
appointments_cli.register(app)
web_cmds.register(app)
registrations_cli.register(app)
encounters_cli.register(app)
identity_cmds.register(app)
identity_cli.register(identity_cmds.identity_app)
forecast_cmds.register(app)
audit_cli.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
