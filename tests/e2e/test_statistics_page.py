"""The statistics page in a real browser: an analyst sees four charts, each with its data table,
filters without reloading the page (htmx), downloads a PNG; an officer is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from asilo.stats import importer, store

CBP = Path(__file__).resolve().parents[2] / "data" / "real" / "cbp"


@pytest.fixture
def stats_db(tmp_path: Path, settings: Any) -> Path:
    path = tmp_path / "stats.duckdb"
    con = store.connect(path)
    importer.import_files(con, sorted(CBP.glob("*.csv")))
    con.close()
    settings.ASILO_STATS_DB = path
    return path


def screenshots() -> Path:
    """Where the tests leave screenshots for people to judge (ignored by git)."""
    path = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_analyst_sees_charts_and_tables(
    page: Any, site: str, sign_in: Any, demo_password: Any, stats_db: Path
) -> None:
    sign_in(page, "demo.analyst", demo_password("analyst"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Statistics").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Encounter statistics", exact=True).is_visible()
    charts = page.locator("section.ap-chart svg[role=img]")
    assert charts.count() == 4
    for i in range(4):
        chart = charts.nth(i)
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 150
    tables = page.locator("section.ap-chart table")
    assert tables.count() == 4
    for i in range(4):
        assert tables.nth(i).is_visible()
        assert tables.nth(i).locator("tbody tr").count() > 0
    # A chart's accessible name is its heading; its table has a caption.
    first = page.get_by_role("img", name="Monthly encounters by title of authority")
    assert first.count() == 1
    assert (
        page.get_by_role(
            "table", name="Data table: Monthly encounters by title of authority"
        ).count()
        == 1
    )
    summary = page.locator("#summary")
    assert "2,475,669" in summary.inner_text()
    page.screenshot(path=str(screenshots() / "statistics.png"), full_page=True)

    # Filter with htmx: the charts change, the page does not reload.
    page.evaluate("window.__marker = 'still here'")
    page.get_by_label("Fiscal year:", exact=True).select_option("2021")
    page.get_by_role("button", name="Show").click()
    # A locator expectation, not wait_for_function: the Content-Security-Policy allows no eval.
    expect(page.locator("#summary")).not_to_contain_text("FY2023", timeout=15_000)
    assert "1,734,686" in page.locator("#summary").inner_text()
    assert page.evaluate("window.__marker") == "still here"
    assert "2,475,669" not in page.locator("#summary").inner_text()
    assert "fiscal_year=2021" in page.url

    with page.expect_download() as download:
        page.locator("section.ap-chart").first.get_by_role("link", name="PNG image").click()
    path = download.value.path()
    assert Path(path).read_bytes()[:4] == b"\x89PNG"
    assert download.value.suggested_filename == "trend_by_authority.png"


def test_statistics_on_a_phone(
    phone_page: Any, site: str, sign_in: Any, demo_password: Any, stats_db: Path
) -> None:
    sign_in(phone_page, "demo.analyst", demo_password("analyst"))
    phone_page.goto(f"{site}/statistics/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360 + 1, "no sideways scrolling of the page on a phone"
    svg = phone_page.locator("section.ap-chart svg").first
    box = svg.bounding_box()
    assert box is not None and box["width"] <= 360


def test_officer_is_refused(
    page: Any, site: str, sign_in: Any, demo_password: Any, stats_db: Path
) -> None:
    sign_in(page, "demo.officer", demo_password("officer"))
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Statistics").count() == 0
    response = page.goto(f"{site}/statistics/")
    assert response is not None and response.status == 403
    assert page.locator("svg[role=img]").count() == 0
