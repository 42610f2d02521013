"""Reads about families: the queue a run sees, a family's appointments and no-shows, where its
notices go."""

from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery

from asilo.web.appointments.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    NoticeContact,
)
from asilo.web.registrations.fraud import held_registrations
from asilo.web.registrations.lifecycle import IN_QUEUE
from asilo.web.registrations.models import (
    Member,
    Program,
    Registration,
)

#: A family's appointments in these statuses keep it out of the queue.
_KEEPS_OUT = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.CANCELLED,
)


MAX_NO_SHOWS_IN_QUEUE = 1


def allocation_queue(program: Program) -> QuerySet[Registration]:
    """Families of ``program`` waiting for an appointment: status ``waiting`` in the
    registration's lifecycle (``registrations.lifecycle``), which every page, the API and the
    runs page read too, and not held for review by a fraud signal. Annotated with
    ``n_members``."""
    members = (
        Member.objects.filter(registration=OuterRef("pk"))
        .values("registration")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Registration.objects.filter(program=program, status__in=IN_QUEUE)
        .exclude(id__in=held_registrations())  # held for review (registrations.fraud)
        .annotate(n_members=Subquery(members))
        .order_by("id")
    )


def no_show_count(registration: Registration) -> int:
    return Appointment.objects.filter(
        registration=registration, status=AppointmentStatus.NO_SHOW
    ).count()


def current_appointment(number: str) -> Appointment | None:
    """The booked (or checked-in) appointment of the registration with this number."""
    return (
        Appointment.objects.select_related("registration")
        .filter(registration__number=number, status__in=ACTIVE_STATUSES)
        .first()
    )


def latest_appointment(registration: Registration) -> Appointment | None:
    return (
        Appointment.objects.filter(registration=registration).order_by("-created_at", "-id").first()
    )


def families_waiting(program: Program) -> int:
    return allocation_queue(program).count()


def contact_of(registration: Registration) -> tuple[str | None, str | None, str]:
    """(phone, e-mail, language) for notices: the family's latest choice, else as registered."""
    own = NoticeContact.objects.filter(registration=registration).first()
    if own is not None:
        return own.phone, own.email, own.language or registration.language
    phone = registration.contact_phone or registration.contact_whatsapp
    return phone, registration.contact_email, registration.language
