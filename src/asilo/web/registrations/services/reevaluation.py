"""Asking the policy engine again for a program's queue (a rule changed, or a replay date):
each registration whose answer changed moves, with its reason, through the lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.registrations import eligibility
from asilo.web.registrations.eligibility import family_of
from asilo.web.registrations.models import (
    ClosedReason,
    Program,
    Registration,
    Status,
)
from asilo.web.registrations.services.common import (
    FamilyOrStaff,
    record_status,
)


@dataclass(frozen=True)
class Reevaluation:
    program: str
    on: date
    evaluated: int
    changed: list[tuple[str, str, str, str]]  # number, from, to, reason code


def program_reevaluate(*, actor: FamilyOrStaff, program: Program, on: date) -> Reevaluation:
    """Ask the policy engine again, as of ``on``, for every registration of ``program`` still
    in the queue; change the status, with its reason, of each one whose answer changed."""
    now = timezone.now()
    changed: list[tuple[str, str, str, str]] = []
    evaluated = 0
    cache: dict[Any, eligibility.Outcome] = {}
    with transaction.atomic():
        queue = (
            Registration.objects.select_for_update()
            .filter(
                Q(status__in=[Status.WAITING, Status.NEEDS_VERIFICATION, Status.NOT_ELIGIBLE])
                | Q(status=Status.CLOSED, closed_reason=ClosedReason.INELIGIBLE),
                program=program,
            )
            .order_by("id")
        )
        for registration in queue.iterator(chunk_size=500):
            evaluated += 1
            family = family_of(registration, list(registration.members.all()), on)
            if family not in cache:
                cache[family] = eligibility.evaluate(
                    rule=program.rule, ports=program.ports, family=family, on=on
                )
            outcome = cache[family]
            was = registration.status
            to_status, closed_reason = _reevaluated(registration, outcome)
            if to_status is None:
                continue
            record_status(
                registration=registration,
                to_status=to_status,
                outcome=outcome,
                closed_reason=closed_reason,
                actor=actor,
                at=now,
                audit=True,
                note="re-evaluation",
            )
            changed.append((registration.number, was, to_status, outcome.rule))
        audit_change(
            actor=actor,
            action=AuditAction.REVIEW,
            obj=program,
            after={"on": on.isoformat(), "evaluated": evaluated, "changed": len(changed)},
            note="re-evaluation of eligibility",
        )
    return Reevaluation(program=program.code, on=on, evaluated=evaluated, changed=changed)


def _reevaluated(
    registration: Registration, outcome: eligibility.Outcome
) -> tuple[str | None, str]:
    """The move a re-evaluation makes, or None: an eligible family not in the queue goes back
    to waiting; a waiting family no longer eligible is closed (ineligible after a rule change);
    a family not eligible from the start stays ``not_eligible``."""
    status = registration.status
    if outcome.eligible:
        if status == Status.NOT_ELIGIBLE or (
            status == Status.CLOSED and registration.closed_reason == ClosedReason.INELIGIBLE
        ):
            return Status.WAITING, ""
        return None, ""
    if status in (Status.WAITING, Status.NEEDS_VERIFICATION):
        return Status.CLOSED, ClosedReason.INELIGIBLE
    return None, ""
