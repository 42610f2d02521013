"""The self-service registration in a real browser (Debian's Chromium through Playwright):
Haitian Creole, a small phone's screen, JavaScript switched off, a slow connection."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from asilo.web.registrations.models import Program, Registration
from asilo.web.registrations.programs import ensure_default_programs

PHONE = {"width": 360, "height": 640}


@pytest.fixture
def slow_phone_page(browser: Any) -> Iterator[Any]:
    """The platform's Chromium (``browser`` in conftest.py) as a 360×640 touch phone with
    JavaScript switched off, over an emulated slow 3G link."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
        locale="es-MX",
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 400,
            "downloadThroughput": 50_000,
            "uploadThroughput": 25_000,
        },
    )
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def test_a_family_registers_in_creole_on_a_small_phone(slow_phone_page: Any, site: str) -> None:
    ensure_default_programs()
    Program.objects.filter(code="port-appointments-2023").update(rules_as_of=date(2023, 6, 1))
    page = slow_phone_page
    page.goto(f"{site}/registrations/")
    # The phone asked for Spanish; the family switches to Kreyòl with the picker.
    assert page.locator("html").get_attribute("lang") == "es"
    page.select_option("#language-select", "ht")
    page.locator("form.language button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ht"
    assert page.get_by_role("heading", name="Enskri fanmi ou").is_visible()

    page.get_by_label("Pwosesis randevou nan pò 2023 la").check()
    page.get_by_label("Konbyen moun ki nan fanmi ou, avèk ou menm?").select_option("2")
    page.get_by_role("button", name="Kontinye").click()
    page.wait_for_load_state()

    page.fill("#m0-given_names", "Jean Baptiste")
    page.fill("#m0-surnames", "Pierre")
    page.fill("#m0-date_of_birth", "1988-03-14")
    page.select_option("#m0-sex", "male")
    page.select_option("#m0-nationality", "HTI")
    page.fill("#m1-given_names", "Widlyne")
    page.fill("#m1-surnames", "Pierre")
    page.fill("#m1-age", "6")
    page.select_option("#m1-sex", "female")
    page.select_option("#m1-nationality", "HTI")
    page.select_option("#m1-relationship", "child")
    page.get_by_label("Nimewo WhatsApp").fill("+52 664 555 0101")
    page.select_option("#waiting_city", "Tijuana")
    page.select_option("#port1", "San Ysidro")
    page.get_by_label("Kreyòl ayisyen", exact=True).check()
    # The form fits the phone's width: fields and the button are within the screen.
    for selector in ("#m0-given_names", "#waiting_city", "button[type=submit] >> nth=-1"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    page.get_by_role("button", name="Voye enskripsyon an").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Nou resevwa enskripsyon an").is_visible()
    number = page.locator("#number").inner_text().strip()
    pin = page.locator("#pin").inner_text().strip()
    assert re.fullmatch(r"R-[2-9A-Z]{4}-[2-9A-Z]{4}", number)
    assert re.fullmatch(r"\d{6}", pin)
    # The code sent to the phone, typed back: the family joins the queue (issue 11).
    from test_appointment_journey import confirm_code_in_creole

    confirm_code_in_creole(page, number)

    page.goto(f"{site}/registrations/status/")
    page.wait_for_load_state()
    page.get_by_label("Nimewo enskripsyon").fill(number.lower())
    page.get_by_label("PIN").fill(pin)
    page.get_by_role("button", name="Gade sitiyasyon").click()
    page.wait_for_load_state()
    assert page.locator("#status").inner_text() == "Kalifye: w ap tann yon randevou"
    assert "louvri pou moun tout nasyonalite" in page.locator("#reason").inner_text()

    registration = Registration.objects.get()
    assert registration.number == number
    assert registration.language == "ht"
    assert registration.members.count() == 2
