"""What the appointments app answers the registrations app (``registrations.hooks``).

Registered once in :class:`~asilo.web.appointments.apps.AppointmentsConfig`'s ``ready()``:
the registrations app never imports this app, it asks through its hooks.
"""

from __future__ import annotations

from django.db.models import Q

from asilo.web.appointments import selectors, services
from asilo.web.registrations.hooks import AppointmentRef, Contact, ExpectedDays, OneTimeCode
from asilo.web.registrations.models import Registration


class AppointmentsForRegistrations:
    def contact_of(self, registration: Registration) -> Contact:
        phone, email, language = selectors.contact_of(registration)
        return Contact(phone=phone, email=email, language=language)

    def send_one_time_code(self, registration: Registration, message: OneTimeCode) -> None:
        services.send_one_time_code(registration, message)

    def current_appointment(self, registration: Registration) -> AppointmentRef | None:
        appointment = selectors.current_appointment(registration.number)
        if appointment is None:
            return None
        return AppointmentRef(
            id=appointment.pk,
            status=appointment.status,
            date=appointment.date,
            start=appointment.window_start,
            end=appointment.window_end,
            port=appointment.port,
        )

    def expected_days(self, registration: Registration) -> ExpectedDays | None:
        window = selectors.expected_window(registration)
        if window is None:
            return None
        return ExpectedDays(
            earliest=window.best.day,
            latest=window.worst.day,
            days=window.horizon_days,
            ports=window.ports,
        )

    def at_port(self, port: str) -> Q:
        return Q(appointments__port=port)
