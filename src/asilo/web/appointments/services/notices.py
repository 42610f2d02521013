"""The notification outbox: notices and messages written in the caller's transaction and
delivered by a background task after commit; the family's contact for notices and a notice
sent again."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from asilo.web.appointments import selectors
from asilo.web.appointments.backends import DeliveryError
from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.errors import AppointmentErrorCode as C
from asilo.web.appointments.models import (
    Appointment,
    Channel,
    MessageKind,
    MessageStatus,
    NoticeContact,
    OutboxMessage,
)
from asilo.web.appointments.notifications import (
    backend_for,
    notice_language,
    render_message,
)
from asilo.web.appointments.selectors.families import (
    contact_of,
)
from asilo.web.appointments.selectors.planning import (
    window_over,
)
from asilo.web.appointments.services.common import (
    APPOINTMENT,
    MAX_ATTEMPTS,
    RESEND_LIMIT_PER_DAY,
    RESENT,
    locked_booked,
    may_act_for,
)
from asilo.web.audit.models import AuditAction, AuditEntry
from asilo.web.audit.services import audit_change
from asilo.web.registrations.hooks import OneTimeCode
from asilo.web.registrations.models import (
    Registration,
)
from asilo.web.registrations.services.common import FamilyOrStaff
from asilo.web.registrations.validation import normalise_phone

logger = logging.getLogger("asilo.web.appointments.services")


def notice_url() -> str:
    base = getattr(settings, "ASILO_PUBLIC_URL", "").rstrip("/")
    return base + reverse("appointments:family_login")


def message_context(appointment: Appointment, kind: str) -> dict[str, Any]:
    registration = appointment.registration
    return {
        "kind": kind,
        "number": registration.number,
        "date": appointment.date,
        "window_start": appointment.window_start,
        "window_end": appointment.window_end,
        "port": appointment.port,
        "family_size": appointment.family_size,
        "url": notice_url(),
        "returns_to_queue": kind == MessageKind.NO_SHOW
        and selectors.no_show_count(registration) < 2,
    }


def outbox_rows(
    registration: Registration,
    kind: str,
    context: dict[str, Any],
    *,
    language: str,
    to: Iterable[tuple[str, str | None]],
    now: datetime,
    appointment: Appointment | None = None,
) -> list[OutboxMessage]:
    """One message of ``kind`` to the family, rendered once in its language (``language``,
    the family's choice, or the notices' default), as an unsaved outbox row for each
    (channel, address) of ``to`` that has an address."""
    language = notice_language(language)
    subject, body = render_message(kind, language, context)
    return [
        OutboxMessage(
            registration=registration,
            appointment=appointment,
            kind=kind,
            channel=channel,
            address=address,
            language=language,
            subject=subject,
            body=body,
            created_at=now,
        )
        for channel, address in to
        if address
    ]


def queue_messages(appointments: Iterable[Appointment], kind: str, *, now: datetime) -> list[int]:
    """Outbox rows (e-mail and/or SMS) for each appointment's family, in its language."""
    messages = []
    for appointment in appointments:
        if kind == MessageKind.NOTICE and window_over(
            appointment.port, appointment.date, appointment.window_end, now
        ):
            continue  # never a notice for a window that has ended
        phone, email, language = contact_of(appointment.registration)
        messages += outbox_rows(
            appointment.registration,
            kind,
            message_context(appointment, kind),
            language=language,
            to=((Channel.EMAIL, email), (Channel.SMS, phone)),
            now=now,
            appointment=appointment,
        )
    created = OutboxMessage.objects.bulk_create(messages, batch_size=500)
    if created and created[0].pk is None:  # backends that do not return ids from bulk_create
        return list(
            OutboxMessage.objects.filter(
                appointment__in=[a.pk for a in appointments], created_at=now, kind=kind
            ).values_list("id", flat=True)
        )
    return [m.pk for m in created]


def deliver_after_commit(message_ids: list[int]) -> None:
    if not message_ids:
        return

    def enqueue() -> None:
        from asilo.web.appointments.tasks import deliver_outbox

        for k in range(0, len(message_ids), 500):
            deliver_outbox.enqueue(message_ids=message_ids[k : k + 500])

    transaction.on_commit(enqueue)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int


def outbox_deliver(
    *, message_ids: Sequence[int] | None = None, limit: int = 1000
) -> DeliveryReport:
    """Send pending (and failed, up to ``MAX_ATTEMPTS``) outbox messages, each in its own
    transaction with its row locked, so two workers never send one message twice. A message
    sent, or failed for the last time, loses its text: it names the registration and may hold
    a one-time code, and nothing reads it again (a notice sent again is a new message)."""
    pending = OutboxMessage.objects.filter(
        status__in=[MessageStatus.PENDING, MessageStatus.FAILED], attempts__lt=MAX_ATTEMPTS
    )
    if message_ids is not None:
        pending = pending.filter(pk__in=list(message_ids))
    sent = failed = 0
    skip = connection.features.has_select_for_update_skip_locked
    for message_id in list(pending.order_by("id").values_list("id", flat=True)[:limit]):
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=skip)
                .filter(pk=message_id, status__in=[MessageStatus.PENDING, MessageStatus.FAILED])
                .first()
            )
            if message is None:
                continue
            message.attempts += 1
            try:
                backend_for(message.channel).send(message)
            except (DeliveryError, OSError) as exc:
                message.status = MessageStatus.FAILED
                message.last_error = f"{type(exc).__name__}: {exc}"[:300]
                failed += 1
                logger.warning(
                    "outbox message %s failed (attempt %s)", message.pk, message.attempts
                )
            else:
                message.status = MessageStatus.SENT
                message.sent_at = timezone.now()
                message.last_error = ""
                sent += 1
            if message.status == MessageStatus.SENT or message.attempts >= MAX_ATTEMPTS:
                message.body = ""
            message.save(update_fields=["status", "attempts", "last_error", "sent_at", "body"])
    return DeliveryReport(sent=sent, failed=failed)


def notice_contact_change(
    *,
    actor: FamilyOrStaff,
    registration: Registration,
    phone: str = "",
    email: str = "",
    language: str = "",
    now: datetime | None = None,
) -> NoticeContact:
    """The family changes where its notices go (phone for SMS, e-mail, language)."""
    may_act_for(actor, registration)
    now = now or timezone.now()
    clean_phone = normalise_phone(phone.strip()) if phone.strip() else None
    if phone.strip() and clean_phone is None:
        raise AppointmentError(C.PHONE_INVALID, "phone")
    clean_email = email.strip().lower() or None
    if clean_email:
        try:
            validate_email(clean_email)
        except ValidationError as exc:
            raise AppointmentError(C.EMAIL_INVALID, "email") from exc
    if not clean_phone and not clean_email:
        raise AppointmentError(C.CONTACT_REQUIRED, "phone")
    if language and language not in ("en", "es", "ht"):
        raise AppointmentError(C.LANGUAGE_INVALID, "language")
    with transaction.atomic():
        contact, _created = NoticeContact.objects.select_for_update().get_or_create(
            registration=registration
        )
        changed = []
        if contact.phone != clean_phone:
            changed.append("phone")
        if contact.email != clean_email:
            changed.append("email")
        contact.phone = clean_phone
        contact.email = clean_email
        if language:
            if contact.language != language:
                changed.append("language")
            contact.language = language
        contact.updated_at = now
        contact.save()
        audit_change(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=registration,
            after={"notice_contact_changed": sorted(changed)},
            note="notice contact changed",
        )
    return contact


def notice_resend(
    *, actor: FamilyOrStaff, registration: Registration, now: datetime | None = None
) -> list[int]:
    """Send the notice of the family's booked appointment again (limited per day)."""
    may_act_for(actor, registration)
    now = now or timezone.now()
    with transaction.atomic():
        appointment = locked_booked(registration)
        if window_over(appointment.port, appointment.date, appointment.window_end, now):
            raise AppointmentError(C.WINDOW_OVER)
        start_of_day = timezone.make_aware(datetime.combine(timezone.localdate(now), time(0)))
        sent_today = AuditEntry.objects.filter(
            object_type=APPOINTMENT,
            object_id=str(appointment.pk),
            note=RESENT,
            at__gte=start_of_day,
        ).count()
        if sent_today >= RESEND_LIMIT_PER_DAY:
            raise AppointmentError(C.RESEND_LIMIT, limit=RESEND_LIMIT_PER_DAY)
        phone, email, _ = contact_of(registration)
        if not phone and not email:
            raise AppointmentError(C.NO_CONTACT)
        ids = queue_messages([appointment], MessageKind.NOTICE, now=now)
        audit_change(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=appointment,
            after={"messages": ids},
            note=RESENT,
        )
        deliver_after_commit(ids)
    return ids


def send_one_time_code(registration: Registration, message: OneTimeCode) -> None:
    """A one-time code, through the outbox in the family's language, delivered after the
    caller's transaction commits: a PIN recovery's (``registrations.services.pin``) or, with
    ``kind="contact_code"``, the self-service contact verification's
    (``registrations.services.contact``)."""
    if message.kind not in (MessageKind.PIN_CODE, MessageKind.CONTACT_CODE):
        raise ValueError(f"not a one-time code message: {message.kind}")
    _phone, _email, language = contact_of(registration)
    (row,) = outbox_rows(
        registration,
        message.kind,
        {"number": registration.number, "code": message.code, "minutes": message.minutes},
        language=language,
        to=[(message.channel, message.address)],
        now=message.now,
    )
    row.save()
    deliver_after_commit([row.pk])
