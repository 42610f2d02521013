"""Family exceptions: an officer asks that one member leave apart from the family; a
supervisor approves (opening a reunification task) or denies, and the officer is told.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.core.access import require
from asilo.web.core.roles import Capability
from asilo.web.core.rows import one_or_not_found
from asilo.web.encounters import selectors
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import (
    ExceptionStatus,
    FamilyException,
    NotificationKind,
    ReunificationTask,
    StaffNotification,
)
from asilo.web.encounters.object_types import (
    FAMILY_EXCEPTION,
)
from asilo.web.encounters.services._checks import (
    MIN_NOTE,
    MIN_REASON,
    check_outcome,
    written,
)
from asilo.web.encounters.services.family_units import locked_custody

if TYPE_CHECKING:
    from asilo.web.accounts.models import User


def family_exception_request(
    *, actor: User, custody_id: int, outcome: str, reason: str
) -> FamilyException:
    """Ask a supervisor to let one family member leave custody to another outcome."""
    require(actor, Capability.CUSTODY_MANAGE, object_type=FAMILY_EXCEPTION)
    check_outcome(outcome)
    text = written(reason, field="reason", minimum=MIN_REASON, code=C.EXCEPTION_REASON_REQUIRED)
    with transaction.atomic():
        custody = locked_custody(custody_id)
        if not custody.is_open:
            raise EncounterError(C.CUSTODY_CLOSED, "custody_id")
        if not selectors.family_person_ids(custody):
            raise EncounterError(C.EXCEPTION_NOT_FAMILY, "custody_id")
        if custody.exceptions.filter(status=ExceptionStatus.PENDING).exists():
            raise EncounterError(C.EXCEPTION_PENDING_EXISTS, "custody_id")
        exception = FamilyException.objects.create(
            custody=custody, outcome=outcome, reason=text, requested_by=actor
        )
        audit_change(
            actor=actor,
            action=AuditAction.CREATE,
            obj=exception,
            after={"custody": custody.pk, "person": custody.person_id, "outcome": outcome},
        )
    return exception


def _locked_pending_exception(actor: User, exception_id: int) -> FamilyException:
    rows = FamilyException.objects.select_for_update(of=("self",)).select_related(
        "custody__encounter"
    )
    exception = one_or_not_found(
        rows.filter(pk=exception_id), EncounterError(C.EXCEPTION_NOT_FOUND, "exception_id")
    )
    if exception.status != ExceptionStatus.PENDING:
        raise EncounterError(C.EXCEPTION_ALREADY_DECIDED, None)
    if exception.requested_by_id == actor.pk:
        raise EncounterError(C.SELF_APPROVAL, None)
    return exception


def _supervisor_note(*, actor: User, exception_id: int, note: str) -> str:
    """The right to decide a family exception, and the written reason it needs."""
    require(
        actor,
        Capability.FAMILY_EXCEPTION_APPROVE,
        object_type=FAMILY_EXCEPTION,
        object_id=exception_id,
    )
    return written(note, field="note", minimum=MIN_NOTE, code=C.NOTE_REQUIRED)


def _settle(exception: FamilyException, *, actor: User, status: ExceptionStatus, note: str) -> None:
    """Record a supervisor's decision on a pending family exception."""
    exception.status = status
    exception.decided_by = actor
    exception.decided_at = timezone.now()
    exception.decision_note = note
    exception.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    # The officer who asked is told the answer (in-app, in the same transaction).
    StaffNotification.objects.create(
        recipient_id=exception.requested_by_id,
        kind=NotificationKind.EXCEPTION_APPROVED
        if status == ExceptionStatus.APPROVED
        else NotificationKind.EXCEPTION_DENIED,
        exception=exception,
    )


def family_exception_approve(*, actor: User, exception_id: int, note: str) -> FamilyException:
    """A supervisor approves, with a reason; approval opens a reunification task."""
    text = _supervisor_note(actor=actor, exception_id=exception_id, note=note)
    with transaction.atomic():
        exception = _locked_pending_exception(actor, exception_id)
        custody = exception.custody
        if not custody.is_open:
            raise EncounterError(C.CUSTODY_CLOSED, None)
        _settle(exception, actor=actor, status=ExceptionStatus.APPROVED, note=text)
        family_unit_id = custody.encounter.family_unit_id
        assert family_unit_id is not None, "an exception exists only inside a family unit"
        task = ReunificationTask.objects.create(
            exception=exception, family_unit_id=family_unit_id, person_id=custody.person_id
        )
        audit_change(
            actor=actor,
            action=AuditAction.APPROVE,
            obj=exception,
            after={"outcome": exception.outcome, "reunification_task": task.pk},
        )
        audit_change(
            actor=actor,
            action=AuditAction.CREATE,
            obj=task,
            after={"family_unit": family_unit_id, "person": custody.person_id},
        )
    return exception


def family_exception_deny(*, actor: User, exception_id: int, note: str) -> FamilyException:
    text = _supervisor_note(actor=actor, exception_id=exception_id, note=note)
    with transaction.atomic():
        exception = _locked_pending_exception(actor, exception_id)
        _settle(exception, actor=actor, status=ExceptionStatus.DENIED, note=text)
        audit_change(
            actor=actor,
            action=AuditAction.DENY,
            obj=exception,
            after={"outcome": exception.outcome},
        )
    return exception
