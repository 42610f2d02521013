"""The ``asilo`` executable: start only the commands that were asked for.

Importing every part's commands (the policy catalogue's schema, Django's command modules,
DuckDB, matplotlib...) costs the better part of a second before any work starts. For the batch
commands named in :data:`LIGHT`, whose users run them on large files and time them, only that
part's module is imported and registered; anything else (``asilo --help`` included) gets the
whole :data:`asilo.cli.main.app`. Both run the same command functions.
"""

from __future__ import annotations

import importlib
import sys

#: Command words → the module whose ``register(app)`` defines them (and nothing else needed).
LIGHT: dict[tuple[str, ...], str] = {
    ("schedule", "allocate"): "asilo.cli.schedule_cmds",
    ("decide",): "asilo.cli.policy_cmds",
}


def light_module(args: list[str]) -> str | None:
    """The one module that defines the command ``args`` name, if it is a light command."""
    if any(arg in ("--help", "--install-completion", "--show-completion") for arg in args[:1]):
        return None
    for words, module in LIGHT.items():
        if tuple(args[: len(words)]) == words:
            return module
    return None


def run() -> None:
    """Console entry point (``asilo`` in ``pyproject.toml``)."""
    module = light_module(sys.argv[1:])
    if module is None:
        from asilo.cli.main import app

        app()
        return
    import typer

    app = typer.Typer(
        name="asilo", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
    )
    importlib.import_module(module).register(app)
    app()
