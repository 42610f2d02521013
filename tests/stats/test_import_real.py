"""Importing the real CBP files: totals equal CBP's published figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from asilo.stats import importer, reports, store

from .conftest import AOR_EXCERPT, STATE_FILE

PUBLISHED_SOUTHWEST = {2020: 458_088, 2021: 1_734_686, 2022: 2_378_944, 2023: 2_475_669}
PUBLISHED_SPLIT = {  # (Title 42, Title 8)
    2020: (204_787, 253_301),
    2021: (1_063_526, 671_160),
    2022: (1_079_507, 1_299_437),
    2023: (564_380, 1_911_289),
}


def test_state_file_rows_and_provenance(real: duckdb.DuckDBPyConnection) -> None:
    files = {f.file_name: f for f in store.imported_files(real)}
    state = files[STATE_FILE.name]
    assert state.product == "nationwide_state"
    assert state.rows == 42_532
    assert (state.first_month, state.last_month) == (dt.date(2019, 10, 1), dt.date(2023, 9, 1))
    excerpt = files[AOR_EXCERPT.name]
    assert (excerpt.product, excerpt.rows, excerpt.encounters) == ("nationwide_aor", 556, 29_743)


def test_southwest_totals_equal_published(real: duckdb.DuckDBPyConnection) -> None:
    rows = reports.totals(real, reports.Query(by=("fiscal_year",), region="southwest"))
    assert {r["fiscal_year"]: r["encounters"] for r in rows} == PUBLISHED_SOUTHWEST


def test_title_42_and_title_8_split(real: duckdb.DuckDBPyConnection) -> None:
    rows = reports.totals(
        real, reports.Query(by=("fiscal_year", "title_of_authority"), region="southwest")
    )
    got = {(r["fiscal_year"], r["title_of_authority"]): r["encounters"] for r in rows}
    for year, (t42, t8) in PUBLISHED_SPLIT.items():
        assert got[(year, "Title 42")] == t42
        assert got[(year, "Title 8")] == t8


def test_nationwide_totals(real: duckdb.DuckDBPyConnection) -> None:
    rows = reports.totals(real, reports.Query(by=("fiscal_year",), region="all"))
    assert [r["encounters"] for r in rows] == [646_822, 1_956_519, 2_766_582, 3_201_144]


def test_aor_excerpt_april_2020(real: duckdb.DuckDBPyConnection) -> None:
    q = reports.Query(by=("region", "component"), product="nationwide_aor")
    got = {(r["region"], r["component"]): r["encounters"] for r in reports.totals(real, q)}
    assert got[("Southwest Land Border", "Office of Field Operations")] == 924
    assert got[("Southwest Land Border", "U.S. Border Patrol")] == 16_182
    sectors = reports.totals(
        real,
        reports.Query(by=("aor",), region="southwest", filters=(("component", "USBP"),)),
    )
    assert {r["aor"]: r["encounters"] for r in sectors}["Rio Grande Valley Sector"] == 3_459


def test_calendar_month_from_fiscal_year(real: duckdb.DuckDBPyConnection) -> None:
    rows = reports.totals(
        real, reports.Query(by=("month",), region="southwest", fiscal_years=(2021,))
    )
    months = [r["month"] for r in rows]
    assert months[0] == "2020-10" and months[-1] == "2021-09" and len(months) == 12


def test_reimport_replaces_the_files_rows(con: duckdb.DuckDBPyConnection) -> None:
    first = importer.import_files(con, [STATE_FILE])
    again = importer.import_files(con, [STATE_FILE])
    assert not first.files[0].replaced and again.files[0].replaced
    assert con.execute("SELECT count(*), sum(encounters) FROM encounters").fetchall() == [
        (42_532, 8_571_067)
    ]
    assert len(store.imported_files(con)) == 1


def test_overlap_is_resolved_by_the_newest_release_and_reported(
    con: duckdb.DuckDBPyConnection,
) -> None:
    result = importer.import_files(con, [AOR_EXCERPT, STATE_FILE])
    assert len(result.overlaps) == 1
    overlap = result.overlaps[0]
    assert (overlap.superseded, overlap.chosen) == (AOR_EXCERPT.name, STATE_FILE.name)
    assert overlap.months == (dt.date(2020, 4, 1),)
    assert "reports use cbp_nationwide_encounters_state_fy20_fy23.csv" in overlap.describe()
    # April 2020 is counted once, from the by-state file.
    april = reports.totals(con, reports.Query(by=(), filters=(("month", "2020-04"),)))
    assert april[0]["encounters"] == 29_743
    assert april[0]["rows"] < 556 + 400  # not both files' rows


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_overlapping_releases_of_one_product(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, order: tuple[int, int]
) -> None:
    """Two releases of the by-state file: the one whose data run later wins, whatever the
    import order."""
    header = STATE_FILE.open(encoding="utf-8").readline().strip()
    older = tmp_path / "state-release-1.csv"
    newer = tmp_path / "state-release-2.csv"
    older.write_text(
        header + "\n2021,FYTD,OCT,Southwest Land Border,TX,FMUA,MEXICO,Title 8,10\n"
        "2021,FYTD,NOV,Southwest Land Border,TX,FMUA,MEXICO,Title 8,20\n"
    )
    newer.write_text(
        header + "\n2021,FYTD,NOV,Southwest Land Border,TX,FMUA,MEXICO,Title 8,25\n"
        "2021,FYTD,DEC,Southwest Land Border,TX,FMUA,MEXICO,Title 8,30\n"
    )
    files = [older, newer]
    importer.import_files(con, [files[order[0]]])
    result = importer.import_files(con, [files[order[1]]])
    assert [(o.superseded, o.chosen) for o in result.overlaps] == [(older.name, newer.name)]
    rows = reports.totals(con, reports.Query(by=("month",)))
    assert [(r["month"], r["encounters"]) for r in rows] == [
        ("2020-10", 10),
        ("2020-11", 25),
        ("2020-12", 30),
    ]
