"""What every ``asilo`` command shares: the error exit and Django's set-up.

A command that refuses its input calls :func:`fail`: one line ``error: <message>`` on standard
error, exit status 2 (or the ``code`` given), never a traceback. Commands of the web
application call :func:`setup_django` before they import a model.

Commands that print through rich (tables, notes) share its two consoles, :data:`out` and
:data:`err`; :func:`say` prints a line as it is on either.

This module imports nothing but Typer (and rich, which Typer loads), so the light commands
(``decide``, ``schedule allocate``) stay light.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from django.conf import LazySettings

#: Standard output and standard error for rich (soft-wrapped: a long line is never broken).
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

#: Exit status of a command whose input (arguments, file, data) was refused.
EXIT_BAD_INPUT = 2


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Say ``error: message`` on standard error and exit with ``code`` (no traceback)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def say(text: str, console: Console = out) -> None:
    """Print ``text`` on ``console`` as it is (no markup, no highlighting)."""
    console.print(text, markup=False, highlight=False)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON (non-ASCII letters as they are) on standard output."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def read_bytes(path: Path, option: str) -> bytes:
    """The bytes of the file ``path`` given as ``option``; a missing file, a folder or a file
    that cannot be read exits 2 naming the option and the file."""
    try:
        return path.read_bytes()
    except IsADirectoryError:
        fail(f"{option}: cannot read {path}: it is a folder, not a file")
    except OSError as exc:
        fail(f"{option}: cannot read {path}: {exc.strerror or exc}")


def decode_text(data: bytes, path: Path | str, option: str) -> str:
    """``data`` (the content of ``path``) as UTF-8 text; bytes that are not UTF-8 (latin-1,
    UTF-16, a binary file) or a NUL byte exit 2 naming the file and the line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        fail(
            f"{option}: {path}, line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x});"
            " save the file as UTF-8"
        )
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        fail(f"{option}: {path}, line {line}: a NUL byte; this is not a text file")
    return text


def read_text(path: Path, option: str) -> str:
    """The UTF-8 text of the file ``path`` given as ``option``, or exit 2 naming the file
    (and the line of a byte that is not UTF-8 text)."""
    return decode_text(read_bytes(path, option), path, option)


def text_file(path: Path, option: str) -> Path:
    """``path`` once it is known to be a readable UTF-8 text file (for a small file that
    another reader then reads): exit 2 naming the file otherwise."""
    read_text(path, option)
    return path


def text_files(*given: tuple[str, Path | None]) -> None:
    """:func:`text_file` for each ``(option, path)`` given, in order; an option left out
    (``None``) is passed over."""
    for option, path in given:
        if path is not None:
            text_file(path, option)


def setup_django() -> LazySettings:
    """Configure Django from the environment (once) and return its settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asilo.web.settings")
    import django
    from django.apps import apps
    from django.conf import settings

    if not apps.ready:
        django.setup()
    return settings
