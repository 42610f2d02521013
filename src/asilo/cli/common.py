"""What every ``asilo`` command shares: the error exit and Django's set-up.

A command that refuses its input calls :func:`fail`: one line ``error: <message>`` on standard
error, exit status 2 (or the ``code`` given), never a traceback. Commands of the web
application call :func:`setup_django` before they import a model.

This module imports nothing but Typer, so the light commands (``decide``, ``schedule
allocate``) stay light.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from django.conf import LazySettings

#: Exit status of a command whose input (arguments, file, data) was refused.
EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Say ``error: message`` on standard error and exit with ``code`` (no traceback)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def setup_django() -> LazySettings:
    """Configure Django from the environment (once) and return its settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asilo.web.settings")
    import django
    from django.apps import apps
    from django.conf import settings

    if not apps.ready:
        django.setup()
    return settings
