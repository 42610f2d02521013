"""The appointment as a calendar file (RFC 5545 ``.ics``): one event in UTC, the port's
address as its location, the text in the family's language. No names: the registration
number, the port, the time and what to bring."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from asilo.web.appointments.models import Appointment
from asilo.web.appointments.ports import port_info, zone_of


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _utc(appointment: Appointment, moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def appointment_ics(appointment: Appointment, language: str) -> str:
    zone = zone_of(appointment.port)
    start = datetime.combine(appointment.date, appointment.window_start, tzinfo=zone)
    end = datetime.combine(appointment.date, appointment.window_end, tzinfo=zone)
    port = port_info(appointment.port)
    with translation.override(language):
        summary = _("Appointment at the port of entry of %(port)s") % {"port": appointment.port}
        description = "\n".join(
            [
                _("Registration %(number)s") % {"number": appointment.registration.number},
                _("The whole family comes together. Nobody is checked in alone."),
                _("Bring the identity documents of every member and this notice with its QR code."),
                _(
                    "If you miss this window, do not go to the border without a new"
                    " appointment: see your status page."
                ),
            ]
        )
    location = (
        f"{port.crossing}, {port.address}, {port.city}, {port.state}" if port else appointment.port
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//asilo//appointments//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:appointment-{appointment.pk}@asilo",
        f"DTSTAMP:{_utc(appointment, timezone.now())}",
        f"DTSTART:{_utc(appointment, start)}",
        f"DTEND:{_utc(appointment, end)}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(location)}",
        f"DESCRIPTION:{_escape(description)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
