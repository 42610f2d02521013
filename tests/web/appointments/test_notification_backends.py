"""Notifications are real or refused (issue 11, finding 4: "in production, e-mail defaults
to the console backend and the SMS backend cannot be set from the environment ... and the
messages are marked sent").

The SMS gateway and the SMTP server are real processes on free ports (``fake_sms_gateway.py``,
``smtp_sink.py``); the backends reach them over the network as they would a provider.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from notify_processes import sms_gateway, smtp_sink

from asilo.web.appointments import services
from asilo.web.appointments.backends import (
    HTTP_SMS,
    SMTP,
    NotificationConfigError,
    notification_settings,
)
from asilo.web.appointments.models import MessageStatus, OutboxMessage
from asilo.web.appointments.notifications import render_message
from asilo.web.appointments.services.notices import message_context

STRONG_KEY = secrets.token_urlsafe(48)
STRONG_SALT = secrets.token_urlsafe(16)
PHONE = "+526641234567"  # what appointment_helpers.family_doc registers
EMAIL = "familia@example.org"


def _use_gateway(settings: Any, url: str, token: str) -> None:
    settings.ASILO_SMS_BACKEND = HTTP_SMS
    settings.ASILO_SMS_GATEWAY_URL = url
    settings.ASILO_SMS_GATEWAY_TOKEN = token
    settings.ASILO_SMS_GATEWAY_TIMEOUT = 5


def _use_smtp(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.ASILO_NOTICE_FROM_EMAIL = "avisos@asilo.example.org"


def test_sms_reach_the_http_gateway_and_email_the_smtp_server(
    register, set_capacity, run_allocation, settings: Any, tmp_path: Path
) -> None:
    """Finding 4: both channels deliver through real backends; a message is sent only once
    the gateway or the SMTP server accepted it."""
    family = register(size=2)
    set_capacity({"San Ysidro": 5})
    run = run_allocation()
    with sms_gateway() as gateway, smtp_sink(tmp_path / "mail.jsonl") as sink:
        _use_gateway(settings, gateway.url, gateway.token)
        _use_smtp(settings, sink.port)
        report = services.outbox_deliver()
        assert (report.sent, report.failed) == (2, 0)
        (sms,) = gateway.messages()
        (mail,) = sink.messages()
    message = OutboxMessage.objects.get(registration=family, channel="sms", kind="notice")
    appointment = run.appointments.get()
    _subject, text = render_message(
        "notice", message.language, message_context(appointment, "notice")
    )
    assert sms == {"to": PHONE, "body": text, "reference": f"asilo-outbox-{message.pk}"}
    assert message.body == ""  # sent: the outbox keeps no copy of the text
    assert family.number in sms["body"] and run.appointments.get().port in sms["body"]
    assert mail["to"] == [EMAIL] and mail["from"] == "avisos@asilo.example.org"
    assert family.number in mail["data"]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


def test_a_refused_message_is_not_marked_sent_and_is_retried(
    register, set_capacity, run_allocation, settings: Any, tmp_path: Path
) -> None:
    """Finding 4: the gateway refuses (503), the token is wrong (401), the SMTP server
    refuses the recipient (550), the gateway is down: never "sent"; the outbox retries."""
    register(size=1)
    set_capacity({"San Ysidro": 5})
    run_allocation()
    sms = OutboxMessage.objects.get(channel="sms", kind="notice")
    email = OutboxMessage.objects.get(channel="email", kind="notice")
    with (
        sms_gateway(refuse=(PHONE,)) as gateway,
        smtp_sink(tmp_path / "mail.jsonl", refuse=(EMAIL,)) as sink,
    ):
        _use_gateway(settings, gateway.url, gateway.token)
        _use_smtp(settings, sink.port)
        assert services.outbox_deliver() == services.DeliveryReport(sent=0, failed=2)
        assert gateway.messages() == [] and sink.messages() == []
        sms.refresh_from_db()
        email.refresh_from_db()
        assert (sms.status, sms.attempts, sms.sent_at) == (MessageStatus.FAILED, 1, None)
        assert sms.last_error == "DeliveryError: gateway answered 503"
        assert (email.status, email.attempts) == (MessageStatus.FAILED, 1)
        assert "SMTPRecipientsRefused" in email.last_error and EMAIL not in email.last_error
        # A wrong token: the gateway answers 401; still not sent.
        _use_gateway(settings, gateway.url, "not-the-token")
        services.outbox_deliver(message_ids=[sms.pk])
        sms.refresh_from_db()
        assert (sms.status, sms.attempts) == (MessageStatus.FAILED, 2)
        assert sms.last_error.endswith("gateway answered 401")
    # The gateway is gone: not sent either.
    services.outbox_deliver(message_ids=[sms.pk])
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (MessageStatus.FAILED, 3)
    assert "gateway unreachable" in sms.last_error
    # A gateway that accepts: the retry goes out, once, with the same reference.
    with sms_gateway() as gateway:
        _use_gateway(settings, gateway.url, gateway.token)
        assert services.outbox_deliver(message_ids=[sms.pk]).sent == 1
        (delivered,) = gateway.messages()
    assert delivered["reference"] == f"asilo-outbox-{sms.pk}"
    sms.refresh_from_db()
    assert sms.status == MessageStatus.SENT and sms.attempts == 4 and sms.sent_at is not None


# --- choosing the backends from the environment ---------------------------------------------


def test_backends_come_from_the_environment() -> None:
    """Finding 4: SMTP and the SMS gateway are set from the environment alone."""
    values = notification_settings(
        {
            "ASILO_SMTP_HOST": "smtp.example.org",
            "ASILO_SMTP_USER": "asilo",
            "ASILO_SMTP_PASSWORD": "pw",
            "ASILO_NOTICE_FROM_EMAIL": "avisos@example.org",
            "ASILO_SMS_GATEWAY_URL": "https://sms.example.org/v1/messages",
            "ASILO_SMS_GATEWAY_TOKEN": "tok",
        },
        production=True,
    )
    assert values["EMAIL_BACKEND"] == SMTP and values["ASILO_SMS_BACKEND"] == HTTP_SMS
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"], values["EMAIL_USE_TLS"]) == (
        "smtp.example.org",
        587,
        True,
    )
    assert values["EMAIL_HOST_USER"] == "asilo" and values["EMAIL_HOST_PASSWORD"] == "pw"
    implicit = notification_settings(
        {"ASILO_SMTP_HOST": "smtp.example.org", "ASILO_SMTP_SSL": "1", "ASILO_SMTP_STARTTLS": "0"},
        production=False,
    )
    assert implicit["EMAIL_PORT"] == 465 and implicit["EMAIL_USE_SSL"] is True


@pytest.mark.parametrize(
    "env,problem",
    [
        ({}, "Production sends real notifications"),
        ({"ASILO_SMTP_HOST": "smtp.example.org"}, "asilo.web.appointments.notifications.Console"),
        (
            {"ASILO_SMS_GATEWAY_URL": "https://sms.example.org/v1/messages"},
            "needs ASILO_SMS_GATEWAY_URL and ASILO_SMS_GATEWAY_TOKEN",
        ),
        (
            {
                "ASILO_SMTP_HOST": "smtp.example.org",
                "ASILO_SMS_GATEWAY_URL": "http://sms.example.org/v1/messages",
                "ASILO_SMS_GATEWAY_TOKEN": "tok",
            },
            "must use https in production",
        ),
        (
            {"ASILO_SMTP_HOST": "smtp.example.org", "ASILO_SMTP_PORT": "smtp"},
            "ASILO_SMTP_PORT must be a whole number",
        ),
        ({"ASILO_SMTP_HOST": "h", "ASILO_SMTP_USER": "u"}, "go together"),
        ({"ASILO_SMTP_HOST": "h", "ASILO_SMTP_SSL": "1"}, "not both"),
    ],
)
def test_production_refuses_notifications_that_cannot_work(
    env: dict[str, str], problem: str
) -> None:
    with pytest.raises(NotificationConfigError) as err:
        notification_settings(env, production=True)
    assert problem in str(err.value)


def test_console_backends_only_when_production_says_so() -> None:
    values = notification_settings({"ASILO_ALLOW_CONSOLE_NOTIFICATIONS": "1"}, production=True)
    assert values["EMAIL_BACKEND"].endswith("console.EmailBackend")
    demo = notification_settings({}, production=False)
    assert demo["ASILO_SMS_BACKEND"].endswith("ConsoleSmsBackend")


def _production(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ASILO_", "DATABASE_URL"))}
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.EMAIL_BACKEND, settings.ASILO_SMS_BACKEND)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "asilo.web.settings",
            "ASILO_SECRET_KEY": STRONG_KEY,
            "ASILO_FIELD_ENCRYPTION_SALT": STRONG_SALT,
            "ASILO_VAR_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_server_refuses_to_start_with_console_notifications(tmp_path: Path) -> None:
    """Finding 4: production with no notification settings used to print e-mail to the
    console and mark it sent; it now refuses to start, saying what to set."""
    refused = _production({}, tmp_path)
    assert refused.returncode != 0
    assert "ImproperlyConfigured: Production sends real notifications" in refused.stderr
    assert "ASILO_ALLOW_CONSOLE_NOTIFICATIONS=1" in refused.stderr
    allowed = _production({"ASILO_ALLOW_CONSOLE_NOTIFICATIONS": "1"}, tmp_path)
    assert allowed.returncode == 0, allowed.stderr
    real = _production(
        {
            "ASILO_SMTP_HOST": "smtp.example.org",
            "ASILO_SMS_GATEWAY_URL": "https://sms.example.org/v1/messages",
            "ASILO_SMS_GATEWAY_TOKEN": "tok",
        },
        tmp_path,
    )
    assert real.returncode == 0, real.stderr
    assert real.stdout.split() == [SMTP, HTTP_SMS]
