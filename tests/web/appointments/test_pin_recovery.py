"""Issue 10: a family that lost its PIN gets a one-time code through the notification backend
(the contact on file) and chooses a new PIN; nothing reveals whether a number exists."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from appointment_helpers import at
from django.test import Client

from asilo.web.appointments.models import OutboxMessage
from asilo.web.appointments.notifications import LocmemSmsBackend
from asilo.web.audit.models import AuditEntry
from asilo.web.registrations import services
from asilo.web.registrations.errors import RegistrationError

NOW = at("2023-06-14 10:00")


CODE = r"\b(\d{6})\b"


def _code(registration) -> str:
    message = OutboxMessage.objects.filter(registration=registration, kind="pin_code").latest("id")
    found = re.search(CODE, message.body)
    assert found, message.body
    return found.group(1)


def test_a_code_by_sms_then_a_new_pin_and_the_old_one_stops(register) -> None:
    family = register(size=1)
    old_pin = family.pin
    services.pin_recovery_request(number=family.number.replace("-", "").lower(), now=NOW)
    message = OutboxMessage.objects.get(registration=family, kind="pin_code")
    assert message.channel == "sms" and message.language == family.language
    assert "Pierre" not in message.body  # no names in messages
    new_pin = services.pin_recovery_confirm(number=family.number, code=_code(family), now=NOW)
    assert new_pin != old_pin or len(new_pin) == 6
    services.registration_status_lookup(number=family.number, pin=new_pin)
    if new_pin != old_pin:
        with pytest.raises(RegistrationError):
            services.registration_status_lookup(number=family.number, pin=old_pin)
    # The code works once.
    with pytest.raises(RegistrationError) as err:
        services.pin_recovery_confirm(number=family.number, code=_code(family), now=NOW)
    assert err.value.code == "pin_code_invalid"


def test_wrong_expired_and_unknown_get_one_answer(register) -> None:
    family = register(size=1)
    services.pin_recovery_request(number=family.number, now=NOW)
    code = _code(family)
    wrong = "000000" if code != "000000" else "111111"
    for number, typed, moment in (
        (family.number, wrong, NOW),
        ("R-ZZZZ-ZZZZ", code, NOW),
        (family.number, code, NOW + timedelta(minutes=16)),
    ):
        with pytest.raises(RegistrationError) as err:
            services.pin_recovery_confirm(number=number, code=typed, now=moment)
        assert err.value.code == "pin_code_invalid"
    assert AuditEntry.objects.filter(note="PIN recovery: wrong code").count() == 1
    # An unknown number "sends" nothing and says nothing different.
    before = OutboxMessage.objects.count()
    services.pin_recovery_request(number="R-ZZZZ-ZZZZ", now=NOW)
    assert OutboxMessage.objects.count() == before


def test_at_most_three_codes_a_day(register) -> None:
    family = register(size=1)
    for k in range(5):
        services.pin_recovery_request(number=family.number, now=NOW + timedelta(minutes=k))
    assert OutboxMessage.objects.filter(registration=family, kind="pin_code").count() == 3
    assert AuditEntry.objects.filter(note="PIN recovery: too many codes today").count() == 2


def test_the_pages_in_creole(register, django_capture_on_commit_callbacks, settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    family = register(size=1, language="ht")
    client = Client()
    client.cookies["django_language"] = "ht"
    assert "Ou pèdi PIN ou?" in client.get("/registrations/status/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # delivered after commit
        sent = client.post(
            "/registrations/status/recover/", {"action": "send", "number": family.number}
        )
    assert sent.status_code == 200 and 'id="code-sent"' in sent.content.decode()
    (sms,) = LocmemSmsBackend.outbox
    message = OutboxMessage.objects.get(registration=family, kind="pin_code")
    assert message.language == sms.language == "ht" and "Kòd ou a se" in sms.body
    assert message.body == ""  # sent: the outbox keeps no copy of the code
    done = client.post(
        "/registrations/status/recover/",
        {"action": "confirm", "number": family.number, "code": re.search(CODE, sms.body)[1]},
    )
    html = done.content.decode()
    new_pin = re.search(r'id="new-pin">(\d{6})<', html).group(1)
    status = client.post("/registrations/status/", {"number": family.number, "pin": new_pin})
    assert status.status_code == 200
