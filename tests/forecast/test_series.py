"""Series SPECs and monthly series from the statistics store and the USBP sector file."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from asilo.forecast import series
from asilo.forecast.series import SeriesError, load_series, parse_spec

from .conftest import SECTOR_FILE


def test_parse_spec_keys_and_groups() -> None:
    spec = parse_spec("state=tx+nm, demographic=family_unit, citizenship=northern-triangle")
    assert spec.states == ("TX", "NM")
    assert spec.region is None
    assert spec.demographics == ("FMUA",)
    assert spec.citizenships == ("GUATEMALA", "HONDURAS", "EL SALVADOR")
    assert parse_spec("region=southwest").region == "Southwest Land Border"
    assert parse_spec("sector=Rio Grande Valley").sectors == ("rio_grande_valley",)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "series"),
        ("region", "series"),
        ("colour=red", "series"),
        ("region=mars", "region"),
        ("state=Texas", "state"),
        ("demographic=pets", "demographic"),
        ("sector=atlantis", "sector"),
        ("sector=yuma,demographic=FMUA", "sector"),
        ("state=TX,state=NM", "state"),
        ("scale=abc", "scale"),
        ("scale=-1", "scale"),
    ],
)
def test_bad_specs_name_the_field(text: str, field: str) -> None:
    with pytest.raises(SeriesError) as caught:
        parse_spec(text)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_southwest_totals_equal_the_published_fiscal_years(con: duckdb.DuckDBPyConnection) -> None:
    data = load_series("region=southwest", con=con)
    fy2021 = data.between(dt.date(2020, 10, 1), dt.date(2021, 9, 1))
    assert len(fy2021.values) == 12
    assert fy2021.values.sum() == 1_734_686  # CBP's published FY2021 figure
    fy2023 = data.between(dt.date(2022, 10, 1), dt.date(2023, 9, 1))
    assert fy2023.values.sum() == 2_475_669


def test_a_state_series_sums_its_demographics(con: duckdb.DuckDBPyConnection) -> None:
    total = load_series("state=TX", con=con)
    parts = [
        load_series(f"state=TX,demographic={d}", con=con)
        for d in ("Single Adults", "FMUA", "UC / Single Minors", "Accompanied Minors")
    ]
    assert total.months == parts[0].months
    assert sum(p.values for p in parts).tolist() == total.values.tolist()  # type: ignore[union-attr]
    both = load_series("state=TX+AZ", con=con)
    arizona = load_series("state=AZ", con=con)
    assert (both.values == total.values + arizona.values).all()


def test_scale_is_a_stated_share(con: duckdb.DuckDBPyConnection) -> None:
    full = load_series("state=TX", con=con)
    half = load_series("state=TX,scale=0.5", con=con)
    assert (half.values * 2 == full.values).all()


def test_a_sector_series_from_the_usbp_file() -> None:
    rgv = load_series("sector=rio_grande_valley", sector_file=SECTOR_FILE)
    assert rgv.months[0] == dt.date(1999, 10, 1)
    assert rgv.months[-1] == dt.date(2020, 9, 1)
    assert len(rgv.values) == 252
    # CBP's April 2020 figure for the sector (data/real/README.md)
    assert rgv.values[rgv.months.index(dt.date(2020, 4, 1))] == 3_459
    southwest = load_series("sector=" + "+".join(series.SOUTHWEST_SECTORS), sector_file=SECTOR_FILE)
    column = load_series("sector=southwest_border", sector_file=SECTOR_FILE)
    assert (southwest.values == column.values).all()


def test_no_matching_encounters_is_an_error(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(SeriesError, match="no encounters match"):
        load_series("state=TX,citizenship=ATLANTIS", con=con)
