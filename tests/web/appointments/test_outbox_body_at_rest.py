"""An outbox message's text is not kept in clear, and not kept at all once it is done with.

Before: ``OutboxMessage.body`` was a plain text column. A PIN recovery's or a contact
verification's one-time code (a secret) and the registration's number (personal data) sat in
the database in clear until the message was sent, and after. Now the text is encrypted at rest
(``asilo.web.core.free_text.EncryptedNoteField``) and emptied once the message is sent, or has
failed for the last time; the row keeps what an audit needs (kind, channel, language, status,
attempts, times). The migration empties the texts of messages already done with and encrypts
the others (reversed: decrypts them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from asilo.web.appointments import services
from asilo.web.appointments.backends import HTTP_SMS
from asilo.web.appointments.models import MessageStatus, OutboxMessage
from asilo.web.appointments.notifications import LocmemSmsBackend
from asilo.web.registrations import services as registration_services
from asilo.web.registrations.models import Registration

BEFORE = ("appointments", "0004_checkin_exception_reason_encrypted_at_rest")
CODE = re.compile(r"\b(\d{6})\b")


def _raw_body(pk: int) -> str:
    """The message's text as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM appointments_outboxmessage WHERE id = %s", [pk])
        row = cursor.fetchone()
    assert row is not None
    return str(row[0])


def _pin_code_message(family: Registration) -> tuple[OutboxMessage, str]:
    registration_services.pin_recovery_request(number=family.number)
    message = OutboxMessage.objects.get(registration=family, kind="pin_code")
    found = CODE.search(message.body)
    assert found, "no code in the message"
    return message, found.group(1)


def test_a_one_time_code_waiting_to_be_sent_is_not_in_clear(
    register: Callable[..., Registration],
) -> None:
    family = register(size=1)
    message, code = _pin_code_message(family)
    raw = _raw_body(message.pk)
    assert raw.startswith("gAAAA"), raw  # a Fernet token
    assert code not in raw and family.number not in raw
    # The sender reads the text as written: the family gets its code and number.
    assert services.outbox_deliver(message_ids=[message.pk]) == services.DeliveryReport(1, 0)
    (sms,) = [m for m in LocmemSmsBackend.outbox if code in m.body]
    assert family.number in sms.body


def test_a_sent_message_keeps_no_text_but_what_an_audit_needs(
    register: Callable[..., Registration],
) -> None:
    family = register(size=1)
    message, code = _pin_code_message(family)
    services.outbox_deliver(message_ids=[message.pk])
    assert _raw_body(message.pk) == ""
    sent = OutboxMessage.objects.get(pk=message.pk)
    assert sent.body == ""
    assert (sent.kind, sent.channel, sent.language) == ("pin_code", "sms", family.language)
    assert (sent.status, sent.attempts) == (MessageStatus.SENT, 1)
    assert sent.sent_at is not None and sent.created_at <= sent.sent_at
    # The code delivered still works: only the copy in the database is gone.
    registration_services.pin_recovery_confirm(number=family.number, code=code)


def test_a_notice_names_the_registration_only_encrypted_until_sent(
    register: Callable[..., Registration],
    set_capacity: Callable[..., None],
    run_allocation: Callable[..., Any],
) -> None:
    family = register(size=2)
    set_capacity({"San Ysidro": 5})
    run_allocation()
    notices = list(OutboxMessage.objects.filter(registration=family, kind="notice"))
    assert {m.channel for m in notices} == {"sms", "email"}
    for notice in notices:
        assert family.number in notice.body
        raw = _raw_body(notice.pk)
        assert raw.startswith("gAAAA") and family.number not in raw
    services.outbox_deliver()
    assert [_raw_body(n.pk) for n in notices] == ["", ""]


def test_a_message_that_fails_keeps_its_text_encrypted_until_its_last_attempt(
    register: Callable[..., Registration], settings: Any
) -> None:
    family = register(size=1)
    message, code = _pin_code_message(family)
    # A gateway nobody answers on this machine: every attempt fails.
    settings.ASILO_SMS_BACKEND = HTTP_SMS
    settings.ASILO_SMS_GATEWAY_URL = "http://127.0.0.1:9/messages"
    settings.ASILO_SMS_GATEWAY_TOKEN = "token"
    settings.ASILO_SMS_GATEWAY_TIMEOUT = 2
    for attempt in range(1, services.MAX_ATTEMPTS):
        assert services.outbox_deliver(message_ids=[message.pk]).failed == 1
        raw = _raw_body(message.pk)
        assert raw.startswith("gAAAA") and code not in raw, attempt
        assert CODE.search(OutboxMessage.objects.get(pk=message.pk).body), attempt
    # The last attempt fails too: the message will never be sent, its text goes.
    assert services.outbox_deliver(message_ids=[message.pk]).failed == 1
    failed = OutboxMessage.objects.get(pk=message.pk)
    assert (failed.status, failed.attempts) == (MessageStatus.FAILED, services.MAX_ATTEMPTS)
    assert failed.body == "" and _raw_body(message.pk) == ""
    assert "gateway unreachable" in failed.last_error and code not in failed.last_error


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_waiting_texts_and_empties_sent_ones(
    register: Callable[..., Registration],
) -> None:
    family = register(size=1)
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps.get_model("appointments", "OutboxMessage")
    common = {"registration_id": family.pk, "channel": "sms", "address": "+526641234567"}
    waiting = old.objects.create(
        kind="pin_code",
        language="es",
        body=f"Registro {family.number}. Tu código es 123456.",
        **common,
    )
    sent = old.objects.create(
        kind="pin_code", language="es", body="Tu código es 654321.", status="sent", **common
    )
    given_up = old.objects.create(
        kind="notice",
        language="es",
        body=f"Registro {family.number}.",
        status="failed",
        attempts=5,
        **common,
    )
    assert _raw_body(waiting.pk).endswith("123456.")  # in clear before
    # Forward: the waiting text is encrypted, the others emptied.
    executor = MigrationExecutor(connection)
    executor.migrate(leaves)
    raw = _raw_body(waiting.pk)
    assert raw.startswith("gAAAA") and "123456" not in raw and family.number not in raw
    assert OutboxMessage.objects.get(pk=waiting.pk).body.endswith("Tu código es 123456.")
    assert (_raw_body(sent.pk), _raw_body(given_up.pk)) == ("", "")
    # Backward: the waiting text is back in clear; the emptied ones stay empty.
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    assert _raw_body(waiting.pk) == f"Registro {family.number}. Tu código es 123456."
    assert (_raw_body(sent.pk), _raw_body(given_up.pk)) == ("", "")
    executor = MigrationExecutor(connection)
    executor.migrate(leaves)
    assert _raw_body(waiting.pk).startswith("gAAAA")
