"""``asilo.outputfiles``: the one way a command replaces a file it writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb
import pytest

from asilo import outputfiles
from asilo.outputfiles import OutputFileError, replacing, write_text


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_new_file_is_written_whole_with_a_new_files_permissions(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    before = os.umask(0o027)
    try:
        write_text(out, "a,b\r\n1,2\n")
    finally:
        os.umask(before)
    assert out.read_bytes() == b"a,b\r\n1,2\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert names(tmp_path) == ["out.csv"]


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o604)
    write_text(out, "new\n")
    assert out.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o604


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_an_error_in_the_block_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, error: BaseException
) -> None:
    out = tmp_path / "out.csv"
    out.write_text("old\n", encoding="utf-8")
    with pytest.raises(type(error)), replacing(out) as temporary:
        temporary.write_text("half a fi", encoding="utf-8")
        raise error
    assert out.read_text(encoding="utf-8") == "old\n"
    assert names(tmp_path) == ["out.csv"]


def test_the_temporary_file_is_beside_the_target_and_hidden(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    with replacing(out) as temporary:
        assert temporary.parent == tmp_path and temporary.name.startswith(".out.csv.")
        assert temporary.read_bytes() == b""
        assert not out.exists()
    assert out.read_bytes() == b""


def test_a_folder_that_does_not_exist_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "nowhere" / "out.csv"
    with pytest.raises(OutputFileError) as raised:
        write_text(out, "x")
    assert str(raised.value) == f"{out}: the folder {tmp_path / 'nowhere'} does not exist"
    assert isinstance(raised.value, OSError)
    assert names(tmp_path) == []


def test_a_folder_as_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputFileError, match=r": is a folder, not a file$"):
        write_text(tmp_path, "x")
    assert names(tmp_path) == []


def test_a_writer_that_renames_its_own_file_over_the_temporary_one(tmp_path: Path) -> None:
    """DuckDB's COPY writes a file of its own and renames it over an existing one."""
    out = tmp_path / "out.csv"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o600)
    con = duckdb.connect()
    with replacing(out) as temporary:
        con.execute(f"COPY (SELECT 1 AS a) TO '{temporary}' (HEADER)")
    assert out.read_text(encoding="utf-8") == "a\n1\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert names(tmp_path) == ["out.csv"]


def test_a_temporary_file_named_by_the_caller(tmp_path: Path) -> None:
    out, mine = tmp_path / "store.db", tmp_path / ".store.db.import-1"
    with pytest.raises(RuntimeError), replacing(out, temporary=mine):
        raise RuntimeError("before the caller made it")
    assert names(tmp_path) == []
    with replacing(out, temporary=mine) as temporary:
        assert temporary == mine
        mine.write_text("db", encoding="utf-8")
    assert names(tmp_path) == ["store.db"]


def test_the_file_is_on_disk_before_it_is_renamed_and_the_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The order that makes a power cut harmless (observed, not simulated: the real calls run)."""
    steps: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        what = "folder" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "file"
        steps.append(f"fsync {what}")
        real_fsync(descriptor)

    def replace(source: Path, target: Path) -> None:
        steps.append("replace")
        real_replace(source, target)

    monkeypatch.setattr(outputfiles.os, "fsync", fsync)
    monkeypatch.setattr(outputfiles.os, "replace", replace)
    write_text(tmp_path / "out.csv", "x\n")
    assert steps == ["fsync file", "replace", "fsync folder"]


def test_bytes_too(tmp_path: Path) -> None:
    out = tmp_path / "chart.png"
    out.write_bytes(b"old")
    outputfiles.write_bytes(out, b"\x89PNG\r\n")
    assert out.read_bytes() == b"\x89PNG\r\n"
    assert names(tmp_path) == ["chart.png"]
