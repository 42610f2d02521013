"""Notification backends behind one interface, and the texts of the messages.

``backend_for(channel).send(message)`` delivers one outbox message:

- e-mail through Django's mail (``EMAIL_BACKEND``: SMTP configured from ``ASILO_SMTP_*`` in
  production, console in the demo, locmem in tests);
- SMS through the class named by ``ASILO_SMS_BACKEND``: the HTTP gateway adapter
  (:class:`asilo.web.appointments.backends.HttpSmsBackend`) when ``ASILO_SMS_GATEWAY_URL`` is
  set, else the console backend, which prints the message; ``LocmemSmsBackend`` keeps them in
  memory for tests.

:mod:`asilo.web.appointments.backends` chooses them from the environment; production refuses
the printing ones unless told otherwise. ``send`` returns only when the backend accepted the
message and raises :class:`DeliveryError` otherwise: only then is a message marked *sent*.

Message texts come from templates rendered in the family's language (English, Spanish,
Haitian Creole); they carry dates, the port and the registration number, never names.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from asilo.web.appointments.backends import CONSOLE_SMS, DeliveryError
from asilo.web.appointments.models import Channel

if TYPE_CHECKING:
    from asilo.web.appointments.models import OutboxMessage

DEFAULT_SMS_BACKEND = CONSOLE_SMS

#: The names Django's ``date`` filter looks up (``l j F Y``). Django ships no Haitian Creole
#: catalogue, so this app's ``ht`` catalogue translates them; marked here for makemessages.
DATE_WORDS = (
    gettext_noop("Monday"),
    gettext_noop("Tuesday"),
    gettext_noop("Wednesday"),
    gettext_noop("Thursday"),
    gettext_noop("Friday"),
    gettext_noop("Saturday"),
    gettext_noop("Sunday"),
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)
LANGUAGES = ("en", "es", "ht")


class NotificationBackend(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


class EmailBackend:
    """E-mail through Django's configured mail backend."""

    def send(self, message: OutboxMessage) -> None:
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=getattr(settings, "ASILO_NOTICE_FROM_EMAIL", None),
            to=[message.address],
        )
        try:
            accepted = email.send(fail_silently=False)
        except (OSError, ValueError) as exc:
            # The class only: an SMTP server's answer may repeat the address.
            raise DeliveryError(type(exc).__name__) from None
        if accepted != 1:
            raise DeliveryError("the mail backend accepted nothing")


def masked(address: str) -> str:
    """``+526641234567`` → ``+52******4567``: enough to tell two demo families apart."""
    keep = 3 if address.startswith("+") else 2
    if len(address) <= keep + 4:
        return "*" * len(address)
    return address[:keep] + "*" * (len(address) - keep - 4) + address[-4:]


class ConsoleSmsBackend:
    """Prints each SMS to standard output (the demo's backend, like Django's console mail),
    the number masked."""

    def send(self, message: OutboxMessage) -> None:
        stream = sys.stdout
        stream.write(
            f"--- SMS to {masked(message.address)} ({message.language})\n{message.body}\n---\n"
        )
        stream.flush()


@dataclass(frozen=True)
class SentSms:
    to: str
    body: str
    language: str


class LocmemSmsBackend:
    """Keeps sent SMS in ``LocmemSmsBackend.outbox`` (tests)."""

    outbox: ClassVar[list[SentSms]] = []

    def send(self, message: OutboxMessage) -> None:
        LocmemSmsBackend.outbox.append(SentSms(message.address, message.body, message.language))


def backend_for(channel: str) -> NotificationBackend:
    if channel == Channel.EMAIL:
        return EmailBackend()
    path = getattr(settings, "ASILO_SMS_BACKEND", DEFAULT_SMS_BACKEND)
    backend: NotificationBackend = import_string(path)()
    return backend


def notice_language(language: str) -> str:
    return language if language in LANGUAGES else "es"


def render_message(kind: str, language: str, context: dict[str, object]) -> tuple[str, str]:
    """(subject, body) of a message of ``kind`` in ``language``."""
    with translation.override(notice_language(language)):
        text = render_to_string(f"appointments/messages/{kind}.txt", context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), "\n".join(line.rstrip() for line in body.strip().splitlines())
