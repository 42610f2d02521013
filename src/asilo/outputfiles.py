"""Writing an output file safely: the one way every command replaces a file it writes.

The new contents go to a temporary file in the target's folder, which is renamed over the
target (``os.replace``) only once it is complete and on disk. So a reader sees the old file or
the new one, whole, never half a file; a failure, an exception or Ctrl-C leaves the old file as
it was and no temporary file behind; and a power cut after the rename cannot leave an empty
file (the new file is flushed with ``fsync`` before the rename, the folder after it).

The new file has the permissions of the file it replaces, or a new file's (0666 less the
umask, as ``open()`` gives). A target whose folder does not exist, or that is a folder, is
refused with :class:`OutputFileError` before anything is written; no folder is created.

    with replacing(out) as temporary:
        duckdb_connection.execute(f"COPY (...) TO '{temporary}'")

    write_text(out, text)   # write_bytes(out, data)
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path


class OutputFileError(OSError):
    """An output file cannot be written: the target is as it was, no temporary file is left."""

    def __init__(self, target: Path, problem: str) -> None:
        self.target = target
        self.problem = problem
        super().__init__(f"{target}: {problem}")


def check_target(target: Path) -> None:
    """Refuse a target that cannot be replaced: its folder does not exist, or it is a folder."""
    if target.is_dir():
        raise OutputFileError(target, "is a folder, not a file")
    if not target.parent.is_dir():
        raise OutputFileError(target, f"the folder {target.parent} does not exist")


@contextlib.contextmanager
def replacing(target: Path, *, temporary: Path | None = None) -> Iterator[Path]:
    """A temporary file beside ``target`` to write; it replaces ``target`` when the block ends
    without an error, and is removed when it ends with one (Ctrl-C included).

    The temporary file is new and empty, unless the caller names its own ``temporary`` (in
    ``target``'s folder, not yet existing: the caller creates it). Writers that replace the
    file by a rename of their own (DuckDB's ``COPY ... TO`` does) may do so: what counts is
    the file at the temporary path when the block ends. Raises :class:`OutputFileError` when
    the target is refused (:func:`check_target`) or the system refuses a step of its own
    (creating, flushing or renaming the file); the block's own errors pass unchanged.
    """
    check_target(target)
    if temporary is None:
        temporary = _new_temporary(target)
    try:
        yield temporary
        _put_in_place(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text(target: Path, text: str) -> None:
    """Replace ``target`` by ``text`` (UTF-8, line ends as given) as :func:`replacing` does."""
    with replacing(target) as temporary, temporary.open("w", encoding="utf-8", newline="") as f:
        f.write(text)


def write_bytes(target: Path, data: bytes) -> None:
    """Replace ``target`` by ``data`` as :func:`replacing` does."""
    with replacing(target) as temporary:
        temporary.write_bytes(data)


def _new_temporary(target: Path) -> Path:
    """A new, empty ``.NAME.RANDOM.tmp`` beside ``target``, created with a new file's mode."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    while True:
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(temporary, flags, 0o666))
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputFileError(target, f"cannot be written: {exc.strerror or exc}") from exc
        return temporary


def _put_in_place(temporary: Path, target: Path) -> None:
    """Give ``temporary`` the target's permissions, flush it to disk, rename it over ``target``
    and flush the folder (the rename itself) where the file system allows it."""
    try:
        mode = _permissions(target)
        descriptor = os.open(temporary, os.O_RDONLY | os.O_CLOEXEC)
        try:
            if mode is not None:
                os.fchmod(descriptor, mode)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, target)
    except OSError as exc:
        raise OutputFileError(target, f"cannot be written: {exc.strerror or exc}") from exc
    # The file is in place: a folder the file system cannot flush is no error.
    with contextlib.suppress(OSError):
        folder = os.open(target.parent, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _permissions(target: Path) -> int | None:
    """The permission bits of the regular file at ``target``; None when there is none."""
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return None
    return stat.S_IMODE(status.st_mode) if stat.S_ISREG(status.st_mode) else None
