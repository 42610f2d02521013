"""Charts: valid SVG and PNG, readable without colour, and data tables equal to the reports."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import duckdb
import pytest

from asilo.stats import charts, reports
from asilo.stats.reports import Query

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def standard(real: duckdb.DuckDBPyConnection) -> list[charts.Chart]:
    return charts.standard_charts(real)


def test_the_four_standard_charts(standard: list[charts.Chart]) -> None:
    assert [c.name for c in standard] == [
        "trend_by_authority",
        "trend_by_demographic",
        "citizenship_by_fiscal_year",
        "sector_field_office_breakdown",
    ]


def test_svg_is_valid_and_titled(standard: list[charts.Chart]) -> None:
    for chart in standard:
        svg = chart.render("svg")
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg"), chart.name
        assert svg == chart.render("svg"), "the same rows give the same bytes"


def test_png_is_valid(standard: list[charts.Chart]) -> None:
    for chart in standard:
        png = chart.render("png")
        assert png.startswith(PNG_SIGNATURE)
        assert len(png) > 5_000


def test_trend_data_table_equals_the_report(
    real: duckdb.DuckDBPyConnection, standard: list[charts.Chart]
) -> None:
    chart = standard[0]
    report = reports.totals(
        real, Query(by=("month", "title_of_authority"), region="Southwest Land Border")
    )
    table = list(csv.DictReader(io.StringIO(charts.data_table_csv(chart.rows))))
    assert len(table) == len(report) == 87  # 48 months of Title 8, 39 of Title 42
    assert [(r["month"], r["title_of_authority"], int(r["encounters"])) for r in table] == [
        (r["month"], r["title_of_authority"], r["encounters"]) for r in report
    ]


def test_citizenship_chart_keeps_every_encounter(standard: list[charts.Chart]) -> None:
    chart = standard[2]
    per_year: dict[int, int] = {}
    for row in chart.rows:
        per_year[row["fiscal_year"]] = per_year.get(row["fiscal_year"], 0) + row["encounters"]
    assert per_year == {2020: 458_088, 2021: 1_734_686, 2022: 2_378_944, 2023: 2_475_669}
    assert len({r["citizenship"] for r in chart.rows}) == 9  # top 8 and ALL OTHERS


def test_sector_breakdown_comes_from_the_aor_file(standard: list[charts.Chart]) -> None:
    rows = {r["aor"]: r["encounters"] for r in standard[3].rows}
    assert rows["Rio Grande Valley Sector"] == 3_459
    assert sum(rows.values()) == 17_106


def test_series_differ_by_line_style_not_colour_alone() -> None:
    rows = [
        {"month": f"2021-{m:02d}", "title_of_authority": t, "encounters": m * k}
        for m in range(1, 7)
        for t, k in (("Title 8", 1), ("Title 42", 2))
    ]
    svg = charts.trend_chart(rows, "title_of_authority", "test", "svg").decode()
    assert "stroke-dasharray" in svg  # the second series is dashed


def test_bars_carry_hatches() -> None:
    rows = [
        {"fiscal_year": 2021, "citizenship": c, "encounters": n}
        for c, n in (("MEXICO", 5), ("CUBA", 3))
    ]
    svg = charts.stacked_bar_chart(rows, "fiscal_year", "citizenship", "test").decode()
    assert "<pattern" in svg


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="use svg or png"):
        charts.trend_chart([], "x", "t", "gif")
