"""Issue 11, finding 11: "anyone who knows a number can lock the family out"; the issue asks
that a PIN lockout "locks the attacker's attempts, not the family".

``test_registration_pin_lockout.py`` shows a family recovering through the code sent to its
own contact after someone locked its number. Here the attacker, who knows only the number,
goes one step further with what the status pages offer anyone: it also asks for the PIN
recovery codes (three a day) and spends the last code's five tries with wrong guesses, each
from a fresh address. The family, holding every code on its own phone, must still recover.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from registration_helpers import PORTS

from asilo.web.appointments.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def replay_june_2023(programs: dict[str, Any], settings: Any) -> None:
    programs[PORTS].rules_as_of = date(2023, 6, 1)
    programs[PORTS].save()
    settings.ASILO_PIN_FAILURE_LIMIT = 3


def _client_at(address: str) -> Client:
    client = Client(REMOTE_ADDR=address)
    client.cookies["django_language"] = "en"
    return client


def _codes() -> list[str]:
    found = []
    for message in OutboxMessage.objects.filter(kind="pin_code").order_by("id"):
        match = re.search(r"\b(\d{6})\b", message.body)
        assert match is not None
        found.append(match.group(1))
    return found


def test_an_attacker_cannot_spend_the_familys_recovery_codes(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    result = submit(family())
    number, pin = result.registration.number, result.pin
    wrong = "000000" if pin != "000000" else "111111"
    # The attacker locks the number...
    for k in range(3):
        _client_at(f"198.51.100.{10 + k}").post(
            "/registrations/status/", {"number": number, "pin": wrong}
        )
    family_phone = _client_at("203.0.113.5")
    locked = family_phone.post("/registrations/status/", {"number": number, "pin": pin})
    assert locked.status_code == 429
    # ...asks for the day's recovery codes and guesses at the last one.
    for k in range(3):
        _client_at(f"198.51.100.{40 + k}").post(
            "/registrations/status/recover/", {"number": number, "action": "send"}
        )
    for k in range(5):
        _client_at(f"198.51.100.{50 + k}").post(
            "/registrations/status/recover/",
            {"number": number, "action": "confirm", "code": "000000"},
        )
    # The family asks for a code in turn, and uses the newest code its phone received.
    family_phone.post("/registrations/status/recover/", {"number": number, "action": "send"})
    codes = _codes()
    assert codes, "no code reached the family's phone"
    page = family_phone.post(
        "/registrations/status/recover/",
        {"number": number, "action": "confirm", "code": codes[-1]},
    )
    assert page.status_code == 200, page.status_code
    new_pin = re.search(r'id="new-pin">([^<]+)<', page.content.decode())
    assert new_pin is not None
    signed_in = family_phone.post(
        "/registrations/status/", {"number": number, "pin": new_pin.group(1)}
    )
    assert signed_in.status_code == 200


def test_one_client_guessing_codes_locks_itself_not_the_family(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    result = submit(family())
    number = result.registration.number
    attacker = _client_at("198.51.100.77")
    attacker.post("/registrations/status/recover/", {"number": number, "action": "send"})
    (code,) = _codes()
    wrong = "000000" if code != "000000" else "111111"
    answers = [
        attacker.post(
            "/registrations/status/recover/",
            {"number": number, "action": "confirm", "code": wrong},
        ).status_code
        for _ in range(6)
    ]
    assert answers[:4] == [400] * 4 and answers[4:] == [429, 429]
    # Locked, the attacker's client gets nowhere even with the right code...
    blocked = attacker.post(
        "/registrations/status/recover/", {"number": number, "action": "confirm", "code": code}
    )
    assert blocked.status_code == 429
    assert "Too many wrong codes from this device" in blocked.content.decode()
    # ...while the family, on its own phone, uses the code it received.
    page = _client_at("203.0.113.9").post(
        "/registrations/status/recover/", {"number": number, "action": "confirm", "code": code}
    )
    assert page.status_code == 200


def test_guesses_from_many_clients_spend_the_days_codes(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    """Thirty wrong codes a day for a number, from every client together, then its codes of the
    day are spent: a guesser with many addresses gets 30 tries of a million."""
    from asilo.web.registrations.services import PIN_CODE_TRIES

    result = submit(family())
    number = result.registration.number
    _client_at("203.0.113.9").post(
        "/registrations/status/recover/", {"number": number, "action": "send"}
    )
    (code,) = _codes()
    wrong = "000000" if code != "000000" else "111111"
    for k in range(PIN_CODE_TRIES):
        _client_at(f"10.0.{k // 200}.{k % 200}").post(
            "/registrations/status/recover/",
            {"number": number, "action": "confirm", "code": wrong},
        )
    page = _client_at("203.0.113.9").post(
        "/registrations/status/recover/", {"number": number, "action": "confirm", "code": code}
    )
    assert page.status_code == 400
