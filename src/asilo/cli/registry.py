"""The one home of the ``asilo`` command: every command group and who contributes to it.

Each part of the work keeps its commands in its own module as a Typer sub-app (commands only,
no name); :data:`GROUPS` names the group each sub-app joins on the command line. A group can
have several contributors (``schedule``: the file allocation and the appointments app's runs);
the group ``""`` is the top level (``asilo decide``, ``asilo serve``). Adding a command: add it
to its part's sub-app; adding a group: one line here.
"""

from __future__ import annotations

import importlib

import typer

#: Group name on the command line ("" for the top level) → its sub-apps ("module:attribute"),
#: in the order their commands are listed. The first contributor's help is the group's help.
GROUPS: dict[str, tuple[str, ...]] = {
    "": (
        "asilo.cli.policy_cmds:commands",
        "asilo.cli.catalogue_cmds:commands",
        "asilo.cli.web_cmds:commands",
    ),
    "eligibility": ("asilo.cli.policy_cmds:eligibility_app",),
    "stats": ("asilo.cli.stats_cmds:stats_app", "asilo.web.dashboards.cli:stats_app"),
    "schedule": ("asilo.cli.schedule_cmds:schedule_app", "asilo.web.appointments.cli:schedule_app"),
    "outbox": ("asilo.web.appointments.cli:outbox_app",),
    "users": ("asilo.cli.web_cmds:users_app",),
    "token": ("asilo.cli.web_cmds:token_app",),
    "registrations": ("asilo.web.registrations.cli:registrations_app",),
    "custody": ("asilo.web.encounters.cli:custody_app",),
    "identity": ("asilo.cli.identity_cmds:identity_app", "asilo.web.identity.cli:identity_app"),
    "forecast": ("asilo.cli.forecast_cmds:forecast_app",),
    "audit": ("asilo.web.audit.cli:audit_app",),
}


def sub_app(reference: str) -> typer.Typer:
    """The Typer sub-app named ``"module:attribute"``."""
    module, _, attribute = reference.partition(":")
    found = getattr(importlib.import_module(module), attribute)
    assert isinstance(found, typer.Typer), reference
    return found


def build(groups: dict[str, tuple[str, ...]] | None = None) -> typer.Typer:
    """The ``asilo`` command with ``groups`` (every group when None)."""
    root = typer.Typer(
        name="asilo",
        help="asilo: policy as code, border processing, registration and statistics.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for name, references in (GROUPS if groups is None else groups).items():
        contributors = [sub_app(r) for r in references]
        if not name:
            for contributor in contributors:
                root.add_typer(contributor)
            continue
        group = typer.Typer(help=contributors[0].info.help, no_args_is_help=True)
        for contributor in contributors:
            group.add_typer(contributor)
        root.add_typer(group, name=name)
    return root


def only(*names: str) -> typer.Typer:
    """The ``asilo`` command with only the groups ``names`` (tests, light commands)."""
    return build({name: GROUPS[name] for name in names})
