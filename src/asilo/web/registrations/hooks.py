"""What the registrations app asks of the app built on it, without importing it.

The appointments app depends on registrations, never the reverse. Where a registration's
page or service needs something only the appointments app knows (where the family's notices
go and how to send it a one-time code, its current appointment, the days it can expect one,
the registrations with an appointment at a port), it asks :func:`appointments`, which the
appointments app fills once in its ``AppConfig.ready()`` through :func:`register`. Without it
(the registrations app on its own) the answers come from the registration alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol

from django.db.models import Q

from asilo.web.registrations.models import Registration


@dataclass(frozen=True)
class Contact:
    """Where the family's messages go and in which language."""

    phone: str | None
    email: str | None
    language: str


@dataclass(frozen=True)
class OneTimeCode:
    """A one-time code for the family's contact: ``code`` to ``address`` by ``channel``
    (``sms`` or ``email``), valid ``minutes`` from ``now``; ``kind`` is the message,
    ``pin_code`` for a PIN recovery or ``contact_code`` for the contact verification."""

    channel: str
    address: str
    code: str
    minutes: int
    now: datetime
    kind: str = "pin_code"


@dataclass(frozen=True)
class AppointmentRef:
    """The family's offered (or used) appointment, as the registration pages show it."""

    id: int
    status: str
    date: date
    start: time
    end: time
    port: str


@dataclass(frozen=True)
class ExpectedDays:
    """For a family still waiting: the range of days in which it can expect its appointment."""

    earliest: date | None
    latest: date | None
    days: int
    ports: tuple[str, ...]


class AppointmentsHooks(Protocol):
    def contact_of(self, registration: Registration) -> Contact:
        """Where the family's notices go: its latest choice, else as registered."""
        ...

    def send_one_time_code(self, registration: Registration, message: OneTimeCode) -> None:
        """Queue a one-time code in the family's language, delivered after the caller's
        transaction commits."""
        ...

    def current_appointment(self, registration: Registration) -> AppointmentRef | None: ...

    def expected_days(self, registration: Registration) -> ExpectedDays | None: ...

    def at_port(self, port: str) -> Q:
        """The registrations with an appointment at ``port`` (a filter on Registration)."""
        ...


class RegistrationsAlone:
    """The answers without the appointments app: the registration's own contact, no
    appointment, no estimate, no message can be sent."""

    def contact_of(self, registration: Registration) -> Contact:
        return Contact(
            phone=registration.contact_phone or registration.contact_whatsapp,
            email=registration.contact_email,
            language=registration.language,
        )

    def send_one_time_code(self, registration: Registration, message: OneTimeCode) -> None:
        raise RuntimeError("no notification outbox: the appointments app is not installed")

    def current_appointment(self, registration: Registration) -> AppointmentRef | None:
        return None

    def expected_days(self, registration: Registration) -> ExpectedDays | None:
        return None

    def at_port(self, port: str) -> Q:
        return Q(pk__in=[])


_provider: AppointmentsHooks = RegistrationsAlone()


def register(provider: AppointmentsHooks) -> None:
    """Called once by the appointments app's ``AppConfig.ready()``."""
    global _provider
    _provider = provider


def appointments() -> AppointmentsHooks:
    return _provider
