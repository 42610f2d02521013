"""One-time codes sent to a family's contact: the PIN recovery and the contact verification
share how a code is made, stored (only its salted hash) and queued for delivery."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TypeVar

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.registrations import hooks
from asilo.web.registrations.models import ContactVerification, PinRecovery, Registration
from asilo.web.registrations.numbers import new_pin, pin_hash

CodeRow = TypeVar("CodeRow", ContactVerification, PinRecovery)


def issue_one_time_code(
    model: type[CodeRow],
    registration: Registration,
    *,
    contact: tuple[str, str],
    minutes: int,
    now: datetime,
    kind: str,
    purpose: str,
    note: str,
) -> CodeRow:
    """Store a new code's hash for ``registration`` (valid ``minutes``), queue the code to
    ``contact`` (channel, address) as a ``kind`` message after the transaction commits, and
    audit it (``after`` names the code's row under ``purpose``; never the code)."""
    code = new_pin()
    salt = secrets.token_hex(8)
    row = model.objects.create(
        registration=registration,
        code_hash=pin_hash(code, salt),
        code_salt=salt,
        channel=contact[0],
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    message = hooks.OneTimeCode(
        channel=contact[0], address=contact[1], code=code, minutes=minutes, now=now, kind=kind
    )
    hooks.appointments().send_one_time_code(registration, message)
    audit_change(
        actor=None,
        action=AuditAction.CREATE,
        obj=registration,
        after={purpose: row.pk, "channel": contact[0]},
        note=note,
    )
    return row
