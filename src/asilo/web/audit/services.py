"""Writing audit entries. Call ``audit_record`` inside the same transaction as the change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Required, TypedDict, Unpack

from django.db import transaction

from asilo.web.audit.chain import FIELDS, appended, chain_head, entry_digest, lock_chain
from asilo.web.audit.models import AuditAction, AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model

    from asilo.web.accounts.models import User


class _Entry(TypedDict, total=False):
    """Who did it and what came after: what :func:`audit_change` and :func:`audit_refusal`
    hand on to :func:`audit_record`, beside what each one fixes."""

    actor: Required[User | AnonymousUser | None]
    after: dict[str, Any] | None


class _Change(_Entry, total=False):
    action: Required[AuditAction | str]
    before: dict[str, Any] | None
    catalogue_version: str
    note: str


class _Refusal(_Entry, total=False):
    note: Required[str]
    obj: Model | None
    object_type: str
    object_id: str | int | None


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: AuditAction | str,
    object_type: str = "",
    object_id: str | int | None = None,
    obj: Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    catalogue_version: str = "",
    note: str = "",
) -> AuditEntry:
    """Append one audit entry, chained to the last one. Its object is the row ``obj`` (named
    by its model's label and its key) or, when there is no row, ``object_type``/``object_id``
    (the id may be unknown). ``before``/``after`` hold the changed fields (JSON-able)."""
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, obj.pk
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
    # No savepoint inside the caller's transaction: a failed entry fails the whole change
    # (never a change kept without its entry), and two statements fewer with the lock held.
    with transaction.atomic(savepoint=False):
        lock_chain()
        entry.prev_hash = chain_head(
            lambda: AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        )
        entry.entry_hash = entry_digest(
            {name: getattr(entry, name) for name in FIELDS}, entry.prev_hash
        )
        entry.save(force_insert=True)
        appended(entry.entry_hash)
    return entry


def audit_change(*, obj: Model, **entry: Unpack[_Change]) -> AuditEntry:
    """Record ``action`` on the row ``obj``, in the same transaction as the change."""
    return audit_record(obj=obj, **entry)


def audit_refusal(**entry: Unpack[_Refusal]) -> AuditEntry:
    """Record that ``actor`` was refused (``note`` says what and why) on the row ``obj``, or
    on the object ``object_type``/``object_id`` when there is no row (the id may be unknown)."""
    return audit_record(action=AuditAction.REFUSED, **entry)


def audit_view(*, actor: User | AnonymousUser | None, obj: Model, note: str = "") -> AuditEntry:
    """Record that ``actor`` read a person's record (or another sensitive object)."""
    return audit_change(actor=actor, action=AuditAction.VIEW, obj=obj, note=note)
