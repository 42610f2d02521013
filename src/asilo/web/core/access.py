"""The one rights check of every app: ``require(actor, Capability.X, obj=None)``.

A refusal raises :class:`~asilo.web.core.errors.Forbidden` (403) and is audited here, in one
place. The refusal's entry must outlive the refused work: when ``require`` is called inside a
transaction that the refusal then rolls back, the entry is kept aside and written again after
the request (:func:`flush_refusals`, called by :class:`asilo.web.core.middleware.CoreMiddleware`)
when that transaction was rolled back.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction

from asilo.web.audit.models import AuditEntry
from asilo.web.audit.services import audit_refusal
from asilo.web.core.errors import Forbidden
from asilo.web.core.roles import Capability, has_capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from asilo.web.accounts.models import User

    #: Whom ``require`` may be asked about: anyone, signed in or not (it refuses the anonymous).
    #: Services take :data:`asilo.web.core.actors.Actor` (``| None`` for the public or the
    #: system); the services that still import this name accept more than they need to.
    Actor = User | AnonymousUser | None
else:
    Actor = Any


@dataclass
class _Refusal:
    entry_id: int
    depth: int
    actor: Any
    object_type: str
    object_id: str
    note: str


_pending: contextvars.ContextVar[list[_Refusal] | None] = contextvars.ContextVar(
    "asilo_pending_refusals", default=None
)


#: Whether a refusal was audited during the current request (see :func:`refused_in_request`).
_refused: contextvars.ContextVar[bool] = contextvars.ContextVar("asilo_refused", default=False)


def _object_of(obj: Any, object_type: str | None, object_id: Any) -> tuple[str, str]:
    if obj is not None and hasattr(obj, "_meta"):
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
    return object_type or "", "" if object_id is None else str(object_id)


def refuse(
    actor: Actor,
    capability: Capability | str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    note: str = "",
) -> Forbidden:
    """Audit a refusal and return the error to raise (for checks beyond the capability:
    another organisation's record, a page the role may not open)."""
    otype, oid = _object_of(obj, object_type, object_id)
    text = note or f"missing capability {capability}"
    entry = audit_refusal(actor=actor, object_type=otype, object_id=oid, note=text)
    _refused.set(True)
    depth = len(transaction.get_connection().atomic_blocks)
    if depth:
        pending = _pending.get()
        if pending is None:
            pending = []
            _pending.set(pending)
        pending.append(_Refusal(entry.pk, depth, actor, otype, oid, text))
    return Forbidden()


def require(
    actor: Actor,
    capability: Capability,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
) -> None:
    """Raise ``forbidden`` (403) unless ``actor`` has ``capability``; audit the refusal.

    ``obj`` (a model instance) names the object refused; ``object_type``/``object_id`` name it
    when there is no instance (yet)."""
    if has_capability(actor, capability):
        return
    raise refuse(actor, capability.value, obj, object_type=object_type, object_id=object_id)


def reset_refusals() -> None:
    """Forget refusals kept aside (at the start of a request)."""
    _pending.set(None)
    _refused.set(False)


def refused_in_request() -> bool:
    """Whether :func:`refuse` audited a refusal since :func:`reset_refusals` (the request's
    start): the middleware audits any other 403 (Django's admin site, a view's own check)."""
    return _refused.get()


def flush_refusals() -> int:
    """Write again the refusals whose transaction was rolled back; returns how many.

    A refusal is looked at once the transaction it was written in has ended (the connection
    is back outside it): if its entry is gone, the transaction was rolled back."""
    pending = _pending.get()
    if not pending:
        return 0
    depth = len(transaction.get_connection().atomic_blocks)
    ended = [r for r in pending if r.depth > depth]
    _pending.set([r for r in pending if r.depth <= depth] or None)
    if not ended:
        return 0
    present = set(
        AuditEntry.objects.filter(pk__in=[r.entry_id for r in ended]).values_list("pk", flat=True)
    )
    lost = [r for r in ended if r.entry_id not in present]
    for r in lost:
        audit_refusal(actor=r.actor, object_type=r.object_type, object_id=r.object_id, note=r.note)
    return len(lost)
