"""The ``asilo`` executable: start only the commands that were asked for.

Importing every part's commands (the policy catalogue's schema, Django's command modules,
DuckDB, matplotlib...) costs the better part of a second before any work starts. For the batch
commands named in :data:`LIGHT`, whose users run them on large files and time them, only that
part's sub-app is imported and registered; anything else (``asilo --help`` included) gets the
whole :data:`asilo.cli.main.app` (groups in :mod:`asilo.cli.registry`). Both run the same
command functions.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

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


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def end_cleanly_on_sigterm() -> None:
    """Make SIGTERM (``kill``, ``timeout``, a job runner stopping the command) end the command
    as an error does: ``finally`` blocks and context managers run, so an output file being
    written leaves the old file and no temporary file (:mod:`asilo.outputfiles`), and an open
    transaction is rolled back. The exit status is the shell's for the signal (143). ``asilo
    serve`` sets its own handler (it stops its server and worker)."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


def run() -> None:
    """Console entry point (``asilo`` in ``pyproject.toml``)."""
    end_cleanly_on_sigterm()
    where = light_command(sys.argv[1:])
    if where is None:
        from asilo.cli.main import app

        app()
        return
    from asilo.cli.registry import build

    group, sub_app = where
    build({group: (sub_app,)})()
