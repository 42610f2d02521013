"""The family's number and PIN: the status page's sign-in (wrong PINs counted, then locked)
and a lost PIN recovered through a one-time code sent to the contact on file."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change, audit_refusal
from asilo.web.registrations import fraud, hooks
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import (
    PinRecovery,
    Registration,
)
from asilo.web.registrations.numbers import (
    new_pin,
    normalise_number,
    pin_hash,
)
from asilo.web.registrations.services.common import (
    REGISTRATION,
)
from asilo.web.registrations.services.one_time_codes import issue_one_time_code


def pin_failure_limit() -> int:
    return fraud.setting("ASILO_PIN_FAILURE_LIMIT", 5)


def pin_lock_minutes() -> int:
    return fraud.setting("ASILO_PIN_LOCK_MINUTES", 30)


#: Compared against when the number is unknown, so that an unknown number costs the same work
#: as a wrong PIN (issue 11: nothing tells whether a number exists).
_NO_SALT = "0" * 16
_NO_HASH = "0" * 64


def registration_status_lookup(
    *, number: str, pin: str, now: datetime | None = None
) -> Registration:
    """The registration for this number and PIN, else ``status_lookup_failed``: the same
    answer after the same work (one read, one keyed hash, one audit entry) for an unknown
    number and a wrong PIN.

    The limits on wrong PINs (per client and per number, so that they lock the attacker's
    attempts and not the family) are :mod:`asilo.web.registrations.lockout`'s."""
    registration = Registration.objects.filter(number=normalise_number(number)).first()
    salt, expected = (
        (registration.pin_salt, registration.pin_hash) if registration else (_NO_SALT, _NO_HASH)
    )
    good = constant_time_compare(pin_hash(pin.strip(), salt), expected)
    if registration is not None and good:
        audit_change(
            actor=None,
            action=AuditAction.VIEW,
            obj=registration,
            note="status page (registration number and PIN)",
        )
        return registration
    # A number that names no registration is refused as one of them (no id).
    audit_refusal(
        actor=None,
        obj=registration,
        object_type=REGISTRATION,
        note="status page: wrong number or PIN",
    )
    raise RegistrationError(C.STATUS_LOOKUP_FAILED, "pin")


PIN_CODE_MINUTES = 15
#: Wrong codes a number takes in a day, from every client together, before its codes of the day
#: are spent: bounds guessing from many addresses (30 guesses of a million). One client's wrong
#: codes are limited apart, and much sooner (:func:`asilo.web.registrations.lockout.code_tries`),
#: so that one attacker locks its own attempts, not the family.
PIN_CODE_TRIES = 30
PIN_CODES_PER_DAY = 3


def _contact_for_code(registration: Registration) -> tuple[str, str] | None:
    """(channel, address) where the code goes: the family's latest contact for notices when
    it changed it, else what it gave when registering (phone for SMS first, then e-mail)."""
    contact = hooks.appointments().contact_of(registration)
    if contact.phone:
        return "sms", contact.phone
    if contact.email:
        return "email", contact.email
    return None


def pin_recovery_request(*, number: str, now: datetime | None = None) -> None:
    """Send a one-time code to the contact on file of the registration with ``number``.

    The answer is the same whether the number exists, has a contact, or has asked too often
    (nothing is revealed); each request is audited with what happened. The code goes through
    the notification outbox (the appointments app, through ``registrations.hooks``), in the
    family's language."""
    now = now or timezone.now()
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update().filter(number=normalise_number(number)).first()
        )
        if registration is None:
            return
        contact = _contact_for_code(registration)
        recent = PinRecovery.objects.filter(
            registration=registration, created_at__gte=now - timedelta(days=1)
        ).count()
        refused = "no contact on file" if contact is None else ""
        if not refused and recent >= PIN_CODES_PER_DAY:
            refused = "too many codes today"
        if refused:
            audit_refusal(actor=None, obj=registration, note=f"PIN recovery: {refused}")
            return
        assert contact is not None
        issue_one_time_code(
            PinRecovery,
            registration,
            contact=contact,
            minutes=PIN_CODE_MINUTES,
            now=now,
            kind="pin_code",
            purpose="pin_recovery",
            note="PIN recovery: code sent",
        )


def pin_recovery_confirm(*, number: str, code: str, now: datetime | None = None) -> str:
    """A code sent by :func:`pin_recovery_request` → a new PIN (returned once; the old one
    stops working). Any of the number's codes still valid works (whoever asked for it, the
    code went to the family's own contact), so someone who knows only the number cannot spend
    the family's code by asking for newer ones or guessing at them. A wrong, used or expired
    code gets one answer; after ``PIN_CODE_TRIES`` wrong codes in a day, from every client
    together, the day's codes are spent. Audited either way."""
    now = now or timezone.now()
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update().filter(number=normalise_number(number)).first()
        )
        today = (
            list(
                PinRecovery.objects.select_for_update()
                .filter(registration=registration, created_at__gte=now - timedelta(days=1))
                .order_by("-created_at", "-id")
            )
            if registration is not None
            else []
        )
        live = [r for r in today if r.used_at is None and r.expires_at > now]
        spent = sum(r.attempts for r in today) >= PIN_CODE_TRIES
        if registration is None or not live or spent:
            if registration is not None:
                audit_refusal(actor=None, obj=registration, note="PIN recovery: no valid code")
            raise RegistrationError(C.PIN_CODE_INVALID, "code")
        typed = code.strip()
        # Every live code is compared (no early exit), so the work does not tell which matched.
        matches = [
            r for r in live if constant_time_compare(pin_hash(typed, r.code_salt), r.code_hash)
        ]
        if not matches:
            newest = live[0]
            newest.attempts += 1
            newest.save(update_fields=["attempts"])
            audit_refusal(actor=None, obj=registration, note="PIN recovery: wrong code")
            failed = True
        else:
            failed = False
            recovery = matches[0]
            pin = new_pin()
            salt = secrets.token_hex(8)
            registration.pin_hash = pin_hash(pin, salt)
            registration.pin_salt = salt
            registration.pin_failures = 0
            registration.pin_locked_until = None
            registration.save(
                update_fields=["pin_hash", "pin_salt", "pin_failures", "pin_locked_until"]
            )
            # Every code of the day stops working with the new PIN.
            PinRecovery.objects.filter(pk__in=[r.pk for r in live]).update(used_at=now)
            audit_change(
                actor=None,
                action=AuditAction.UPDATE,
                obj=registration,
                after={"pin_recovery": recovery.pk},
                note="PIN recovery: new PIN chosen",
            )
    if failed:
        raise RegistrationError(C.PIN_CODE_INVALID, "code")
    return pin
