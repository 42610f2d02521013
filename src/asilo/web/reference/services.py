"""Writes of the reference data (from the admin), each audited in its transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change, audit_record
from asilo.web.core.actors import Actor


def _jsonable(obj: Any, fields: list[str] | None = None) -> dict[str, Any]:
    data = model_to_dict(obj, fields=fields)
    plain = (str, int, float, bool, list, type(None))
    return {k: v if isinstance(v, plain) else str(v) for k, v in data.items()}


def reference_save(*, actor: Actor, obj: Any, changed: list[str]) -> Any:
    """Create or change a sector, field office or port of entry (audited: the fields that
    really changed, before and after)."""
    with transaction.atomic():
        old = None
        if obj.pk is not None:
            old = _jsonable(type(obj).objects.get(pk=obj.pk), changed or None)
        obj.full_clean()
        obj.save()
        new = _jsonable(obj, changed or None)
        before = None
        if old is not None:
            new = {k: v for k, v in new.items() if old.get(k) != v}
            before = {k: old.get(k) for k in new}
        audit_change(
            actor=actor,
            action=AuditAction.UPDATE if old is not None else AuditAction.CREATE,
            obj=obj,
            before=before,
            after=new,
        )
    return obj


def reference_delete(*, actor: Actor, obj: Any) -> None:
    with transaction.atomic():
        before = _jsonable(obj)
        label, pk = obj._meta.label_lower, obj.pk
        obj.delete()
        audit_record(
            actor=actor, action=AuditAction.DELETE, object_type=label, object_id=pk, before=before
        )
