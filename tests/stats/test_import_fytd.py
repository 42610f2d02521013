"""The current fiscal year of a release, written ``2026 (FYTD)``, in every CBP product.

CBP marks the year still in progress as ``YYYY (FYTD)`` in the fiscal-year column of the
by-state, by-AOR and Southwest files alike. The small files here are real CBP lines (the
FY2022-FY2025 by-state release, the April 2020 by-AOR excerpt) with the year and month put in
the form of a FY23-FY26 release through November.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from asilo.stats import importer, reports, store

from .conftest import AOR_EXCERPT, SOUTHWEST_HEADER, STATE_FILE_FY22_FY25, real_lines, write


def as_year(lines: list[str], year: str, months: list[str]) -> list[str]:
    """The header, then every data line with its year and month replaced, once per month."""
    header, data = lines[0], lines[1:]
    out = [header]
    for month in months:
        for line in data:
            _, grouping, _, rest = line.split(",", 3)
            out.append(f"{year},{grouping},{month},{rest}")
    return out


def with_count(lines: list[str], count: int) -> list[str]:
    """Every data line with its Encounter Count (the last value) set to ``count``."""
    return [lines[0], *(line.rsplit(",", 1)[0] + f",{count}" for line in lines[1:])]


def state_release(tmp_path: Path, name: str, year: str, months: list[str], count: int) -> Path:
    lines = with_count(as_year(real_lines(STATE_FILE_FY22_FY25, 4), year, months), count)
    return write(tmp_path / name, lines, newline="\r\n")


def by_month(con: duckdb.DuckDBPyConnection, product: str | None = None) -> dict[str, int]:
    rows = reports.totals(con, reports.Query(by=("month",), region="all", product=product))
    return {r["month"]: r["encounters"] for r in rows}


@pytest.mark.parametrize("year", ["2026 (FYTD)", "2026(FYTD)", "2026 (fytd)", "FY2026 (FYTD)"])
def test_by_state_release_with_fytd_year(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, year: str
) -> None:
    path = state_release(tmp_path, "state-fy23-fy26-nov.csv", year, ["OCT", "NOV"], 5)
    result = importer.import_files(con, [path])
    f = result.files[0]
    assert (f.product.name, f.rows, f.encounters) == ("nationwide_state", 8, 40)
    assert (f.first_month, f.last_month) == (dt.date(2025, 10, 1), dt.date(2025, 11, 1))
    rows = reports.totals(con, reports.Query(by=("fiscal_year", "month"), region="all"))
    assert rows == [
        {"fiscal_year": 2026, "month": "2025-10", "encounters": 20},
        {"fiscal_year": 2026, "month": "2025-11", "encounters": 20},
    ]


def test_by_aor_release_with_fytd_year(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = as_year(real_lines(AOR_EXCERPT, 3), "2026 (FYTD)", ["NOV"])
    path = write(tmp_path / "aor-fy23-fy26-nov.csv", lines)
    result = importer.import_files(con, [path])
    assert result.files[0].product.name == "nationwide_aor"
    rows = reports.totals(con, reports.Query(by=("fiscal_year", "month", "aor"), region="all"))
    assert {(r["fiscal_year"], r["month"]) for r in rows} == {(2026, "2025-11")}
    assert sum(r["encounters"] for r in rows) == 6  # the three real lines count 3 + 1 + 2


def test_southwest_release_with_fytd_year(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(
        tmp_path / "southwest-fy26.csv",
        [
            SOUTHWEST_HEADER,
            "2026 (FYTD),FYTD,OCT,U.S. Border Patrol,Single Adults,Mexico,Title 8,Apprehensions,9",
            "2026 (FYTD),FYTD,NOV,Office of Field Operations,UAC,Other,Title 8,Inadmissibles,2",
        ],
    )
    importer.import_files(con, [path])
    rows = reports.totals(con, reports.Query(by=("fiscal_year", "month"), region="southwest"))
    assert rows == [
        {"fiscal_year": 2026, "month": "2025-10", "encounters": 9},
        {"fiscal_year": 2026, "month": "2025-11", "encounters": 2},
    ]


def test_fytd_months_are_replaced_by_a_later_release(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # Release of December: FY2026 to date is OCT and NOV (5 a line).
    december = state_release(tmp_path, "fy23-fy26-nov.csv", "2026 (FYTD)", ["OCT", "NOV"], 5)
    # Release of January: OCT and NOV revised (7 a line), DEC added.
    january = state_release(tmp_path, "fy23-fy26-dec.csv", "2026 (FYTD)", ["OCT", "NOV", "DEC"], 7)
    importer.import_files(con, [december])
    report = importer.import_files(con, [january])
    assert [o.describe() for o in report.overlaps] == [
        "overlap: fy23-fy26-nov.csv and fy23-fy26-dec.csv both cover 2 month(s) (2025-10 to "
        "2025-11; Northern Land Border); reports use fy23-fy26-dec.csv (newer release, data "
        "through 2025-12)"
    ]
    assert by_month(con) == {"2025-10": 28, "2025-11": 28, "2025-12": 28}
    # The year closes: the last release writes "2026" without the marker and wins again.
    final = state_release(
        tmp_path, "fy24-fy27.csv", "2026", ["OCT", "NOV", "DEC", "JAN", "SEP"], 11
    )
    importer.import_files(con, [final])
    assert by_month(con)["2025-10"] == 44
    total = reports.totals(con, reports.Query(by=("fiscal_year",), region="all"))
    assert total == [{"fiscal_year": 2026, "encounters": 5 * 44}]
    assert [f.file_name for f in store.imported_files(con)] == [
        "fy23-fy26-nov.csv",
        "fy23-fy26-dec.csv",
        "fy24-fy27.csv",
    ]


@pytest.mark.parametrize("year", ["2026 (YTD)", "20x6", "2026 FYTD", "(FYTD)"])
def test_a_year_in_no_known_form_is_refused_with_its_line(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, year: str
) -> None:
    lines = real_lines(STATE_FILE_FY22_FY25, 3)
    first, rest = lines[2].split(",", 1)
    assert first == "2022"
    lines[2] = f"{year},{rest}"
    path = write(tmp_path / "state.csv", lines)
    with pytest.raises(importer.ImportFailed) as failure:
        importer.import_files(con, [path])
    assert [str(e) for e in failure.value.errors] == [
        "state.csv:3: Fiscal Year is not a year (like 2024, or 2025 (FYTD))"
    ]
    assert store.imported_files(con) == []
