"""Deciding rights: ``has_capability`` only, and every refusal to see a record is audited.

The refusal's audit entry is written in its own transaction, before any transaction of the
service starts, so that it stays when the request is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asilo.web.accounts.roles import Capability, has_capability
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_record
from asilo.web.people.errors import PeopleError, PeopleErrorCode

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from asilo.web.accounts.models import User


def require(
    actor: User | AnonymousUser | None,
    capability: Capability,
    *,
    object_type: str,
    object_id: str | int | None = None,
) -> None:
    """Raise ``forbidden`` (403) unless ``actor`` has ``capability``; audit the refusal."""
    if has_capability(actor, capability):
        return
    audit_record(
        actor=actor,
        action=AuditAction.REFUSED,
        object_type=object_type,
        object_id=object_id,
        note=f"missing capability {capability.value}",
    )
    raise PeopleError(PeopleErrorCode.FORBIDDEN)
