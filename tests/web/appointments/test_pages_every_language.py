"""Every registration and appointment page, rendered in English, Spanish and (for what a
family sees) Haitian Creole: it fails on a message asked of gettext that has no translation
in the page's language, and on a raw code (a status, a kind of task, a vulnerability, a
channel, ...) in the text a person reads.

Issue 10 found "a_number_given: False;", "physical_health / medical_emergency", import status
"eligible", run methods "longest_waiting" and "2023 port appointment process" untranslated in
Spanish on these pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
import time_machine
from appointment_helpers import DAY, at
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real

from asilo.web.appointments import services
from asilo.web.appointments.models import SELECTED_BY_LABELS, Appointment, AppointmentStatus
from asilo.web.registrations.forms import VULNERABILITY_LABELS
from asilo.web.registrations.models import (
    Channel,
    ClosedReason,
    MppCaseStatus,
    Relationship,
    Status,
    TaskKind,
    TaskOutcome,
)
from asilo.web.registrations.reasons import REASONS

#: Codes that must never reach a reader as they are stored.
RAW_CODES = sorted(
    {
        *Status.values,
        *ClosedReason.values,
        *Channel.values,
        *TaskKind.values,
        *TaskOutcome.values,
        *MppCaseStatus.values,
        *[r for r in Relationship.values if r not in ("other", "child", "parent")],
        *AppointmentStatus.values,
        *SELECTED_BY_LABELS,
        *[code for code, _ in VULNERABILITY_LABELS],
        *REASONS,
        "a_number_given",
        "eligible",
        "mpp/wind_down",
        "cbp_one/appointments",
    }
)


class _Text(HTMLParser):
    """The text a person reads: no scripts, styles, attribute values or ``<code>`` samples
    (the import page names the accepted codes on purpose, inside ``<code>``)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "code"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def raw_codes_in(text: str) -> list[str]:
    return [
        code
        for code in RAW_CODES
        if re.search(rf"(?<![\w/-]){re.escape(code)}(?![\w/-])", text)
        and ("_" in code or "/" in code)
    ]


@pytest.fixture
def missing(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[tuple[str, str]]]:
    """Every (language, msgid) asked of gettext while rendering that the active language's
    catalogue lacks (English is the source language: nothing is missing there)."""
    misses: set[tuple[str, str]] = set()
    translation.gettext("")  # resolve the translation functions once
    trans = translation._trans  # type: ignore[attr-defined]
    real = {name: getattr(trans, name) for name in ("gettext", "ngettext", "pgettext")}

    def catalogue() -> Any:
        language = translation.get_language() or "en"
        if language.startswith("en"):
            return None, language
        return trans_real.translation(language)._catalog, language

    def gettext(message: str) -> str:
        cat, language = catalogue()
        if cat is not None and message and message not in cat:
            misses.add((language, str(message)))
        return real["gettext"](message)

    def ngettext(singular: str, plural: str, number: int) -> str:
        cat, language = catalogue()
        if cat is not None and (singular, 0) not in cat:
            misses.add((language, str(singular)))
        return real["ngettext"](singular, plural, number)

    def pgettext(context: str, message: str) -> str:
        cat, language = catalogue()
        if cat is not None and f"{context}\x04{message}" not in cat:
            misses.add((language, f"{context}|{message}"))
        return real["pgettext"](context, message)

    monkeypatch.setattr(trans, "gettext", gettext)
    monkeypatch.setattr(trans, "ngettext", ngettext)
    monkeypatch.setattr(trans, "pgettext", pgettext)
    yield misses


def _in(client: Client, language: str) -> Client:
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def scene(
    register: Callable[..., Any],
    set_capacity: Callable[..., Any],
    run_allocation: Callable[..., Any],
    make_user: Callable[..., Any],
    program: Any,
) -> dict[str, Any]:
    """A family with an appointment, one still waiting, one checked in, a caseworker's
    organisation with tasks, a run."""
    from asilo.web.registrations.services import registration_flag_vulnerability

    caseworker = make_user("caseworker")
    offered = register(size=3, vulnerabilities=["physical_health"])
    offered.organisation = caseworker.organisation
    offered.channel = "assisted"
    offered.save()
    registration_flag_vulnerability(
        actor=caseworker, registration=offered, vulnerability="medical_emergency", note="fever"
    )
    checked = register(size=1)
    set_capacity({"San Ysidro": 4})
    run = run_allocation()
    waiting = register(size=2)
    officer = make_user("officer")
    appointment = Appointment.objects.get(registration=checked)
    services.appointment_check_in(
        actor=officer, appointment_id=appointment.pk, now=at("2023-06-15 10:30")
    )
    return {
        "caseworker": caseworker,
        "supervisor": make_user("supervisor"),
        "analyst": make_user("analyst"),
        "officer": officer,
        "offered": offered,
        "waiting": waiting,
        "checked": checked,
        "checked_appointment": appointment,
        "offered_appointment": Appointment.objects.get(registration=offered),
        "run": run,
        "program": program,
    }


def _pages(scene: dict[str, Any], client_as: Callable[[Any], Client], language: str):
    """(what, response) of every page, as the people who use it see it."""
    s = scene
    public = _in(Client(), language)
    yield "start", public.get("/registrations/")
    yield "form", public.get("/registrations/new/", {"program": s["program"].code, "size": 2})
    yield (
        "form with errors",
        public.post(
            "/registrations/new/",
            {"program": s["program"].code, "size": 2, "client_request_id": "x", "m1-age": "200"},
        ),
    )
    yield "status form", public.get("/registrations/status/")
    yield (
        "status: wrong PIN",
        public.post("/registrations/status/", {"number": "R-ZZZZ-ZZZZ", "pin": "000000"}),
    )
    for key in ("offered", "waiting", "checked"):
        family = _in(Client(), language)
        yield (
            f"status: {key}",
            family.post("/registrations/status/", {"number": s[key].number, "pin": s[key].pin}),
        )
        yield f"notice: {key}", family.get("/appointments/my/notice/")
        yield f"family: {key}", family.get("/registrations/status/family/")
    yield "lost PIN", public.get("/registrations/status/recover/")
    yield (
        "lost PIN: code sent",
        public.post(
            "/registrations/status/recover/", {"action": "send", "number": s["waiting"].number}
        ),
    )
    yield (
        "lost PIN: wrong code",
        public.post(
            "/registrations/status/recover/",
            {"action": "confirm", "number": s["waiting"].number, "code": "12"},
        ),
    )
    yield "family sign-in", public.get("/appointments/my/")
    if language == "ht":
        return
    caseworker = _in(client_as(s["caseworker"]), language)
    yield "list (caseworker)", caseworker.get("/registrations/staff/")
    yield "detail", caseworker.get(f"/registrations/staff/{s['offered'].number}/")
    yield "slip", caseworker.get(f"/registrations/staff/{s['offered'].number}/slip/")
    yield "tasks", caseworker.get("/registrations/staff/tasks/")
    yield "assisted start", caseworker.get("/registrations/staff/new/")
    yield (
        "assisted form",
        caseworker.get("/registrations/staff/new/", {"program": s["program"].code, "size": 2}),
    )
    yield "import", caseworker.get("/registrations/staff/import/")
    yield (
        "import without a file",
        caseworker.post("/registrations/staff/import/", {"program": s["program"].code}),
    )
    supervisor = _in(client_as(s["supervisor"]), language)
    yield "list (supervisor)", supervisor.get("/registrations/staff/", {"status": "offered"})
    yield "list: bad filter", supervisor.get("/registrations/staff/", {"status": "eligible"})
    yield "capacities", supervisor.get("/appointments/capacities/", {"program": s["program"].code})
    yield "runs", supervisor.get("/appointments/runs/", {"program": s["program"].code})
    yield "run", supervisor.get(f"/appointments/runs/{s['run'].pk}/")
    yield "day", supervisor.get("/appointments/day/", {"date": DAY.isoformat()})
    yield "staff notice", supervisor.get(f"/appointments/notice/{s['offered_appointment'].pk}/")
    yield (
        "fairness",
        _in(client_as(s["analyst"]), language).get(
            "/appointments/fairness/", {"program": s["program"].code}
        ),
    )
    officer = _in(client_as(s["officer"]), language)
    yield "check-in", officer.get("/appointments/check-in/")
    yield (
        "check-in: found",
        officer.post(
            "/appointments/check-in/", {"code": s["offered"].number.replace("-", "").lower()}
        ),
    )
    yield "check-in: unknown", officer.post("/appointments/check-in/", {"code": "R-ZZZZ-ZZZZ"})
    yield (
        "check-in done",
        officer.get(f"/appointments/check-in/{s['checked_appointment'].pk}/done/"),
    )


@pytest.mark.parametrize("language", ["en", "es", "ht"])
def test_every_page_is_in_the_language_and_shows_no_raw_code(
    scene: dict[str, Any], client_as: Callable[[Any], Client], missing: set, language: str
) -> None:
    problems: list[str] = []
    with time_machine.travel(at("2023-06-15 12:00"), tick=False):
        for what, response in _pages(scene, client_as, language):
            assert response.status_code < 500, what
            if response.status_code in (301, 302):
                problems.append(f"{what}: redirected to {response['Location']}")
                continue
            html = response.content.decode()
            assert f'lang="{language}"' in html, what
            for code in raw_codes_in(visible_text(html)):
                problems.append(f"{what}: raw code {code!r}")
    untranslated = sorted(msgid for lang, msgid in missing if lang == language)
    assert not problems, "\n".join(problems)
    assert not untranslated, f"{len(untranslated)} untranslated in {language}:\n" + "\n".join(
        untranslated
    )
