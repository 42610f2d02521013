"""asilo's own encounters in CBP's by-AOR schema, and back through the importer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from asilo.stats import cbp_export, importer, reports
from asilo.stats.cbp_export import OwnEncounter

RGV = ("Rio Grande Valley Sector", "RGV")
LAREDO = ("Laredo Field Office", "Laredo")


def own(
    day: dt.date,
    component: str,
    aor: tuple[str, str],
    demographic: str,
    citizenship: str,
    authority: str,
    count: int = 1,
) -> OwnEncounter:
    return OwnEncounter(
        day, component, aor[0], aor[1], "southwest", demographic, citizenship, authority, count
    )


RECORDS = [
    own(dt.date(2020, 10, 3), "USBP", RGV, "family_unit", "HND", "title_8", 3),
    own(dt.date(2020, 10, 9), "USBP", RGV, "family_unit", "HND", "title_8", 2),
    own(dt.date(2020, 10, 9), "USBP", RGV, "single_adult", "MEX", "title_42"),
    own(dt.date(2021, 3, 1), "OFO", LAREDO, "accompanied_minor", "CHN", "title_8"),
    own(dt.date(2021, 3, 2), "OFO", LAREDO, "unaccompanied_child", "SEN", "title_8"),
    own(dt.date(2021, 9, 30), "OFO", LAREDO, "single_adult", "VEN", "title_42", 4),
]


def test_rows_use_cbps_spellings() -> None:
    rows = cbp_export.to_cbp_rows(RECORDS)
    assert list(rows[0]) == list(cbp_export.HEADER)
    assert rows[0] == {
        "Fiscal Year": "2021",
        "Month Grouping": "FYTD",
        "Month (abbv)": "OCT",
        "Component": "U.S. Border Patrol",
        "Land Border Region": "Southwest Land Border",
        "Area of Responsibility": "Rio Grande Valley Sector",
        "AOR (Abbv)": "RGV",
        "Demographic": "FMUA",
        "Citizenship": "HONDURAS",
        "Title of Authority": "Title 8",
        "Encounter Type": "Apprehensions",
        "Encounter Count": 5,  # a family of three and one of two: five FMUA encounters
    }
    cells = {(r["Demographic"], r["Citizenship"], r["Encounter Type"]) for r in rows}
    assert ("Single Adults", "MEXICO", "Expulsions") in cells
    assert ("Accompanied Minors", "CHINA, PEOPLES REPUBLIC OF", "Inadmissibles") in cells
    assert ("UC / Single Minors", "OTHER", "Inadmissibles") in cells  # Senegal is not listed
    assert ("Single Adults", "VENEZUELA", "Expulsions") in cells
    assert [r["Month (abbv)"] for r in rows] == ["OCT", "OCT", "MAR", "MAR", "SEP"]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            own(dt.date(2021, 1, 1), "USBP", RGV, "accompanied_minor", "MEX", "title_8"),
            "only at ports of entry",
        ),
        (own(dt.date(2021, 1, 1), "CBP", RGV, "single_adult", "MEX", "title_8"), "not USBP or OFO"),
        (own(dt.date(2021, 1, 1), "USBP", RGV, "toddler", "MEX", "title_8"), "no CBP category"),
        (
            own(dt.date(2021, 1, 1), "USBP", RGV, "single_adult", "XXX", "title_8"),
            "not an ISO 3166-1",
        ),
        (
            own(dt.date(2021, 1, 1), "USBP", RGV, "single_adult", "MEX", "title_9"),
            "not Title 8 or Title 42",
        ),
        (own(dt.date(2021, 1, 1), "USBP", RGV, "single_adult", "MEX", "title_8", -1), "negative"),
    ],
)
def test_records_outside_cbps_categories_are_refused(record: OwnEncounter, message: str) -> None:
    with pytest.raises(cbp_export.ExportError, match=message) as failure:
        cbp_export.to_cbp_rows([RECORDS[0], record])
    assert str(failure.value).startswith("record 2:")


def test_round_trip_through_the_importer(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "asilo-encounters-cbp.csv"
    assert cbp_export.write_cbp_csv(RECORDS, path) == 5
    result = importer.import_files(con, [path])
    assert result.files[0].product.name == "nationwide_aor"
    assert result.files[0].encounters == sum(r.count for r in RECORDS) == 12
    by = ("fiscal_year", "month", "component", "demographic", "title_of_authority")
    imported = reports.totals(con, reports.Query(by=by, region="southwest"))
    assert {tuple(r[d] for d in by): r["encounters"] for r in imported} == {
        (2021, "2020-10", "U.S. Border Patrol", "FMUA", "Title 8"): 5,
        (2021, "2020-10", "U.S. Border Patrol", "Single Adults", "Title 42"): 1,
        (2021, "2021-03", "Office of Field Operations", "Accompanied Minors", "Title 8"): 1,
        (2021, "2021-03", "Office of Field Operations", "UC / Single Minors", "Title 8"): 1,
        (2021, "2021-09", "Office of Field Operations", "Single Adults", "Title 42"): 4,
    }


def test_reading_own_records_reports_the_line(tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text(
        "date,component,aor_name,aor_abbv,region,demographic,citizenship,authority,count\n"
        "2021-03-01,OFO,Laredo Field Office,Laredo,southwest,single_adult,MEX,title_8,2\n"
        "2021-03-32,OFO,Laredo Field Office,Laredo,southwest,single_adult,MEX,title_8,1\n",
        encoding="utf-8",
    )
    with pytest.raises(cbp_export.ExportError, match=r"^own.csv:3: "):
        cbp_export.read_own_encounters_csv(path)


def test_every_demographic_of_the_policy_engine_has_a_cbp_category() -> None:
    from asilo.policy.decision import DEMOGRAPHICS

    assert set(DEMOGRAPHICS) <= set(cbp_export.DEMOGRAPHIC_FROM_ASILO)
    assert {cbp_export.DEMOGRAPHIC_FROM_ASILO[d] for d in DEMOGRAPHICS} == {
        "Single Adults",
        "FMUA",
        "UC / Single Minors",
        "Accompanied Minors",
    }
