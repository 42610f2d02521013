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
from codecs import BOM_UTF8
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn

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


def _opened(path: Path, option: str) -> BinaryIO:
    """The file ``path`` given as ``option``, open for reading; a missing file, a folder or a
    file that cannot be read exits 2 naming the option and the file."""
    try:
        return path.open("rb")
    except IsADirectoryError:
        fail(f"{option}: cannot read {path}: it is a folder, not a file")
    except OSError as exc:
        fail(f"{option}: cannot read {path}: {exc.strerror or exc}")


def _read(handle: BinaryIO, path: Path, option: str, size: int = -1) -> bytes:
    try:
        return handle.read(size)
    except OSError as exc:
        fail(f"{option}: cannot read {path}: {exc.strerror or exc}")


def read_bytes(path: Path, option: str) -> bytes:
    """The bytes of the file ``path`` given as ``option``; a missing file, a folder or a file
    that cannot be read exits 2 naming the option and the file."""
    with _opened(path, option) as handle:
        return _read(handle, path, option)


def _decoded(
    piece: bytes, path: Path | str, option: str, *, lines_before: int = 0, opening: bool = True
) -> str:
    """``piece`` as UTF-8 text, or exit 2 naming the line (counted from ``lines_before`` line
    feeds) and the first byte that is not UTF-8. A byte order mark is dropped at the
    ``opening`` of a file only."""
    skipped = len(BOM_UTF8) if opening and piece.startswith(BOM_UTF8) else 0
    try:
        return piece.decode("utf-8-sig" if opening else "utf-8")
    except UnicodeDecodeError as exc:
        at = skipped + exc.start
        line = lines_before + piece.count(b"\n", 0, at) + 1
        fail(
            f"{option}: {path}, line {line}: not UTF-8 text (byte 0x{piece[at]:02x});"
            " save the file as UTF-8"
        )


def _nul_byte(path: Path | str, option: str, line: int) -> NoReturn:
    fail(f"{option}: {path}, line {line}: a NUL byte; this is not a text file")


def decode_text(data: bytes, path: Path | str, option: str) -> str:
    """``data`` (the content of ``path``) as UTF-8 text; bytes that are not UTF-8 (latin-1,
    UTF-16, a binary file) or a NUL byte exit 2 naming the file and the line."""
    text = _decoded(data, path, option)
    nul = data.find(b"\0")
    if nul >= 0:
        _nul_byte(path, option, data.count(b"\n", 0, nul) + 1)
    return text


def read_text(path: Path, option: str) -> str:
    """The UTF-8 text of the file ``path`` given as ``option``, or exit 2 naming the file
    (and the line of a byte that is not UTF-8 text)."""
    return decode_text(read_bytes(path, option), path, option)


#: How much of a file :func:`text_lines` reads at a time.
PIECE_BYTES = 1 << 23


def text_lines(
    path: Path, option: str, piece_bytes: int = PIECE_BYTES
) -> Iterator[tuple[int, str]]:
    """The lines of the UTF-8 text file ``path`` given as ``option``, numbered from 1, exactly as
    ``read_text(path, option).splitlines()`` gives them, but read a piece at a time: memory
    stays bounded by the longest line, whatever the file's size.

    The exits are :func:`read_text`'s too: a byte that is not UTF-8 exits as soon as it is
    read; a NUL byte only once the whole file has been read (as :func:`read_text` does, a byte
    that is not UTF-8 after it is named first)."""
    lines = 0
    line_feeds = 0  # before the piece being read: the line of a bad byte counts them
    nul: int | None = None
    start = b""
    first = True
    with _opened(path, option) as handle:
        while True:
            block = _read(handle, path, option, piece_bytes)
            data = start + block
            # pieces end after a line feed: it is never inside a character, and ends a line
            cut = data.rfind(b"\n") + 1 if block else len(data)
            piece, start = data[:cut], data[cut:]
            if piece:
                text = _decoded(piece, path, option, lines_before=line_feeds, opening=first)
                first = False
                if nul is None and (at := piece.find(b"\0")) >= 0:
                    nul = line_feeds + piece.count(b"\n", 0, at) + 1
                line_feeds += piece.count(b"\n")
                for line in text.splitlines():
                    lines += 1
                    yield lines, line
            if not block:
                break
    if nul is not None:
        _nul_byte(path, option, nul)


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
