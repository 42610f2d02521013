"""Booking a person, or the whole family unit, out of custody."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change, audit_refusal
from asilo.web.core.access import require
from asilo.web.core.roles import Capability
from asilo.web.encounters import selectors
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import (
    Custody,
    EncounterStatus,
    ExceptionStatus,
    FamilyException,
    Outcome,
)
from asilo.web.encounters.object_types import (
    CUSTODY,
)
from asilo.web.encounters.services._checks import (
    check_outcome,
)
from asilo.web.encounters.services.family_units import (
    check_family_stays_together,
    check_lawful_for_child,
    left_alone,
    locked_unit,
)
from asilo.web.encounters.services.unaccompanied import redecide_child

if TYPE_CHECKING:
    from asilo.web.accounts.models import User


def _book_out_one(
    *,
    actor: User,
    custody: Custody,
    outcome: str,
    at: datetime,
    exception: FamilyException | None,
    together: Sequence[int] = (),
) -> None:
    custody.booked_out_at = at
    custody.outcome = outcome
    custody.booked_out_by = actor
    custody.family_exception = exception
    custody.save(update_fields=["booked_out_at", "outcome", "booked_out_by", "family_exception"])
    audit_change(
        actor=actor,
        action=AuditAction.BOOK_OUT,
        obj=custody,
        after={
            "outcome": outcome,
            "person": custody.person_id,
            "encounter": custody.encounter_id,
            "family_exception": exception.pk if exception else None,
            "family": list(together),
            "overdue": bool(custody.due_at and at > custody.due_at),
            "beyond_standard": bool(custody.standard_due_at and at > custody.standard_due_at),
        },
    )


def custody_book_out(
    *,
    actor: User,
    custody_id: int,
    outcome: str,
    at: datetime | None = None,
    family: bool = False,
) -> Custody:
    """Book a person out of custody with an outcome.

    ``family=True`` books out every member of the person's family unit still in custody with
    that outcome, in one transaction (refused as a whole if it is unlawful for one of them).
    On their own, a member may leave to another outcome than the family only under an approved
    family exception, and never so that a child of the unit is left in custody (or leaves)
    without an adult of the unit, unless under an approved exception: then each child left is
    decided again alone, as an unaccompanied child, as of that moment.
    """
    require(actor, Capability.CUSTODY_MANAGE, object_type=CUSTODY, object_id=custody_id)
    try:
        return _book_out(actor=actor, custody_id=custody_id, outcome=outcome, at=at, family=family)
    except EncounterError as exc:
        # The refusal is on the record (after the rollback of the book-out's transaction).
        audit_refusal(
            actor=actor,
            object_type=CUSTODY,
            object_id=custody_id,
            after={"outcome": outcome, "family": family, "code": str(exc.code)},
            note=str(exc.code),
        )
        raise


def _book_out(
    *, actor: User, custody_id: int, outcome: str, at: datetime | None, family: bool
) -> Custody:
    check_outcome(outcome)
    with transaction.atomic():
        custody, members = locked_unit(custody_id)
        if not custody.is_open:
            raise EncounterError(C.CUSTODY_CLOSED, None)
        if custody.encounter.status == EncounterStatus.DECIDED:
            raise EncounterError(C.DECISION_PENDING, None)
        when = at or timezone.now()
        member = next(m for m in members if m.custody.pk == custody.pk)
        others = [m.custody.person_id for m in members if m is not member]
        shared = selectors.family_outcome(custody, others) if others else None
        exception: FamilyException | None = None
        if family:
            leaving = [m for m in members if m.custody.is_open]
        else:
            leaving = [member]
            # An approved exception for this outcome lets the member leave apart from the
            # family (before or after it); it also keeps them out of the family's shared
            # outcome.
            exception = FamilyException.objects.filter(
                custody=custody, outcome=outcome, status=ExceptionStatus.APPROVED
            ).first()
        for m in leaving:
            check_lawful_for_child(m.custody, outcome, m.participant)
        if shared is not None and shared != outcome and exception is None:
            raise EncounterError(
                C.FAMILY_OUTCOME_DIFFERS,
                "outcome",
                family_outcome=Outcome(shared).label,
                outcome=Outcome(outcome).label,
            )
        if not family and exception is None:
            check_family_stays_together(member, members)
        together = [m.custody.pk for m in leaving] if family else []
        for m in leaving:
            _book_out_one(
                actor=actor,
                custody=m.custody,
                outcome=outcome,
                at=when,
                exception=exception,
                together=together,
            )
        # A child of the unit left without an adult is decided again alone (nobody is left
        # after a family book-out: everyone still in custody left together).
        for child in left_alone(members, [m.custody for m in leaving]):
            redecide_child(actor=actor, member=child, at=when)
    return custody
