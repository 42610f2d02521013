"""Writing audit entries. Call ``audit_record`` inside the same transaction as the change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from asilo.web.audit.chain import FIELDS, GENESIS, entry_digest, lock_chain
from asilo.web.audit.models import AuditAction, AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model

    from asilo.web.accounts.models import User


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: AuditAction | str,
    object_type: str,
    object_id: str | int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    catalogue_version: str = "",
    note: str = "",
) -> AuditEntry:
    """Append one audit entry, chained to the last one. ``before``/``after`` hold the changed
    fields (JSON-able)."""
    real_actor = actor if actor is not None and actor.is_authenticated else None
    entry = AuditEntry(
        actor=real_actor,
        actor_username=getattr(real_actor, "username", "") or "",
        actor_role=getattr(real_actor, "role", "") or "",
        action=str(action),
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        before=before,
        after=after,
        catalogue_version=catalogue_version,
        note=note,
    )
    with transaction.atomic():
        lock_chain()
        previous = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        entry.prev_hash = previous or GENESIS
        entry.entry_hash = entry_digest(
            {name: getattr(entry, name) for name in FIELDS}, entry.prev_hash
        )
        entry.save(force_insert=True)
    return entry


def audit_change(
    *,
    actor: User | AnonymousUser | None,
    action: AuditAction | str,
    obj: Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    catalogue_version: str = "",
    note: str = "",
) -> AuditEntry:
    """Record ``action`` on the row ``obj`` (named by its model's label and its key), in the
    same transaction as the change."""
    return audit_record(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        before=before,
        after=after,
        catalogue_version=catalogue_version,
        note=note,
    )


def audit_refusal(
    *,
    actor: User | AnonymousUser | None,
    note: str,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record that ``actor`` was refused (``note`` says what and why) on the row ``obj``, or
    on the object ``object_type``/``object_id`` when there is no row (the id may be unknown)."""
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, obj.pk
    return audit_record(
        actor=actor,
        action=AuditAction.REFUSED,
        object_type=object_type,
        object_id=object_id,
        after=after,
        note=note,
    )


def audit_view(*, actor: User | AnonymousUser | None, obj: Model, note: str = "") -> AuditEntry:
    """Record that ``actor`` read a person's record (or another sensitive object)."""
    return audit_change(actor=actor, action=AuditAction.VIEW, obj=obj, note=note)
