"""The notification outbox: rows written with the appointments, delivered by the django-tasks
task only after commit, through the e-mail and SMS backends, in the family's language."""

from __future__ import annotations

from typing import Any

import pytest
from appointment_helpers import DAY, NOW
from django.core import mail
from django.db import transaction

from asilo.web.appointments import services
from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.models import MessageStatus, NoticeContact, OutboxMessage
from asilo.web.appointments.notifications import LocmemSmsBackend

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = IMMEDIATE


def test_notices_delivered_by_the_task_after_commit_only(
    register, set_capacity, supervisor, program, immediate_tasks, django_capture_on_commit_callbacks
) -> None:
    family = register(size=3, language="ht")
    set_capacity({"San Ysidro": 5})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.allocation_run(actor=supervisor, program=program, start=DAY, seed=3, now=NOW)
    # Written in the run's transaction, not yet sent: delivery waits for the commit.
    messages = list(OutboxMessage.objects.filter(registration=family, kind="notice"))
    assert {m.channel for m in messages} == {"email", "sms"}
    assert all(m.status == MessageStatus.PENDING for m in messages)
    assert mail.outbox == [] and LocmemSmsBackend.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the task is enqueued (and runs at once with this backend)
    assert {m.status for m in OutboxMessage.objects.filter(registration=family)} == {"sent"}
    (email,) = mail.outbox
    assert email.to == ["familia@example.org"]
    assert family.number in email.body and "San Ysidro" in email.body
    assert "Jean" not in email.body  # no names in messages
    (sms,) = LocmemSmsBackend.outbox
    assert sms.to == "+526641234567" and sms.language == "ht"
    assert run.appointments.get().port in sms.body


def test_message_in_the_family_language(register, set_capacity, run_allocation) -> None:
    register(size=1, language="es")
    register(size=1, language="ht")
    register(size=1, language="en")
    set_capacity({"San Ysidro": 5})
    run_allocation()
    subjects = {m.language: m.subject for m in OutboxMessage.objects.filter(channel="email")}
    assert subjects["en"] == "asilo: your appointment at a port of entry"
    assert subjects["es"] != subjects["en"] and subjects["ht"] != subjects["en"]
    assert subjects["es"] != subjects["ht"]


def test_nothing_sent_when_the_transaction_rolls_back(
    register, set_capacity, supervisor, program, immediate_tasks
) -> None:
    register()
    set_capacity({"San Ysidro": 5})

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.allocation_run(actor=supervisor, program=program, start=DAY, seed=3, now=NOW)
        raise Boom
    assert OutboxMessage.objects.filter(kind="notice").count() == 0 and mail.outbox == []


def test_failed_delivery_is_retried(register, set_capacity, run_allocation, settings: Any) -> None:
    register()
    set_capacity({"San Ysidro": 5})
    run_allocation()
    settings.EMAIL_BACKEND = "tests_email_backend_that_does_not_exist"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    report = services.outbox_deliver()
    assert report.failed == 1 and report.sent == 1  # the SMS went, the e-mail did not
    failed = OutboxMessage.objects.get(channel="email")
    assert failed.status == MessageStatus.FAILED and failed.attempts == 1 and failed.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    again = services.outbox_deliver()
    assert (again.sent, again.failed) == (1, 0)
    assert OutboxMessage.objects.get(channel="email").status == MessageStatus.SENT
    assert len(mail.outbox) == 1


def test_resend_and_contact_change(
    register, set_capacity, run_allocation, immediate_tasks, django_capture_on_commit_callbacks
) -> None:
    family = register(size=2)
    set_capacity({"San Ysidro": 5})
    run_allocation()
    services.notice_contact_change(
        actor=None, registration=family, phone="+52 (686) 555-0101", email="", language="es"
    )
    contact = NoticeContact.objects.get(registration=family)
    assert contact.phone == "+526865550101" and contact.email is None
    with django_capture_on_commit_callbacks(execute=True):
        ids = services.notice_resend(actor=None, registration=family, now=NOW)
    (message,) = OutboxMessage.objects.filter(pk__in=ids)
    assert message.channel == "sms" and message.address == "+526865550101"
    assert message.language == "es" and message.status == MessageStatus.SENT
    for _ in range(services.RESEND_LIMIT_PER_DAY - 1):
        services.notice_resend(actor=None, registration=family, now=NOW)
    with pytest.raises(AppointmentError) as err:
        services.notice_resend(actor=None, registration=family, now=NOW)
    assert err.value.code == "resend_limit"


@pytest.mark.parametrize(
    "phone,email,code",
    [
        ("12", "", "phone_invalid"),
        ("", "not-an-email", "email_invalid"),
        ("", "", "contact_required"),
    ],
)
def test_bad_contact_refused(register, phone, email, code) -> None:
    family = register()
    with pytest.raises(AppointmentError) as err:
        services.notice_contact_change(actor=None, registration=family, phone=phone, email=email)
    assert err.value.code == code
    assert not NoticeContact.objects.filter(registration=family).exists()
