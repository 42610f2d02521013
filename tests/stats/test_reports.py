"""Reports over the real data: groupings, filters and the three sub-reports."""

from __future__ import annotations

import duckdb
import pytest

from asilo.stats import reports
from asilo.stats.reports import Query


@pytest.mark.parametrize("spelling", ["southwest", "Southwest Land Border", "SOUTHWEST", "swb"])
def test_region_accepts_published_spellings(real: duckdb.DuckDBPyConnection, spelling: str) -> None:
    assert reports.total(real, Query(region=spelling, fiscal_years=(2021,))) == 1_734_686


def test_unknown_region_is_refused(real: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="unknown region 'mexico'"):
        reports.totals(real, Query(region="mexico"))


def test_dimensions_parse_comma_lists_and_aliases() -> None:
    assert reports.dimensions(["fiscal_year,authority", "sector", "fiscal_year"]) == (
        "fiscal_year",
        "title_of_authority",
        "aor",
    )
    with pytest.raises(ValueError, match="unknown dimension 'colour'"):
        reports.dimensions(["colour"])


def test_demographics_of_fy2021(real: duckdb.DuckDBPyConnection) -> None:
    rows = reports.totals(
        real, Query(by=("demographic",), region="southwest", fiscal_years=(2021,))
    )
    assert {r["demographic"]: r["encounters"] for r in rows} == {
        "Single Adults": 1_105_925,
        "FMUA": 479_728,
        "UC / Single Minors": 146_925,
        "Accompanied Minors": 2_108,
    }


def test_state_report_reads_the_state_file(real: duckdb.DuckDBPyConnection) -> None:
    rows = reports.totals(real, Query(by=("state",), region="southwest"))
    assert {r["state"]: r["encounters"] for r in rows} == {
        "TX": 3_953_127,
        "AZ": 1_541_824,
        "CA": 1_084_112,
        "NM": 468_324,
    }


def test_aor_report_reads_the_aor_file(real: duckdb.DuckDBPyConnection) -> None:
    """The state file is the newer release, but it has no AOR: a report by AOR uses the
    by-AOR file."""
    rows = reports.totals(
        real,
        Query(by=("component",), region="southwest", filters=(("aor", "tucson field office"),)),
    )
    assert rows == [{"component": "Office of Field Operations", "encounters": 79}]


def test_no_product_carries_aor_and_state(real: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="no CBP product carries all of: aor, state"):
        reports.totals(real, Query(by=("aor", "state")))


def test_filters(real: duckdb.DuckDBPyConnection) -> None:
    q = Query(region="southwest", filters=(("month", "2020-03"), ("authority", "title 42")))
    assert reports.total(real, q) == 7_150
    with pytest.raises(ValueError, match="unknown demographic 'kids'"):
        reports.total(real, Query(filters=(("demographic", "kids"),)))
    with pytest.raises(ValueError, match="is not YYYY-MM"):
        reports.total(real, Query(filters=(("month", "April"),)))


def test_title42_share(real: duckdb.DuckDBPyConnection) -> None:
    rows = reports.title42_share(real, Query(by=("fiscal_year",), region="southwest"))
    fy2021 = next(r for r in rows if r["fiscal_year"] == 2021)
    assert (fy2021["title_42"], fy2021["title_8"]) == (1_063_526, 671_160)
    assert fy2021["title_42_share"] == round(1_063_526 / 1_734_686, 4)


def test_top_citizenships(real: duckdb.DuckDBPyConnection) -> None:
    rows = reports.top_citizenships(
        real, Query(by=("fiscal_year",), region="southwest", fiscal_years=(2023,)), top=3
    )
    assert [(r["rank"], r["citizenship"]) for r in rows] == [
        (1, "MEXICO"),
        (2, "VENEZUELA"),
        (3, "GUATEMALA"),
    ]
    assert rows[0]["encounters"] == 717_333
    assert rows[0]["share"] == round(717_333 / 2_475_669, 4)


def test_fiscal_year_to_date(real: duckdb.DuckDBPyConnection) -> None:
    [row] = reports.fiscal_year_to_date(real, Query(by=(), region="southwest"), 2022)
    assert row == {
        "fiscal_year": 2022,
        "through": "SEP",
        "encounters": 2_378_944,
        "prior_year": 1_734_686,
        "change": 2_378_944 - 1_734_686,
        "change_percent": round(100 * (2_378_944 - 1_734_686) / 1_734_686, 1),
    }


def test_fold_others_keeps_totals() -> None:
    rows = [
        {"fiscal_year": 2021, "citizenship": "A", "encounters": 5},
        {"fiscal_year": 2021, "citizenship": "B", "encounters": 3},
        {"fiscal_year": 2021, "citizenship": "C", "encounters": 1},
        {"fiscal_year": 2022, "citizenship": "C", "encounters": 4},
    ]
    folded = reports.fold_others(rows, "citizenship", keep=2)
    assert folded == [
        {"fiscal_year": 2021, "citizenship": "A", "encounters": 5},
        {"fiscal_year": 2021, "citizenship": "C", "encounters": 1},
        {"fiscal_year": 2021, "citizenship": "ALL OTHERS", "encounters": 3},
        {"fiscal_year": 2022, "citizenship": "C", "encounters": 4},
    ]
