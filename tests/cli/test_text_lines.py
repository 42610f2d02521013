"""``text_lines``: a file's lines read a piece at a time, exactly as ``read_text`` and
``str.splitlines`` give them, with the same exits."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path

import typer
from hypothesis import given, settings
from hypothesis import strategies as st

from asilo.cli.common import read_text, text_lines

#: Pieces of text files: every line end ``str.splitlines`` knows, a byte order mark, bytes
#: that are not UTF-8, a NUL byte and ordinary characters.
FRAGMENTS = [
    b"a",
    b"{}",
    b" ",
    b"\n",
    b"\r",
    b"\r\n",
    b"\x0b",
    b"\x0c",
    b"\x1c",
    b"\x1e",
    "\x85".encode(),
    "\u2028".encode(),
    "\u2029".encode(),
    "é".encode(),
    b"\xef\xbb\xbf",
    b"\xe9",
    b"\xff",
    b"\xe2\x80",
    b"\0",
]


def outcome(read: Callable[[], object]) -> tuple[object, str]:
    """What ``read`` gives, or the exit code and message it exits with."""
    said = io.StringIO()
    with contextlib.redirect_stderr(said):
        try:
            return read(), ""
        except typer.Exit as exc:
            return exc.exit_code, said.getvalue()


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(FRAGMENTS), max_size=40),
    piece_bytes=st.integers(1, 9),
)
def test_the_lines_and_exits_are_read_texts(
    tmp_path_factory: object, pieces: list[bytes], piece_bytes: int
) -> None:
    folder = Path(tmp_path_factory.mktemp("lines"))  # type: ignore[attr-defined]
    path = folder / "f.jsonl"
    path.write_bytes(b"".join(pieces))
    whole = outcome(lambda: list(enumerate(read_text(path, "--x").splitlines(), 1)))
    streamed = outcome(lambda: list(text_lines(path, "--x", piece_bytes)))
    assert streamed == whole


def test_a_missing_file_and_a_folder(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.jsonl", tmp_path):
        whole = outcome(lambda: read_text(path, "--x"))  # noqa: B023
        streamed = outcome(lambda: list(text_lines(path, "--x")))  # noqa: B023
        assert streamed == whole and whole[0] == 2


def test_a_byte_after_a_byte_order_mark_is_named_right(tmp_path: Path) -> None:
    """Defect: with a byte order mark, the byte named (and its line) was the one three bytes
    before the bad one (the decoder counts from after the mark)."""
    path = tmp_path / "f.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1,\n "b": "caf\xe9"}\n')
    code, message = outcome(lambda: read_text(path, "FILE"))
    assert code == 2
    assert message == (
        f"error: FILE: {path}, line 2: not UTF-8 text (byte 0xe9); save the file as UTF-8\n"
    )
