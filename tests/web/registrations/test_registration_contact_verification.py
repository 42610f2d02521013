"""Issue 11 ("contact verification by one-time code through the notification backend before a
self-service registration joins the queue"): a self-service family the rules admit is held as
*needs verification* until it types back the code sent to its phone or e-mail; the code is
hashed, expires and allows few tries; the pages speak English, Spanish and Haitian Creole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from registration_helpers import PORTS, at

from asilo.web.appointments.models import OutboxMessage
from asilo.web.appointments.selectors import queued_families
from asilo.web.audit.models import AuditEntry
from asilo.web.registrations import services
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.models import ContactVerification, Registration

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def replay_june_2023(programs: dict[str, Any]) -> None:
    programs[PORTS].rules_as_of = date(2023, 6, 1)
    programs[PORTS].save()


def code_sent_to(registration: Registration) -> tuple[OutboxMessage, str]:
    message = OutboxMessage.objects.filter(registration=registration, kind="contact_code").latest(
        "id"
    )
    return message, re.search(r"\b(\d{6})\b", message.body).group(1)  # type: ignore[union-attr]


def in_queue(programs: dict[str, Any]) -> set[str]:
    families, _ = queued_families(programs[PORTS], programs[PORTS].ports)
    return {str(f.registration_id) for f in families}


def test_a_self_service_family_joins_the_queue_only_with_the_code(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any], programs: dict[str, Any]
) -> None:
    result = submit(family(), verify=False)
    registration = result.registration
    assert registration.status == "needs_verification"
    assert registration.status_changes.last().reason_code == "contact_unverified"
    assert registration.number not in in_queue(programs)
    message, code = code_sent_to(registration)
    assert message.channel == "sms" and message.address == "+526641234567"
    assert message.language == "ht" and "Tape kòd sa a" in message.body
    check = ContactVerification.objects.get(registration=registration)
    assert code not in check.code_hash and len(check.code_hash) == 64  # only a keyed hash
    soon = at("2023-06-01 10:05")
    with pytest.raises(RegistrationError) as wrong:
        services.registration_contact_confirm(number=registration.number, code="000000", now=soon)
    assert wrong.value.code == "pin_code_invalid"
    confirmed = services.registration_contact_confirm(
        number=registration.number, code=code, now=soon
    )
    assert confirmed.status == "waiting"
    # The family's page shows the engine's reason again; the audit says how it got there.
    assert confirmed.status_changes.last().reason_code == "appointments_open"
    assert AuditEntry.objects.filter(
        object_id=str(registration.pk), note="contact verification: code typed back (sms)"
    ).exists()
    assert registration.number in in_queue(programs)
    assert AuditEntry.objects.filter(
        object_id=str(registration.pk), note="contact verification: wrong, used or expired code"
    ).exists()


def test_the_code_expires_and_allows_five_tries(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    registration = submit(family(), verify=False).registration
    _message, code = code_sent_to(registration)
    later = at("2023-06-01 10:31")  # registered at 10:00; the code works for 30 minutes
    with pytest.raises(RegistrationError):
        services.registration_contact_confirm(number=registration.number, code=code, now=later)
    # A new code; five wrong tries spend it, and then even the right one fails.
    services.registration_contact_resend(number=registration.number, now=later)
    _message, fresh = code_sent_to(registration)
    for _ in range(5):
        with pytest.raises(RegistrationError):
            services.registration_contact_confirm(
                number=registration.number, code="999999" if fresh != "999999" else "0", now=later
            )
    with pytest.raises(RegistrationError):
        services.registration_contact_confirm(number=registration.number, code=fresh, now=later)
    registration.refresh_from_db()
    assert registration.status == "needs_verification"
    # At most three codes a day; a fourth request sends nothing.
    services.registration_contact_resend(number=registration.number, now=later)
    services.registration_contact_resend(number=registration.number, now=later)
    assert ContactVerification.objects.filter(registration=registration).count() == 3
    assert OutboxMessage.objects.filter(registration=registration, kind="contact_code").count() == 3


def test_a_caseworker_registration_needs_no_code(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any], make_user: Callable[..., Any]
) -> None:
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    registration = submit(family(), actor=caseworker).registration
    assert registration.status == "waiting"
    assert not OutboxMessage.objects.filter(kind="contact_code").exists()


@pytest.mark.parametrize(
    ("language", "title", "done"),
    [
        ("en", "Confirm your phone or e-mail", "Confirmed: the family is in the queue."),
        ("es", "Confirme su teléfono o correo", "Confirmado: la familia está en la fila."),
        ("ht", "Konfime telefòn ou oswa imèl ou", "Konfime: fanmi an nan liy lan."),
    ],
)
def test_the_pages_ask_for_the_code_in_the_family_language(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    language: str,
    title: str,
    done: str,
) -> None:
    result = submit(family(), verify=False)
    number = result.registration.number
    traveller = time_machine.travel(at("2023-06-01 10:05"), tick=True)
    traveller.start()
    client = Client()
    client.cookies["django_language"] = language
    status = client.post("/registrations/status/", {"number": number, "pin": result.pin})
    html = status.content.decode()
    assert status.status_code == 200 and title in html and 'id="contact-code"' in html
    wrong = client.post(
        "/registrations/verify/", {"number": number, "code": "1", "action": "confirm"}
    )
    assert wrong.status_code == 400 and 'id="code-error"' in wrong.content.decode()
    _message, code = code_sent_to(result.registration)
    right = client.post(
        "/registrations/verify/", {"number": number, "code": code, "action": "confirm"}
    )
    assert right.status_code == 200 and done in right.content.decode()
    assert Registration.objects.get(number=number).status == "waiting"
    again = client.post("/registrations/status/", {"number": number, "pin": result.pin})
    assert 'id="contact-code"' not in again.content.decode()
    traveller.stop()


@time_machine.travel(at("2023-06-01 10:00"), tick=True)
def test_the_api_confirms_the_contact(
    family: Callable[..., dict[str, Any]], programs: dict[str, Any]
) -> None:
    client = Client(REMOTE_ADDR="192.0.2.77")
    created = client.post(
        "/api/v1/registrations", data=json.dumps(family()), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "needs_verification"
    number = created.json()["number"]
    _message, code = code_sent_to(Registration.objects.get(number=number))
    wrong = client.post(
        f"/api/v1/registrations/{number}/contact",
        data=json.dumps({"code": "000000" if code != "000000" else "1"}),
        content_type="application/json",
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["code"] == "pin_code_invalid"
    right = client.post(
        f"/api/v1/registrations/{number}/contact",
        data=json.dumps({"code": code}),
        content_type="application/json",
    )
    assert right.status_code == 200 and right.json()["status"] == "waiting"
    unknown = client.post(
        "/api/v1/registrations/R-2222-2222/contact",
        data=json.dumps({"code": code}),
        content_type="application/json",
    )
    assert unknown.status_code == 400 and unknown.json() == wrong.json()


def test_nothing_of_the_code_in_a_later_window(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    """A code asked for the next day starts the count of the day again."""
    registration = submit(family(), verify=False).registration
    next_day = at("2023-06-01 10:00") + timedelta(days=1, minutes=1)
    services.registration_contact_resend(number=registration.number, now=next_day)
    _message, code = code_sent_to(registration)
    assert (
        services.registration_contact_confirm(
            number=registration.number, code=code, now=next_day
        ).status
        == "waiting"
    )
