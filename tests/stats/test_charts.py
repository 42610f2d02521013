"""Charts: valid SVG and PNG, readable without colour, and data tables equal to the reports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET

import duckdb
import pytest

from asilo.policy import load_catalogue
from asilo.stats import charts, policy_dates, reports
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


def test_policy_dates_come_from_the_catalogue() -> None:
    catalogue = load_catalogue()
    dates = {(d.policy, d.label): d.day for d in policy_dates.policy_dates(catalogue)}
    order = catalogue.documents["title42/order"].values
    assert dates[("title42/order", "Title 42 begins")] == order[0].start == dt.date(2020, 3, 20)
    ended = next(p for p in order if p.value is None)
    assert dates[("title42/order", "Title 42 ends")] == ended.start == dt.date(2023, 5, 11)
    rule = catalogue.documents["asylum/lawful_pathways"].values[0].start
    assert dates[("asylum/lawful_pathways", "2023 asylum rule")] == rule
    proclamation = catalogue.documents["entry/proclamation_10888"].values[0].start
    assert dates[("entry/proclamation_10888", "Proclamation 10888")] == proclamation
    assert proclamation == dt.date(2025, 1, 20)


def test_trend_charts_mark_the_policy_dates_within_their_months(
    standard: list[charts.Chart], shipped: duckdb.DuckDBPyConnection
) -> None:
    trend = standard[0]  # FY2020-FY2023: Title 42's start and end, the 2023 rule
    assert [(m.day.isoformat(), m.label) for m in trend.marks] == [
        ("2020-03-20", "Title 42 begins"),
        ("2023-05-11", "Title 42 ends"),
        ("2023-05-11", "2023 asylum rule"),
    ]
    svg = trend.render("svg").decode("utf-8")
    assert "<!-- Title 42 begins (2020-03-20) -->" in svg
    assert "<!-- Title 42 ends; 2023 asylum rule (2023-05-11) -->" in svg
    # The stacked and breakdown charts have no time axis: no marks.
    assert all(not c.marks for c in standard if c.kind != "trend")
    # With the FY2022-FY2025 release the trend runs to September 2025: Proclamation 10888 too.
    through_2025 = charts.standard_charts(shipped)[0]
    assert [m.label for m in through_2025.marks] == [
        "Title 42 begins",
        "Title 42 ends",
        "2023 asylum rule",
        "Proclamation 10888",
    ]
    assert "<!-- Proclamation 10888 (2025-01-20) -->" in through_2025.render("svg").decode()
    # A chart of FY2024 alone draws none of them.
    only_2024 = charts.standard_charts(shipped, fiscal_years=(2024,))
    assert only_2024[0].marks == ()
    assert "Title 42 begins" not in only_2024[0].render("svg").decode("utf-8")


def test_marks_are_drawn_as_vertical_lines() -> None:
    rows = [{"month": f"2020-{m:02d}", "s": "a", "encounters": m} for m in range(1, 7)]
    mark = policy_dates.PolicyDate(dt.date(2020, 3, 20), "Title 42 begins", "title42/order")
    plain = charts.trend_chart(rows, "s", "t", "svg")
    marked = charts.trend_chart(rows, "s", "t", "svg", marks=[mark])
    assert plain != marked
    assert b"Title 42 begins (2020-03-20)" in marked
    late = policy_dates.PolicyDate(dt.date(2020, 7, 1), "later", "x")
    assert charts.trend_chart(rows, "s", "t", "svg", marks=[late]) == plain
