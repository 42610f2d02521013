"""The Southwest Land Border Encounters file's quirks, on small hand-made files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from asilo.stats import importer, reports, store

from .conftest import SOUTHWEST_HEADER, write

ROWS = [
    "2024,FYTD,OCT,U.S. Border Patrol,Single Adults,Mexico,Title 8,Apprehensions,100",
    "2024,Remaining,SEP,Office of Field Operations,UAC,Other,Title 8,Inadmissibles,7",
    "2025 (FYTD),FYTD,OCT,U.S. Border Patrol,FMUA,Venezuela,Title 8,Apprehensions,40",
    "2025 (FYTD),FYTD,JAN,U.S. Border Patrol,UAC,Mexico,Title 8,Apprehensions,5",
    "2024,FYTD,JAN,U.S. Border Patrol,UAC,Mexico,Title 8,Apprehensions,3",
]


def southwest_file(tmp_path: Path, rows: list[str] = ROWS) -> Path:
    return write(tmp_path / "southwest-land-border-encounters.csv", [SOUTHWEST_HEADER, *rows])


def test_southwest_file_quirks(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    result = importer.import_files(con, [southwest_file(tmp_path)])
    f = result.files[0]
    assert (f.product.name, f.rows, f.encounters) == ("southwest_land_border", 5, 155)
    rows = con.execute(
        "SELECT fiscal_year, month, month_grouping, region::VARCHAR, demographic::VARCHAR, "
        "citizenship, citizenship_grouped FROM encounters ORDER BY month"
    ).fetchall()
    # "2025 (FYTD)" is fiscal year 2025; OCT of FY2025 is October 2024.
    assert rows[0][:2] == (2024, dt.date(2023, 10, 1))
    assert (2025, dt.date(2024, 10, 1)) in [r[:2] for r in rows]
    # Remaining and FYTD are both months of the fiscal year; every row is in the southwest.
    assert {r[2] for r in rows} == {"FYTD", "Remaining"}
    assert {r[3] for r in rows} == {"Southwest Land Border"}
    # UAC is CBP's UC / Single Minors; citizenship is a grouping.
    assert {r[4] for r in rows if r[5] == "Other"} == {"UC / Single Minors"}
    assert all(r[6] for r in rows)


def test_full_fiscal_year_is_fytd_and_remaining(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    importer.import_files(con, [southwest_file(tmp_path)])
    rows = reports.totals(con, reports.Query(by=("fiscal_year",), region="southwest"))
    assert rows == [
        {"fiscal_year": 2024, "encounters": 110},
        {"fiscal_year": 2025, "encounters": 45},
    ]


def test_fiscal_year_to_date_against_prior_year(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    importer.import_files(con, [southwest_file(tmp_path)])
    rows = reports.fiscal_year_to_date(con, reports.Query(by=("demographic",)))
    # FY2025 runs OCT..JAN so far; FY2024's OCT..JAN are compared, its SEP is not.
    by_demographic = {r["demographic"]: r for r in rows}
    assert by_demographic["UC / Single Minors"]["encounters"] == 5
    assert by_demographic["UC / Single Minors"]["prior_year"] == 3
    assert by_demographic["Single Adults"]["prior_year"] == 100
    assert by_demographic["Single Adults"]["change_percent"] == -100.0
    assert {r["through"] for r in rows} == {"JAN"}


def test_southwest_file_does_not_carry_states(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    importer.import_files(con, [southwest_file(tmp_path)])
    try:
        reports.totals(con, reports.Query(by=("state",), product="southwest_land_border"))
    except ValueError as exc:
        assert "has no state" in str(exc)
    else:
        raise AssertionError("a report by state of the southwest product must be refused")


def test_bad_southwest_year(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    bad = [
        *ROWS[:2],
        "2025 (YTD),FYTD,OCT,U.S. Border Patrol,FMUA,Venezuela,Title 8,Apprehensions,4",
    ]
    try:
        importer.import_files(con, [southwest_file(tmp_path, bad)])
    except importer.ImportFailed as exc:
        assert [str(e) for e in exc.errors] == [
            "southwest-land-border-encounters.csv:4: "
            "Fiscal Year is not a year (like 2024, or 2025 (FYTD))"
        ]
    else:
        raise AssertionError("import should fail")
    assert store.imported_files(con) == []
