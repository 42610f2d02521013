"""Issue 10's "Done when" in a real browser (Debian's Chromium through Playwright).

At 360 px in Haitian Creole: register, lose the PIN, recover it with a code sent through the
notification backend, see the appointment with its address and calendar file, open the notice
in Creole. At 1280 px in Spanish: a caseworker registers a family, prints its slip, and finds
the family's notice from the registration page.

The policy catalogue covers 2019-2024, so the process travels to June 2023 (time-machine).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from asilo.web.appointments.models import OutboxMessage
from asilo.web.appointments.notifications import LocmemSmsBackend
from asilo.web.registrations.models import Registration

EASTERN = ZoneInfo("America/New_York")
PHONE = {
    "viewport": {"width": 360, "height": 640},
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
def immediate(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.ASILO_SMS_BACKEND = "asilo.web.appointments.notifications.LocmemSmsBackend"


def _fits(page: Any, width: int) -> None:
    """Nothing (the shared header included) is wider than the screen."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{page.url}: {wide}px wide on a {width}px screen"
    box = page.locator("header.site-header").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def _allocate(on: date) -> None:
    """The supervisor's evening (through the services): capacity at San Ysidro tomorrow
    (today's hours are over: refused), then a run from today on."""
    from datetime import timedelta

    from asilo.web.accounts.models import User
    from asilo.web.appointments import services
    from asilo.web.registrations.models import Program

    program = Program.objects.get(code="port-appointments-2023")
    supervisor = User.objects.get(username="demo.supervisor")
    tomorrow = on + timedelta(days=1)
    services.capacity_set(
        actor=supervisor, program=program, port="San Ysidro", day=tomorrow, capacity=20
    )
    services.allocation_run(actor=supervisor, program=program, start=on, seed=7)


def test_creole_phone_register_lose_pin_recover_appointment_notice(
    browser: Any, site: str, travel: Any, immediate: None
) -> None:
    from test_appointment_journey import _register_in_creole

    from asilo.web.registrations.programs import ensure_default_programs

    ensure_default_programs()
    context = browser.new_context(locale="ht-HT", **PHONE)
    context.set_default_timeout(20_000)
    family = context.new_page()
    number, _forgotten = _register_in_creole(family, site)
    _fits(family, 360)

    # The PIN is lost: a code goes to the phone on file, a new PIN comes back.
    family.goto(f"{site}/registrations/status/")
    _fits(family, 360)
    family.locator("#lost-pin").click()
    family.wait_for_load_state()
    assert family.get_by_role("heading", name="Ou pèdi PIN ou?").is_visible()
    family.locator("#number").fill(number.replace("-", "").lower())
    family.get_by_role("button", name="Voye yon kòd ban mwen").click()
    family.wait_for_load_state()
    assert family.locator("#code-sent").is_visible()
    registration = Registration.objects.get(number=number)
    message = OutboxMessage.objects.get(registration=registration, kind="pin_code")
    assert message.channel == "sms" and message.language == "ht"
    # Sent at once: the outbox keeps no copy of the text; the code is in the SMS received.
    assert message.status == "sent" and message.body == ""
    sms = LocmemSmsBackend.outbox[-1]
    assert sms.language == "ht" and number in sms.body
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    family.locator("#code").fill(code)
    family.get_by_role("button", name="Jwenn yon nouvo PIN").click()
    family.wait_for_load_state()
    new_pin = family.locator("#new-pin").inner_text().strip()
    assert re.fullmatch(r"\d{6}", new_pin)
    _fits(family, 360)

    # That evening the run gives the family a window tomorrow, never one already over.
    travel.move_to(datetime(2023, 6, 14, 20, 0, tzinfo=EASTERN))
    _allocate(date(2023, 6, 14))
    registration.refresh_from_db()
    assert registration.status == "offered"
    appointment = registration.appointments.get()
    assert appointment.date == date(2023, 6, 15)

    # The status page (new PIN) shows the appointment; the notice opens in Creole with the
    # port's address and a calendar file.
    family.goto(f"{site}/registrations/status/")
    family.locator("#number").fill(number)
    family.locator("#pin").fill(new_pin)
    family.locator("main form button[type=submit]").click()
    family.wait_for_load_state()
    assert family.locator("#status").get_attribute("data-status") == "offered"
    assert family.locator("#appointment").is_visible()
    _fits(family, 360)
    family.locator("#notice-link").click()
    family.wait_for_load_state()
    assert family.locator("#notice").get_attribute("lang") == "ht"
    assert family.get_by_role("heading", name="Avi randevou").is_visible()
    assert "720 East San Ysidro Boulevard" in family.locator("#notice-address").inner_text()
    # The address is not yet checked against CBP's page of the port: the notice says so.
    assert "poko verifye" in family.locator("#notice-address-unchecked").inner_text()
    assert family.locator("#notice-missed").is_visible()
    assert "Si w rate lè a" in family.locator("#notice").inner_text()
    _fits(family, 360)
    ics_href = family.locator("#notice-ics").get_attribute("href")
    response = family.request.get(f"{site}{ics_href}")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    ics = response.text()
    assert "BEGIN:VEVENT" in ics and "Randevou nan pò dantre San Ysidro" in ics
    # 07:00 Pacific on 15 June 2023 is 14:00 UTC.
    assert "DTSTART:20230615T140000Z" in ics
    context.close()


def test_spanish_caseworker_prints_a_slip_and_finds_the_notice(
    browser: Any,
    site: str,
    travel: Any,
    immediate: None,
    sign_in: Callable[[Any, str, str], None],
    demo_password: Callable[[str], str],
) -> None:
    from asilo.web.registrations.programs import ensure_default_programs

    ensure_default_programs()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-MX")
    context.set_default_timeout(20_000)
    caseworker = context.new_page()
    sign_in(caseworker, "demo.caseworker", demo_password("caseworker"))
    caseworker.goto(f"{site}/registrations/")
    caseworker.select_option("#language-select", "es")
    caseworker.locator("form.language button[type=submit]").click()
    caseworker.wait_for_load_state()

    # An assisted registration of a family without a phone, whose language is Creole.
    caseworker.goto(f"{site}/registrations/staff/new/")
    caseworker.get_by_label("Proceso de citas en puertos de 2023").check()
    assert caseworker.get_by_text(
        "¿Cuántas personas hay en la familia, incluida la persona que se registra?"
    ).is_visible()
    caseworker.get_by_role("button", name="Continuar").click()
    caseworker.wait_for_load_state()
    # The form addresses the caseworker, not the family ("Usted" would be the family).
    assert caseworker.locator("main fieldset legend").first.inner_text() == (
        "Quien hace el registro"
    )
    caseworker.fill("#m0-given_names", "Rose Mirlande")
    caseworker.fill("#m0-surnames", "Joseph")
    caseworker.fill("#m0-date_of_birth", "1990-04-25")
    caseworker.select_option("#m0-sex", "female")
    caseworker.select_option("#m0-nationality", "HTI")
    caseworker.select_option("#language", "ht")
    caseworker.select_option("#waiting_city", "Tijuana")
    caseworker.locator("main form button[type=submit]").click()
    caseworker.wait_for_load_state()
    number = re.search(r"R-[2-9A-Z]{4}-[2-9A-Z]{4}", caseworker.url).group(0)
    pin = caseworker.locator("#pin").inner_text().strip()
    _fits(caseworker, 1280)

    # The slip: number, PIN and how to check the status, in the family's language (Creole).
    caseworker.locator("#slip-link").click()
    caseworker.wait_for_load_state()
    slip = caseworker.locator(f"#slip-{number}")
    assert slip.get_attribute("lang") == "ht"
    assert number in slip.inner_text() and pin in slip.inner_text()
    assert "Fich enskripsyon" in slip.inner_text()
    caseworker.emulate_media(media="print")
    assert not caseworker.locator("header.site-header").is_visible()
    assert slip.is_visible()
    caseworker.emulate_media(media="screen")

    # That evening the run; the next morning the caseworker finds the notice.
    travel.move_to(datetime(2023, 6, 14, 20, 0, tzinfo=EASTERN))
    _allocate(date(2023, 6, 14))
    sign_in(caseworker, "demo.caseworker", demo_password("caseworker"))  # a new working day
    caseworker.goto(f"{site}/registrations/staff/{number}/")
    assert caseworker.locator("#status").get_attribute("data-status") == "offered"
    assert "Cita ofrecida" in caseworker.locator("#status").inner_text()
    caseworker.locator("#notice-link").click()
    caseworker.wait_for_load_state()
    notice = caseworker.locator("#notice")
    assert notice.get_attribute("lang") == "ht"
    assert "Avi randevou" in notice.inner_text()
    assert caseworker.locator("#notice-address").is_visible()
    # The page around the notice stays in the caseworker's Spanish.
    assert caseworker.locator("html").get_attribute("lang") == "es"
    context.close()


def test_the_signed_in_header_fits_a_360_px_phone(
    browser: Any,
    site: str,
    sign_in: Callable[[Any, str, str], None],
    demo_password: Callable[[str], str],
) -> None:
    """Issue 10: at 360 px the shared header was cut off, and the registration stylesheet
    restyled its buttons."""
    context = browser.new_context(locale="es-MX", **PHONE)
    context.set_default_timeout(20_000)
    phone = context.new_page()
    sign_in(phone, "demo.caseworker", demo_password("caseworker"))
    for path in ("/registrations/staff/", "/registrations/staff/tasks/", "/registrations/"):
        phone.goto(f"{site}{path}")
        _fits(phone, 360)
        for button in phone.locator("header.site-header button").all():
            box = button.bounding_box()
            assert box is not None and box["x"] + box["width"] <= 360, path
            # The header's own look (white button, accent border), not the page's blue one.
            background = button.evaluate("b => getComputedStyle(b).backgroundColor")
            assert background == "rgb(255, 255, 255)", (path, background)
    context.close()
