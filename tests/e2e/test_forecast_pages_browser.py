"""The forecast pages in a real browser: an analyst sees the fan chart and its table, changes
the series without reloading (htmx), downloads a PNG, sees the Title 42 what-if pair side by
side; both pages (English and Spanish) pass axe's WCAG 2.x A/AA rules; an officer is refused."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from asilo.stats import importer, store

CBP = Path(__file__).resolve().parents[2] / "data" / "real" / "cbp"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def stats_db(tmp_path: Path, settings: Any) -> Path:
    path = tmp_path / "stats.duckdb"
    con = store.connect(path)
    importer.import_files(con, sorted(CBP.glob("cbp_nationwide_encounters_state_*.csv")))
    con.close()
    settings.ASILO_STATS_DB = path
    return path


def axe_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in results.response["violations"]
    ]


def test_analyst_fan_chart_and_what_if_pair(
    page: Any, site: str, sign_in: Any, demo_password: Any, stats_db: Path
) -> None:
    page.set_default_timeout(90_000)  # a forecast is fitted on each request; the machine is shared
    sign_in(page, "demo.analyst", demo_password("analyst"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Forecasts").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Encounter forecasts", exact=True).is_visible()
    chart = page.locator("#fan svg[role=img]")
    assert chart.count() == 1
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150
    assert page.locator("#fan table tbody tr").count() > 40
    assert axe_violations(page) == []

    page.evaluate("window.__marker = 'still here'")
    page.get_by_label("Series").select_option("state=NM")
    page.get_by_label("Months ahead").fill("3")
    page.get_by_role("button", name="Forecast").click()
    # A locator expectation, not wait_for_function: the Content-Security-Policy allows no eval.
    expect(page.locator("#fan h2")).to_have_text(re.compile(r"^New Mexico"), timeout=60_000)
    assert page.evaluate("window.__marker") == "still here"
    with page.expect_download() as download:
        page.locator("#fan").get_by_role("link", name="PNG image").click()
    assert Path(download.value.path()).read_bytes()[:4] == b"\x89PNG"

    page.get_by_role("link", name="People in custody: what if Title 42 had been kept?").click()
    page.wait_for_load_state()
    assert page.locator("#custody svg[role=img]").count() == 2
    first, second = (
        page.locator("#custody section.ap-chart").nth(i).bounding_box() for i in (0, 1)
    )
    assert first is not None and second is not None
    assert abs(first["y"] - second["y"]) < 5 and second["x"] > first["x"], "side by side"
    assert page.get_by_role("table", name="Pathway shares from the policy engine").count() == 1
    assert axe_violations(page) == []

    page.select_option("#language-select", "es")
    page.locator("form.language button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{site}/forecasts/custody/")
    heading = "Personas bajo custodia: un par de escenarios hipotéticos"
    assert page.get_by_role("heading", name=heading).is_visible()
    assert page.locator("#custody svg[role=img]").count() == 2
    assert axe_violations(page) == []


def test_officer_is_refused(
    page: Any, site: str, sign_in: Any, demo_password: Any, stats_db: Path
) -> None:
    sign_in(page, "demo.officer", demo_password("officer"))
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Forecasts").count() == 0
    response = page.goto(f"{site}/forecasts/")
    assert response is not None and response.status == 403
