"""Issue 9's walk in Chromium at 1280 px, in English and in Spanish: record a family (mother 32,
children 9 and 4, Honduras, Rio Grande Valley, 2021-03-10 14:30), see names and family roles on
the encounter page, try to book the mother out alone and read the refusal naming the children,
request an exception, approve it as a supervisor, see the officer's notification, then work the
reunification task through its steps and close it. axe-core checks each page on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from asilo.web.encounters.models import Custody, Encounter, FamilyException, ReunificationTask

TEXT = {
    "en": {
        "mother": "Mother",
        "son": "Son",
        "daughter": "Daughter",
        "alone": "A child is never left alone",
        "age9": "(age 9)",
        "approved": "was approved by",
        "reunited": "Reunited",
        "closed": "Reunification task closed",
    },
    "es": {
        "mother": "Madre",
        "son": "Hijo",
        "daughter": "Hija",
        "alone": "Nunca se deja solo a un niño",
        "age9": "(9 años)",
        "approved": "fue aprobada por",
        "reunited": "Reunidos",
        "closed": "Tarea de reunificación cerrada",
    },
}


def screenshots() -> Path:
    path = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def no_serious_violations(page: Any, where: str) -> None:
    """axe-core (WCAG 2.x A/AA rules) finds no serious or critical violation on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]}
        },
    )
    serious = [
        (v["id"], v["help"], len(v["nodes"]))
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert serious == [], f"{where}: {serious}"


def fill_member(page: Any, i: int, given: str, age: str, sex: str, relationship: str = "") -> None:
    page.locator(f"#id_m-{i}-given_names").fill(given)
    page.locator(f"#id_m-{i}-first_surname").fill("Castillo")
    page.locator(f"#id_m-{i}-age").fill(age)
    page.locator(f"#id_m-{i}-sex").select_option(sex)
    page.locator(f"#id_m-{i}-nationality").fill("HND")
    if relationship:
        page.locator(f"#id_m-{i}-relationship").select_option(relationship)


def sign_out(page: Any) -> None:
    page.locator("form.sign-out button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_family_custody_journey(
    page: Any, site: str, sign_in: Any, demo_password: Any, lang: str
) -> None:
    words = TEXT[lang]
    assert page.viewport_size == {"width": 1280, "height": 800}
    sign_in(page, "demo.officer", demo_password("officer"))
    if lang == "es":
        page.select_option("#language-select", "es")
        page.locator("form.language button[type=submit]").click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang

    # Record the family in one form.
    page.goto(f"{site}/processing/encounters/new/")
    page.locator("#id_date").fill("2021-03-10")
    page.locator("#id_time").fill("14:30")
    page.locator("#id_place").select_option("between_ports|Rio Grande Valley")
    page.locator("#id_manifests_fear_0").check()
    fill_member(page, 0, "Reina", "32", "female", "parent")
    for _ in range(2):
        count = page.locator("fieldset.ap-member[id^=member-]").count()
        page.locator("button[name=action][value=add_member]").click()
        page.locator(f"#member-{count}").wait_for()
    fill_member(page, 1, "Ángel", "9", "male")
    fill_member(page, 2, "Daniela", "4", "female")
    no_serious_violations(page, "record form")
    page.locator("button[name=action][value=decide]").click()
    page.wait_for_load_state()
    encounter = Encounter.objects.latest("id")
    assert page.url.endswith(f"/processing/encounters/{encounter.pk}/")

    # Names, family roles and the family at a glance; one audited read of the names.
    people = page.locator("#people").inner_text()
    for name in ("Reina Castillo", "Ángel Castillo", "Daniela Castillo"):
        assert name in people
    glance = page.locator("#family-glance").inner_text()
    assert f"{words['mother']} (32), {words['son']} (9), {words['daughter']} (4)" in glance
    page.locator("#confirm").click()
    page.wait_for_load_state()
    assert page.locator("ul.messages").is_visible()
    no_serious_violations(page, "encounter page")
    custodies = list(encounter.custodies.order_by("id"))
    assert {c.booked_in_at.isoformat() for c in custodies} == {"2021-03-10T20:30:00+00:00"}

    # The forbidden book-out: the mother alone.
    page.locator("#people tbody tr").first.locator("a[href*='book-out']").click()
    page.wait_for_load_state()
    page.locator("#id_outcome").select_option("released_nta")
    page.locator("form button.ap-button").first.click()
    page.wait_for_load_state()
    error = page.locator("#id_outcome_error").inner_text()
    assert words["alone"] in error
    assert "Ángel Castillo" in error and words["age9"] in error and "Daniela Castillo" in error
    assert not Custody.objects.filter(booked_out_at__isnull=False).exists()
    no_serious_violations(page, "refused book-out")

    # Request the exception (the form is open after the refusal).
    page.locator("#id_x-outcome").select_option("transferred_ice")
    page.locator("#id_x-reason").fill("Outstanding warrant confirmed in NCIC for the mother.")
    page.locator("#exception form button").click()
    page.wait_for_load_state()
    exception = FamilyException.objects.get()
    sign_out(page)

    # The supervisor approves it.
    sign_in(page, "demo.supervisor", demo_password("supervisor"))
    page.goto(f"{site}/processing/exceptions/")
    card = page.locator(f"#exception-{exception.pk}")
    assert "Reina Castillo" in card.inner_text()
    no_serious_violations(page, "exceptions page (supervisor)")
    page.locator(f"#id_e{exception.pk}-decision_0").check()
    page.locator(f"#id_e{exception.pk}-note").fill("Warrant verified by the duty officer.")
    card.locator("form button").click()
    page.wait_for_load_state()
    exception.refresh_from_db()
    assert exception.status == "approved"
    sign_out(page)

    # The officer is told: a count in the header, the notification.
    sign_in(page, "demo.officer", demo_password("officer"))
    badge = page.locator("nav .nav-badge")
    assert badge.inner_text().startswith("1")
    badge.locator("xpath=..").click()
    page.wait_for_load_state()
    assert words["approved"] in page.locator("#notifications").inner_text()
    no_serious_violations(page, "notifications")

    # The reunification task: its steps, then closed as reunited.
    task = ReunificationTask.objects.get()
    page.goto(f"{site}/processing/exceptions/#task-{task.pk}")
    for _ in range(2):
        page.locator(f"#task-{task.pk} form[action$='/step/'] button").first.click()
        page.wait_for_load_state()
    page.locator(f"#id_c{task.pk}-outcome_0").check()
    page.locator(f"#id_c{task.pk}-note").fill("The children were reunited with their aunt.")
    page.locator(f"#task-{task.pk} form[action$='/close/'] button").click()
    page.wait_for_load_state()
    assert words["closed"] in page.locator("ul.messages").inner_text()
    assert words["reunited"] in page.locator(f"#task-{task.pk}").inner_text()
    task.refresh_from_db()
    assert (task.status, task.closing_outcome) == ("closed", "reunited")
    assert task.contact_made_at and task.located_at
    no_serious_violations(page, "closed task")
    page.screenshot(path=str(screenshots() / f"family_custody_{lang}.png"), full_page=True)
