"""The whole journey in a real browser (Debian's Chromium through Playwright), the family in
Haitian Creole on a phone-sized screen: register -> allocation -> notice with QR code ->
check-in at the port -> encounter started with the family pre-filled.

The policy catalogue covers 2019-2024, so the whole process (and the live server thread in it)
travels to June 2023 with time-machine: the family registers on 14 June 2023, the supervisor
runs the allocation that evening, and the officer checks the family in on 15 June.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from asilo.web.appointments.models import AllocationRun, Appointment
from asilo.web.appointments.notifications import LocmemSmsBackend
from asilo.web.encounters.models import Encounter
from asilo.web.registrations.models import Registration

EASTERN = ZoneInfo("America/New_York")
PHONE_WIDTH = 360
PHONE = {
    "viewport": {"width": PHONE_WIDTH, "height": 640},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def travel() -> Iterator[Any]:
    import time_machine

    with time_machine.travel(datetime(2023, 6, 14, 10, 0, tzinfo=EASTERN), tick=True) as t:
        yield t


@pytest.fixture
def journey_settings(settings: Any) -> None:
    # The background tasks (allocation, outbox) run at once in this test; SMS kept in memory.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.ASILO_SMS_BACKEND = "asilo.web.appointments.notifications.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()


def _within_phone(page: Any, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, selector


def _register_in_creole(page: Any, site: str) -> tuple[str, str]:
    page.goto(f"{site}/registrations/")
    page.select_option("#language-select", "ht")
    page.locator("form.language button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ht"
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
    page.fill("#phone", "+52 664 555 0101")
    page.select_option("#waiting_city", "Tijuana")
    page.select_option("#port1", "San Ysidro")
    page.get_by_role("button", name="Voye enskripsyon an").click()
    page.wait_for_load_state()
    number = page.locator("#number").inner_text().strip()
    pin = page.locator("#pin").inner_text().strip()
    assert re.fullmatch(r"R-[2-9A-Z]{4}-[2-9A-Z]{4}", number)
    confirm_code_in_creole(page, number)
    return number, pin


def confirm_code_in_creole(page: Any, number: str) -> None:
    """The family types the code sent to its phone (issue 11: only then is it in the queue)."""
    from asilo.web.appointments.models import OutboxMessage

    assert page.get_by_role("heading", name="Konfime telefòn ou oswa imèl ou").is_visible()
    message = OutboxMessage.objects.filter(registration__number=number, kind="contact_code").latest(
        "id"
    )
    assert message.channel == "sms" and message.language == "ht"
    if message.status == "sent":  # background tasks run at once: the SMS was received
        # The outbox keeps no copy of a text it sent; the code is in the SMS.
        assert message.body == ""
        (received,) = [m for m in LocmemSmsBackend.outbox if number in m.body]
        text = received.body
    else:  # the task waits for a worker: the text waits, encrypted, in the outbox
        text = message.body
    code = re.search(r"\b(\d{6})\b", text).group(1)  # type: ignore[union-attr]
    page.locator("#contact-code-input").fill(code)
    page.get_by_role("button", name="Konfime", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("#code-confirmed").is_visible()


@pytest.fixture
def pages(browser: Any, site: str) -> Iterator[tuple[Any, Any, Any]]:
    """The family's phone (Kreyòl), the supervisor's desktop, the officer's phone."""
    contexts = [
        browser.new_context(locale="ht-HT", **PHONE),
        browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US"),
        browser.new_context(locale="en-US", **PHONE),
    ]
    opened = []
    for context in contexts:
        context.set_default_timeout(20_000)
        opened.append(context.new_page())
    yield opened[0], opened[1], opened[2]
    for context in contexts:
        context.close()


def test_register_allocate_notice_check_in_encounter(
    pages: tuple[Any, Any, Any],
    site: str,
    sign_in: Callable[[Any, str, str], None],
    demo_password: Callable[[str], str],
    journey_settings: None,
    travel: Any,
) -> None:
    from asilo.web.registrations.programs import ensure_default_programs

    ensure_default_programs()  # a transactional test starts from empty tables on PostgreSQL
    family, supervisor, officer = pages

    # 1. The family registers itself, in Kreyòl, on a phone (14 June 2023, 10:00).
    number, pin = _register_in_creole(family, site)
    registration = Registration.objects.get(number=number)
    assert registration.status == "waiting" and registration.language == "ht"
    LocmemSmsBackend.outbox.clear()  # the code it received; what follows is the notice

    # 2. That evening the supervisor sets San Ysidro's capacity for 15 June and runs the
    #    allocation (a background task; the immediate backend runs it at once here).
    travel.move_to(datetime(2023, 6, 14, 18, 0, tzinfo=EASTERN))
    sign_in(supervisor, "demo.supervisor", demo_password("supervisor"))
    supervisor.goto(f"{site}/appointments/capacities/?program=port-appointments-2023")
    supervisor.select_option("#port", "San Ysidro")
    supervisor.fill("#date", "2023-06-15")
    supervisor.fill("#capacity", "40")
    supervisor.locator("form.form.narrow button.primary").click()
    supervisor.wait_for_load_state()
    assert "San Ysidro" in supervisor.locator("table").inner_text()
    supervisor.goto(f"{site}/appointments/runs/?program=port-appointments-2023")
    supervisor.fill("#start", "2023-06-15")
    supervisor.fill("#seed", "20230614")
    supervisor.get_by_role("button", name="Run the allocation").click()
    supervisor.wait_for_load_state()
    run = AllocationRun.objects.get()
    assert run.seed == 20230614 and run.allocated_count == 1
    supervisor.locator(f"a[href='/appointments/runs/{run.pk}/']").click()
    supervisor.get_by_role("button", name="Verify: re-run it and compare").click()
    supervisor.wait_for_load_state()
    assert supervisor.locator("#verification").get_attribute("data-matches") == "yes"
    # The notice went out by SMS, in Haitian Creole, after the run's commit.
    (sms,) = LocmemSmsBackend.outbox
    assert sms.to == "+526645550101" and sms.language == "ht"
    assert "Randevou" in sms.body and number in sms.body and "Jedi 15 jen 2023" in sms.body

    # 3. The family signs in with its number and PIN and sees the notice with the QR code.
    family.goto(f"{site}/appointments/my/")
    assert family.get_by_role("heading", name="Randevou ou").is_visible()
    family.get_by_label("Nimewo enskripsyon").fill(number)
    family.locator("#pin").fill(pin)
    family.get_by_role("button", name="Wè randevou mwen").click()
    family.wait_for_load_state()
    assert family.get_by_role("heading", name="Avi randevou").is_visible()
    assert family.locator("#notice-port").inner_text() == "San Ysidro"
    assert family.locator("#notice-date").inner_text() == "Jedi 15 jen 2023"
    assert family.locator("#qr svg").is_visible()
    _within_phone(family, "#qr svg")
    _within_phone(family, "#notice-date")
    token = family.locator("#qr").get_attribute("data-token")
    if os.environ.get("ASILO_E2E_SCREENSHOTS"):
        family.screenshot(path=f"{os.environ['ASILO_E2E_SCREENSHOTS']}/notice.png", full_page=True)
    assert token

    # 4. On 15 June at the port, the officer scans the code (the scanner types the token),
    #    sees the family and checks it in: the encounter starts with the family pre-filled.
    travel.move_to(datetime(2023, 6, 15, 9, 30, tzinfo=EASTERN))
    page_errors: list[str] = []
    officer.on("pageerror", lambda error: page_errors.append(str(error)))
    sign_in(officer, "demo.officer", demo_password("officer"))
    officer.goto(f"{site}/appointments/check-in/")
    officer.fill("#code", token)
    officer.get_by_role("button", name="Find").click()
    officer.wait_for_load_state()
    assert "Jean Baptiste Pierre" in officer.locator("#check-in").inner_text()
    assert "Widlyne Pierre" in officer.locator("#check-in").inner_text()
    _within_phone(officer, "#check-in button.primary")
    if os.environ.get("ASILO_E2E_SCREENSHOTS"):
        officer.screenshot(
            path=f"{os.environ['ASILO_E2E_SCREENSHOTS']}/check-in.png", full_page=True
        )
    # The whole family is ticked: nobody is left behind unless a supervisor grants it.
    assert officer.locator("#check-in input[name=members]:checked").count() == 2
    assert page_errors == []
    officer.get_by_role("button", name="Check in and start the encounter").click()
    officer.wait_for_load_state()
    encounter_id = officer.locator("#encounter").get_attribute("data-encounter")
    appointment = Appointment.objects.get(registration=registration)
    assert appointment.status == "checked_in" and str(appointment.encounter_id) == encounter_id
    encounter = Encounter.objects.get(pk=appointment.encounter_id)
    assert encounter.place_name == "San Ysidro" and str(encounter.encounter_date) == "2023-06-15"
    assert encounter.document["cbp_one_appointment"] is True
    people = [p.person for p in encounter.participants.order_by("position")]
    assert [(p.given_names, p.first_surname) for p in people] == [
        ("Jean Baptiste", "Pierre"),
        ("Widlyne", "Pierre"),
    ]

    # 5. The family's page now says it is checked in (its session of yesterday has expired:
    #    it signs in again).
    family.goto(f"{site}/appointments/my/")
    family.get_by_label("Nimewo enskripsyon").fill(number)
    family.locator("#pin").fill(pin)
    family.get_by_role("button", name="Wè randevou mwen").click()
    family.wait_for_load_state()
    assert family.get_by_text("Alarive anrejistre.").is_visible()
