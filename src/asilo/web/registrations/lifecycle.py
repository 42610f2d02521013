"""The one lifecycle of a registration, and the one service that moves it.

::

    registered ─┬─> waiting ──> offered ──┬─> checked_in ──> closed (processed)
                │     ^   │               ├─> no_show ──> waiting (the first time only)
                │     │   │               ├─> waiting (the family asked for another date)
                │     │   │               └─> closed (withdrawn: the family cancelled)
                │     │   └─> needs_verification (call-back: details do not match) ─> waiting
                │     └──── not_eligible / closed (ineligible) when the rules change again
                └─> not_eligible

Every page (the family's status page, the staff list and detail) and the API read
``Registration.status`` and its ``StatusChange`` rows; nothing else decides a status. The
appointments app calls :func:`registration_status_change` (one family) or
:func:`registrations_status_change_many` (a run's families) inside its own transactions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import ClosedReason, Registration, Status, StatusChange

if TYPE_CHECKING:
    from asilo.web.accounts.models import User
    from asilo.web.registrations.eligibility import Outcome

    Actor: TypeAlias = User | AnonymousUser | None

REGISTRATION = "registrations.registration"

S = Status
#: Every move the lifecycle allows (from -> to). Anything else is a programming error and is
#: refused with ``status_change_invalid`` (and changes nothing).
TRANSITIONS: dict[str, frozenset[str]] = {
    "": frozenset({S.REGISTERED}),
    S.REGISTERED: frozenset({S.WAITING, S.NOT_ELIGIBLE, S.NEEDS_VERIFICATION}),
    S.WAITING: frozenset({S.OFFERED, S.NEEDS_VERIFICATION, S.NOT_ELIGIBLE, S.CLOSED}),
    S.NEEDS_VERIFICATION: frozenset({S.WAITING, S.NOT_ELIGIBLE, S.CLOSED}),
    S.NOT_ELIGIBLE: frozenset({S.WAITING, S.CLOSED}),
    S.OFFERED: frozenset({S.CHECKED_IN, S.NO_SHOW, S.WAITING, S.CLOSED}),
    S.NO_SHOW: frozenset({S.WAITING, S.CLOSED}),
    S.CHECKED_IN: frozenset({S.CLOSED}),
    S.CLOSED: frozenset({S.WAITING}),  # only a closure for a rule change can be reopened
}

#: The statuses in which a family counts as "in the queue" for the next allocation run.
IN_QUEUE = (S.WAITING,)


@dataclass(frozen=True)
class Change:
    """One registration's move (:func:`registrations_status_change_many` takes many)."""

    registration: Registration
    to_status: str
    reason_code: str
    reason_params: Mapping[str, Any]
    closed_reason: str = ""


def _actor_or_none(actor: Actor) -> User | None:
    if actor is None or not actor.is_authenticated:
        return None
    return actor


def _check(change: Change) -> None:
    """Refuse a move the lifecycle does not allow (``status_change_invalid``): one not in
    :data:`TRANSITIONS`, a closure without a known reason or a reason without a closure, or
    reopening a closure other than one for a rule change."""
    registration, to_status = change.registration, change.to_status
    closed_reason = change.closed_reason
    allowed = (
        to_status in TRANSITIONS.get(registration.status, frozenset())
        and (to_status == S.CLOSED) == bool(closed_reason)
        and (not closed_reason or closed_reason in ClosedReason.values)
        and not (
            registration.status == S.CLOSED
            and registration.closed_reason != ClosedReason.INELIGIBLE
            and to_status == S.WAITING
        )
    )
    if not allowed:
        raise RegistrationError(
            C.STATUS_CHANGE_INVALID, None, from_status=registration.status, to_status=to_status
        )


def _change_row(
    change: Change, *, outcome: Outcome | None, actor: Actor, at: datetime
) -> StatusChange:
    """The history row of ``change`` (the registration not moved yet)."""
    return StatusChange(
        registration=change.registration,
        at=at,
        from_status=change.registration.status,
        to_status=change.to_status,
        closed_reason=change.closed_reason,
        reason_code=change.reason_code,
        reason_params=dict(change.reason_params),
        rule=outcome.rule if outcome else "",
        policy_text=outcome.policy_text if outcome else "",
        citation_title=outcome.citation_title if outcome else "",
        citation_url=outcome.citation_url if outcome else "",
        catalogue_version=outcome.catalogue_version if outcome else "",
        actor=_actor_or_none(actor),
    )


def _move(change: Change, at: datetime) -> None:
    """The registration object in its new status (the caller writes it)."""
    change.registration.status = change.to_status
    change.registration.closed_reason = change.closed_reason
    change.registration.status_changed_at = at


def registration_status_change(
    *,
    actor: Actor,
    registration: Registration,
    to_status: str,
    reason_code: str,
    reason_params: Mapping[str, Any] | None = None,
    closed_reason: str = "",
    outcome: Outcome | None = None,
    now: datetime | None = None,
    audit: bool = True,
    note: str = "",
) -> StatusChange:
    """Move one registration to ``to_status`` (a move the lifecycle allows), keeping the
    change with its reason in the history and an audit entry, in one transaction."""
    now = now or timezone.now()
    move = Change(registration, to_status, reason_code, reason_params or {}, closed_reason)
    _check(move)
    with transaction.atomic():
        change = _change_row(move, outcome=outcome, actor=actor, at=now)
        change.save()
        before = {"status": registration.status, "closed_reason": registration.closed_reason}
        _move(move, now)
        if registration.pk is not None:
            Registration.objects.filter(pk=registration.pk).update(
                status=to_status, closed_reason=closed_reason, status_changed_at=now
            )
        if audit:
            audit_change(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=registration,
                before=before,
                after={
                    "status": to_status,
                    "closed_reason": closed_reason,
                    "reason": reason_code,
                },
                catalogue_version=outcome.catalogue_version if outcome else "",
                note=note or "status changed",
            )
    return change


def registrations_status_change_many(
    *, actor: Actor, changes: Sequence[Change], now: datetime | None = None
) -> int:
    """Move many registrations at once (an allocation run's families, the no-shows of a day):
    the same checks and history rows as :func:`registration_status_change`, written in bulk.
    The caller's own audit entry (the run, the closed day) names the change; this returns how
    many registrations moved."""
    now = now or timezone.now()
    for c in changes:
        _check(c)
    rows = [_change_row(c, outcome=None, actor=actor, at=now) for c in changes]
    with transaction.atomic():
        StatusChange.objects.bulk_create(rows, batch_size=1000)
        for c in changes:
            _move(c, now)
        Registration.objects.bulk_update(
            [c.registration for c in changes],
            ["status", "closed_reason", "status_changed_at"],
            batch_size=1000,
        )
    return len(rows)


def history(registration: Registration) -> list[StatusChange]:
    """The registration's status changes, oldest first."""
    return list(registration.status_changes.order_by("at", "id"))


def in_queue(statuses: Iterable[str]) -> bool:
    return any(s in IN_QUEUE for s in statuses)
