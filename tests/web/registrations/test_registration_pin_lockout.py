"""Issue 11, finding 11: "after 5 wrong PINs a real number answers differently from an unknown
one, and anyone who knows a number can lock the family out".

Now wrong PINs count against the client (django-ratelimit keyed on the client's address) and
against the number, known or not: both kinds of number answer alike, step by step and with
the same work; the attacker's client is locked for every number; and a family whose number
someone else locked recovers through the one-time code sent to its own contact and signs in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from registration_helpers import PORTS

from asilo.web.appointments.models import OutboxMessage

pytestmark = pytest.mark.django_db
UNKNOWN = "R-2222-2222"


@pytest.fixture(autouse=True)
def replay_june_2023(programs: dict[str, Any], settings: Any) -> None:
    programs[PORTS].rules_as_of = date(2023, 6, 1)
    programs[PORTS].save()
    settings.ASILO_PIN_FAILURE_LIMIT = 3


def client_at(address: str) -> Client:
    client = Client(REMOTE_ADDR=address)
    client.cookies["django_language"] = "en"
    return client


def error_of(response: Any) -> tuple[int, str]:
    match = re.search(r'<p class="error"[^>]*>([^<]*)</p>', response.content.decode())
    return response.status_code, match.group(1).strip() if match else ""


def wrong_pin(pin: str) -> str:
    return "000000" if pin != "000000" else "111111"


def test_a_registered_and_an_unknown_number_answer_alike(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    known = submit(family())
    answers = {}
    for number, address in ((known.registration.number, "198.51.100.1"), (UNKNOWN, "198.51.100.2")):
        client = client_at(address)
        answers[number] = [
            error_of(
                client.post(
                    "/registrations/status/", {"number": number, "pin": wrong_pin(known.pin)}
                )
            )
            for _ in range(5)
        ]
    assert answers[known.registration.number] == answers[UNKNOWN]
    assert [status for status, _ in answers[UNKNOWN]] == [401, 401, 429, 429, 429]
    assert answers[UNKNOWN][0][1] == "The registration number or the PIN is wrong."
    assert answers[UNKNOWN][2][1].startswith("Too many wrong PINs.")
    # The same work for both (the same queries, so no difference in time to measure).
    counts = []
    for number, address in ((known.registration.number, "198.51.100.3"), (UNKNOWN, "198.51.100.4")):
        with CaptureQueriesContext(connection) as queries:
            client_at(address).post("/registrations/status/", {"number": number, "pin": "123457"})
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_someone_who_knows_the_number_cannot_lock_the_family_out(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    result = submit(family())
    number, pin = result.registration.number, result.pin
    for k in range(3):  # the attacker, from three addresses: the number is locked
        client_at(f"198.51.100.{10 + k}").post(
            "/registrations/status/", {"number": number, "pin": wrong_pin(pin)}
        )
    family_phone = client_at("203.0.113.5")
    assert (
        family_phone.post("/registrations/status/", {"number": number, "pin": pin}).status_code
        == 429
    )
    # The family asks for a code, sent to its own phone, and chooses a new PIN.
    family_phone.post("/registrations/status/recover/", {"number": number, "action": "send"})
    message = OutboxMessage.objects.filter(kind="pin_code").latest("id")
    code = re.search(r"\b(\d{6})\b", message.body).group(1)  # type: ignore[union-attr]
    page = family_phone.post(
        "/registrations/status/recover/", {"number": number, "action": "confirm", "code": code}
    ).content.decode()
    new_pin = re.search(r'id="new-pin">([^<]+)<', page).group(1)  # type: ignore[union-attr]
    # The attacker keeps trying from a fresh address: still locked out of the number...
    attacker = client_at("198.51.100.20")
    assert (
        attacker.post(
            "/registrations/status/", {"number": number, "pin": new_pin[::-1]}
        ).status_code
        == 429
    )
    # ...while the family signs in, on the status page and on the notice page.
    status = family_phone.post("/registrations/status/", {"number": number, "pin": new_pin})
    assert status.status_code == 200 and number in status.content.decode()
    notice = family_phone.post("/appointments/my/", {"number": number, "pin": new_pin})
    assert notice.status_code == 302


def test_the_attackers_client_is_locked_for_every_number(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any], settings: Any
) -> None:
    settings.ASILO_PIN_RATE_CLIENT = "4/h"
    result = submit(family())
    attacker = client_at("198.51.100.30")
    statuses = [
        attacker.post(
            "/registrations/status/", {"number": f"R-2222-{n}", "pin": "123456"}
        ).status_code
        for n in ("2223", "2224", "2225", "2226", "2227")
    ]
    assert statuses == [401, 401, 401, 429, 429]
    # Even the right PIN of a real family is refused to that client...
    assert (
        attacker.post(
            "/registrations/status/", {"number": result.registration.number, "pin": result.pin}
        ).status_code
        == 429
    )
    # ...not to the family's own.
    own = client_at("203.0.113.9").post(
        "/registrations/status/", {"number": result.registration.number, "pin": result.pin}
    )
    assert own.status_code == 200


def test_the_pin_is_hashed_alike_for_a_registered_and_an_unknown_number(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Password-hash work does not tell whether a number exists: a wrong PIN for a registered
    number and any PIN for an unknown one are each hashed once, with a salt of the same
    length (a dummy one for the unknown number) and compared with a hash of the same length
    (the real hasher runs; its calls are only recorded)."""
    from asilo.web.registrations.services import pin as pin_service

    calls: list[tuple[int, int, int]] = []
    original = pin_service.pin_hash

    def recording(pin: str, salt: str) -> str:
        digest = original(pin, salt)
        calls.append((len(pin), len(salt), len(digest)))
        return digest

    monkeypatch.setattr(pin_service, "pin_hash", recording)
    known = submit(family())
    stored = known.registration.pin_hash
    work = {}
    for number, address in ((known.registration.number, "198.51.100.5"), (UNKNOWN, "198.51.100.6")):
        calls.clear()
        response = client_at(address).post(
            "/registrations/status/", {"number": number, "pin": wrong_pin(known.pin)}
        )
        assert response.status_code == 401
        work[number] = list(calls)
    assert work[known.registration.number] == work[UNKNOWN]
    assert work[UNKNOWN] == [(6, len(known.registration.pin_salt), len(stored))]
