"""Moving a row to another status, audited: what every service that closes, finishes or
settles a row does (a reunification task closed, a linkage run finished, an appointment
cancelled or checked in). Call it inside the service's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model

    from asilo.web.accounts.models import User


def status_move(
    row: Model,
    /,
    *,
    actor: User | AnonymousUser | None,
    to: str,
    after: Mapping[str, Any] | None = None,
    action: AuditAction | str = AuditAction.UPDATE,
    note: str = "",
    **changes: object,
) -> None:
    """Move ``row`` (a model with a ``status`` field) to the status ``to``, with the other
    fields the move sets (``changes``, as :meth:`QuerySet.update` takes them), saved in one
    update of those fields; then audit the move: before, the status it left; after, the
    status it reached and what ``after`` adds."""
    left = getattr(row, "status")  # noqa: B009 (every model moved here has one; mypy does not know)
    setattr(row, "status", to)  # noqa: B010
    for name, value in changes.items():
        setattr(row, name, value)
    row.save(update_fields=["status", *changes])
    audit_change(
        actor=actor,
        action=action,
        obj=row,
        before={"status": left},
        after={"status": to, **(after or {})},
        note=note,
    )
