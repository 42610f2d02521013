"""A self-service family confirms its phone or e-mail before it joins the queue (issue 11).

A self-service registration that the rules admit does not go straight to the queue: it is
*needs verification* (reason ``contact_unverified``) and a one-time code goes to the phone
(SMS) or else the e-mail it gave, through the notification outbox. Typing the code back (the
confirmation page, the status page or ``POST /api/v1/registrations/{number}/contact``) puts
the family in the queue (``waiting``, with the engine's reason again; the audit entry says the
code was typed back) with its place of the day it registered. Only the code's keyed hash is
kept; a code works for :data:`CONTACT_CODE_MINUTES` minutes and :data:`CONTACT_CODE_TRIES`
tries; at most :data:`CONTACT_CODES_PER_DAY` codes a day. Every step is audited (ids only).
A caseworker's call-back that verifies the family also puts it in the queue.

Without the appointments app (no outbox) nothing can be sent: families go to the queue as
before.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from asilo.web.audit.services import audit_refusal
from asilo.web.registrations import hooks
from asilo.web.registrations.eligibility import Outcome
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import (
    Channel,
    ContactVerification,
    Registration,
    Status,
)
from asilo.web.registrations.numbers import normalise_number, pin_hash
from asilo.web.registrations.reasons import CONTACT_UNVERIFIED
from asilo.web.registrations.services.common import record_status
from asilo.web.registrations.services.one_time_codes import issue_one_time_code

CONTACT_CODE_MINUTES = 30
CONTACT_CODE_TRIES = 5
CONTACT_CODES_PER_DAY = 3
UNVERIFIED = CONTACT_UNVERIFIED


def can_send_codes() -> bool:
    return not isinstance(hooks.appointments(), hooks.RegistrationsAlone)


def needs_contact_check(channel: str, status: str) -> bool:
    """A self-service family the rules admit confirms its contact first."""
    return channel == Channel.SELF_SERVICE and status == Status.WAITING and can_send_codes()


def _where(registration: Registration) -> tuple[str, str] | None:
    phone = registration.contact_phone or registration.contact_whatsapp
    if phone:
        return "sms", phone
    if registration.contact_email:
        return "email", registration.contact_email
    return None


def contact_code_send(registration: Registration, *, now: datetime) -> bool:
    """A new code to the family's contact, inside the caller's transaction (sent after it
    commits); ``False`` when the family has no contact or asked too often today."""
    where = _where(registration)
    if where is None:
        return False
    today = ContactVerification.objects.filter(
        registration=registration, created_at__gte=now - timedelta(days=1)
    ).count()
    if today >= CONTACT_CODES_PER_DAY:
        return False
    issue_one_time_code(
        ContactVerification,
        registration,
        contact=where,
        minutes=CONTACT_CODE_MINUTES,
        now=now,
        kind="contact_code",
        purpose="contact_verification",
        note="contact verification: code sent",
    )
    return True


def _engine_answer(registration: Registration) -> Outcome:
    """The policy engine's answer that admitted the family (its last move to ``waiting``),
    which the family's page shows again once it has confirmed its contact."""
    row = (
        registration.status_changes.filter(to_status=Status.WAITING).order_by("-at", "-id").first()
    )
    if row is None:
        return Outcome(eligible=True, reason_code="contact_verified")
    return Outcome(
        eligible=True,
        reason_code=row.reason_code,
        reason_params=dict(row.reason_params),
        rule=row.rule,
        policy_text=row.policy_text,
        citation_title=row.citation_title,
        citation_url=row.citation_url,
        catalogue_version=row.catalogue_version,
    )


def awaiting_code(registration: Registration) -> bool:
    """The family still has to type back the code sent to its contact."""
    if registration.status != Status.NEEDS_VERIFICATION:
        return False
    last = registration.status_changes.order_by("-at", "-id").first()
    return last is not None and last.reason_code == UNVERIFIED


def registration_contact_resend(*, number: str, now: datetime | None = None) -> None:
    """Another code (the first did not arrive). The same answer whatever the number."""
    now = now or timezone.now()
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update().filter(number=normalise_number(number)).first()
        )
        if registration is None or not awaiting_code(registration):
            return
        if not contact_code_send(registration, now=now):
            audit_refusal(
                actor=None,
                obj=registration,
                note="contact verification: no contact or too many codes today",
            )


def registration_contact_confirm(
    *, number: str, code: str, now: datetime | None = None
) -> Registration:
    """The code sent to the family's contact → the family joins the queue. A wrong, used or
    expired code (or an unknown number) gets one answer, ``pin_code_invalid``."""
    now = now or timezone.now()
    failed = True
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update().filter(number=normalise_number(number)).first()
        )
        check = (
            ContactVerification.objects.select_for_update()
            .filter(registration=registration, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-id")
            .first()
            if registration is not None and awaiting_code(registration)
            else None
        )
        if registration is not None and check is not None and check.attempts < CONTACT_CODE_TRIES:
            if constant_time_compare(pin_hash(code.strip(), check.code_salt), check.code_hash):
                failed = False
                check.used_at = now
                check.save(update_fields=["used_at"])
                _join_queue(
                    registration,
                    now=now,
                    note=f"contact verification: code typed back ({check.channel})",
                )
            else:
                check.attempts += 1
                check.save(update_fields=["attempts"])
        if failed and registration is not None:
            audit_refusal(
                actor=None,
                obj=registration,
                note="contact verification: wrong, used or expired code",
            )
    if failed or registration is None:
        raise RegistrationError(C.PIN_CODE_INVALID, "code")
    return registration


def _join_queue(registration: Registration, *, now: datetime, note: str) -> None:
    """The family confirmed its contact: it joins the queue with the engine's answer as its
    reason (audited, with ``note``)."""
    record_status(
        registration=registration,
        to_status=Status.WAITING,
        outcome=_engine_answer(registration),
        actor=None,
        at=now,
        audit=True,
        note=note,
    )


def registration_contact_confirmed_for_demo(registration: Registration, *, now: datetime) -> None:
    """The demo's families confirmed their phones (the demo loaders only; refused in
    production): the family joins the queue as if it had typed its code, audited as such."""
    from django.conf import settings

    if getattr(settings, "PRODUCTION", False):
        raise RuntimeError("demo data is never loaded in production")
    if not awaiting_code(registration):
        return
    with transaction.atomic():
        ContactVerification.objects.filter(registration=registration, used_at__isnull=True).update(
            used_at=now
        )
        _join_queue(registration, now=now, note="demo data: contact confirmed")
