"""Reunification tasks (steps, notes, closing) and the staff's notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change, audit_record
from asilo.web.core.access import require
from asilo.web.core.roles import Capability
from asilo.web.core.status_moves import status_move
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import (
    ReunificationNote,
    ReunificationTask,
    StaffNotification,
    TaskClosing,
    TaskStatus,
)
from asilo.web.encounters.object_types import (
    REUNIFICATION_TASK,
)
from asilo.web.encounters.services._checks import MIN_NOTE, written

if TYPE_CHECKING:
    from asilo.web.accounts.models import User


def _open_task(task_id: int) -> ReunificationTask:
    task = ReunificationTask.objects.select_for_update().filter(pk=task_id).first()
    if task is None:
        raise EncounterError(C.TASK_NOT_FOUND, "task_id")
    if task.status == TaskStatus.CLOSED:
        raise EncounterError(C.TASK_CLOSED, None)
    return task


def reunification_task_close(
    *, actor: User, task_id: int, note: str, outcome: str = TaskClosing.REUNITED
) -> ReunificationTask:
    """Close a reunification task: ``reunited`` (saying how the family was brought back
    together) or ``closed`` with the reason."""
    require(actor, Capability.CUSTODY_MANAGE, object_type=REUNIFICATION_TASK, object_id=task_id)
    if outcome not in TaskClosing.values:
        raise EncounterError(
            C.TASK_CLOSING_INVALID, "outcome", allowed=", ".join(TaskClosing.values)
        )
    text = written(note, field="note", minimum=MIN_NOTE, code=C.NOTE_REQUIRED)
    with transaction.atomic():
        task = _open_task(task_id)
        status_move(
            task,
            actor=actor,
            to=TaskStatus.CLOSED,
            after={"outcome": outcome},
            closed_at=timezone.now(),
            closed_by=actor,
            closing_note=text,
            closing_outcome=outcome,
        )
    return task


#: The steps of a reunification task, in order, and the field each one sets.
TASK_STEPS = {"contact_made": "contact_made_at", "located": "located_at"}


def reunification_task_step(*, actor: User, task_id: int, step: str) -> ReunificationTask:
    """Record a step of a reunification task: contact made with the family; sponsor or parent
    located. Each is recorded once, when it happened."""
    require(actor, Capability.CUSTODY_MANAGE, object_type=REUNIFICATION_TASK, object_id=task_id)
    if step not in TASK_STEPS:
        raise EncounterError(C.TASK_STEP_INVALID, "step", allowed=", ".join(TASK_STEPS))
    with transaction.atomic():
        task = _open_task(task_id)
        field = TASK_STEPS[step]
        if getattr(task, field) is not None:
            raise EncounterError(C.TASK_STEP_DONE, "step")
        setattr(task, field, timezone.now())
        task.save(update_fields=[field])
        audit_change(actor=actor, action=AuditAction.UPDATE, obj=task, after={"step": step})
    return task


def reunification_task_note(*, actor: User, task_id: int, text: str) -> ReunificationNote:
    """Add a note to an open reunification task."""
    require(actor, Capability.CUSTODY_MANAGE, object_type=REUNIFICATION_TASK, object_id=task_id)
    clean = written(text, field="text", minimum=MIN_NOTE, code=C.NOTE_REQUIRED)
    with transaction.atomic():
        task = _open_task(task_id)
        note = ReunificationNote.objects.create(task=task, author=actor, text=clean)
        audit_change(actor=actor, action=AuditAction.CREATE, obj=task, after={"note": note.pk})
    return note


def notifications_mark_read(*, actor: User) -> int:
    """Mark every unread notification of the actor as read; how many were."""
    now = timezone.now()
    with transaction.atomic():
        count = StaffNotification.objects.filter(recipient=actor, read_at__isnull=True).update(
            read_at=now
        )
        if count:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                object_type="encounters.staffnotification",
                after={"read": count},
            )
    return count
