"""Malformed files fail with the exact line and import nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from asilo.stats import importer, store

from .conftest import AOR_EXCERPT, STATE_FILE, real_lines, write


def snapshot(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT (SELECT count(*) FROM encounters), (SELECT sum(encounters) FROM encounters), "
        "(SELECT count(*) FROM files), (SELECT count(*) FROM coverage)"
    ).fetchall()


@pytest.fixture
def loaded(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A database that already holds the April 2020 excerpt."""
    importer.import_files(con, [AOR_EXCERPT])
    return con


def failing(con: duckdb.DuckDBPyConnection, *paths: Path) -> list[str]:
    before = snapshot(con)
    with pytest.raises(importer.ImportFailed) as failure:
        importer.import_files(con, list(paths))
    assert snapshot(con) == before, "a failed import must leave the database as it was"
    return [str(e) for e in failure.value.errors]


def state_lines(tmp_path: Path, bad: str, at: int = 3) -> Path:
    """Real by-state lines with ``bad`` put in as line ``at`` (the header is line 1)."""
    lines = real_lines(STATE_FILE, 6)
    lines.insert(at - 1, bad)
    return write(tmp_path / "state.csv", lines, newline="\r\n")


def test_missing_column(loaded: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = [",".join(line.split(",")[:-1]) for line in real_lines(STATE_FILE, 3)]
    errors = failing(loaded, write(tmp_path / "no-count.csv", lines))
    assert len(errors) == 1
    assert errors[0].startswith("no-count.csv:1: header is not a known CBP product")
    assert "missing column 'Encounter Count'" in errors[0]


def test_non_numeric_count(loaded: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    bad = "2020,FYTD,APR,Northern Land Border,ME,Single Adults,CANADA,Title 8,15x"
    assert failing(loaded, state_lines(tmp_path, bad, at=5)) == [
        "state.csv:5: Encounter Count: '15x' is not a whole number of encounters"
    ]


def test_negative_count(loaded: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    bad = "2020,FYTD,APR,Northern Land Border,ME,Single Adults,CANADA,Title 8,-3"
    assert failing(loaded, state_lines(tmp_path, bad)) == [
        "state.csv:3: Encounter Count: '-3' is not a whole number of encounters"
    ]


def test_unknown_month(loaded: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    bad = "2020,FYTD,APRIL,Northern Land Border,ME,Single Adults,CANADA,Title 8,3"
    [error] = failing(loaded, state_lines(tmp_path, bad, at=4))
    assert error.startswith("state.csv:4: Month (abbv): 'APRIL' is not a month abbreviation")


def test_truncated_line(loaded: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = real_lines(STATE_FILE, 4)
    path = tmp_path / "cut.csv"
    path.write_text("\r\n".join(lines) + "\r\n2020,FYTD,APR,Northern Land Bor", encoding="utf-8")
    assert failing(loaded, path) == [
        "cut.csv:6: only 4 of 9 values: the line ends early (truncated?)"
    ]


def test_wrong_encoding(loaded: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = real_lines(STATE_FILE, 3)
    text = "\n".join(lines) + "\n2020,FYTD,APR,Other,FL,Single Adults,CÔTE D'IVOIRE,Title 8,2\n"
    path = tmp_path / "latin1.csv"
    path.write_bytes(text.encode("latin-1"))
    assert failing(loaded, path) == [
        "latin1.csv:5: not UTF-8 text (a file saved in another encoding?)"
    ]


def test_utf16_file_fails_at_the_header(loaded: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "utf16.csv"
    path.write_bytes("\n".join(real_lines(STATE_FILE, 2)).encode("utf-16"))
    [error] = failing(loaded, path)
    assert error.startswith("utf16.csv:1: not UTF-8 text")


def test_empty_value_and_blank_lines(loaded: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = real_lines(STATE_FILE, 4)
    lines[2:2] = [""]  # a blank line 3, which the reader skips: later lines keep their number
    lines.append("2020,FYTD,APR,Northern Land Border,ME,Single Adults,,Title 8,3")
    errors = failing(loaded, write(tmp_path / "gap.csv", lines))
    assert errors == ["gap.csv:7: Citizenship is empty"]


def test_unknown_region_and_state(loaded: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = [
        *real_lines(STATE_FILE, 2),
        "2020,FYTD,APR,Coastal Border,FL,Single Adults,CANADA,Title 8,3",
        "2020,FYTD,APR,Other,Florida,Single Adults,CANADA,Title 8,3",
    ]
    errors = failing(loaded, write(tmp_path / "regions.csv", lines))
    assert errors[0].startswith("regions.csv:4: Land Border Region: 'Coastal Border' is not")
    assert len(errors) == 1  # reader errors come first; the state is checked once those pass
    lines.pop(3)
    assert failing(loaded, write(tmp_path / "regions.csv", lines)) == [
        "regions.csv:4: State is not a two-letter code"
    ]


def test_one_bad_file_imports_nothing_from_any(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    bad = state_lines(tmp_path, "2020,FYTD,APR,Other,FL,Single Adults,CANADA,Title 9,2")
    errors = failing(con, AOR_EXCERPT, bad)
    assert errors == [
        "state.csv:3: Title of Authority: 'Title 9' is not a title of authority (Title 8, Title 42)"
    ]
    assert store.imported_files(con) == []


def test_errors_of_every_file_are_reported(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    first = state_lines(tmp_path, "2020,FYTD,APR,Other,FL,Single Adults,CANADA,Title 8,x")
    second = write(
        tmp_path / "other.csv",
        [*real_lines(STATE_FILE, 1), "2020,FYTD,XXX,Other,FL,FMUA,CUBA,Title 8,1"],
    )
    errors = failing(con, first, second)
    assert [e.split(":")[:2] for e in errors] == [["state.csv", "3"], ["other.csv", "3"]]


def test_same_file_name_twice(con: duckdb.DuckDBPyConnection) -> None:
    assert failing(con, STATE_FILE, STATE_FILE) == [
        "cbp_nationwide_encounters_state_fy20_fy23.csv: named twice in one import"
    ]


def test_missing_file(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    [error] = failing(con, tmp_path / "absent.csv")
    assert error.startswith("absent.csv: cannot read file")
