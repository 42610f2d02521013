"""The ``asilo`` executable: start only the commands that were asked for.

Importing every part's commands (the policy catalogue's schema, Django's command modules,
DuckDB, matplotlib...) costs the better part of a second before any work starts. For the batch
commands named in :data:`LIGHT`, whose users run them on large files and time them, only that
part's sub-app is imported and registered; anything else (``asilo --help`` included) gets the
whole :data:`asilo.cli.main.app` (groups in :mod:`asilo.cli.registry`). Both run the same
command functions.
"""

from __future__ import annotations

import sys

#: Command words → the group and the one sub-app that define them (nothing else needed).
LIGHT: dict[tuple[str, ...], tuple[str, str]] = {
    ("schedule", "allocate"): ("schedule", "asilo.cli.schedule_cmds:schedule_app"),
    ("decide",): ("", "asilo.cli.policy_cmds:commands"),
}


def light_command(args: list[str]) -> tuple[str, str] | None:
    """The group and sub-app of the command ``args`` name, if it is a light command."""
    if any(arg in ("--help", "--install-completion", "--show-completion") for arg in args[:1]):
        return None
    for words, where in LIGHT.items():
        if tuple(args[: len(words)]) == words:
            return where
    return None


def light_module(args: list[str]) -> str | None:
    """The one module that defines the command ``args`` name, if it is a light command."""
    where = light_command(args)
    return None if where is None else where[1].partition(":")[0]


def run() -> None:
    """Console entry point (``asilo`` in ``pyproject.toml``)."""
    where = light_command(sys.argv[1:])
    if where is None:
        from asilo.cli.main import app

        app()
        return
    from asilo.cli.registry import build

    group, sub_app = where
    build({group: (sub_app,)})()
