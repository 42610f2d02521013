"""Family exceptions and reunification tasks in the API's answers."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from asilo.web.encounters.models import (
    FamilyException,
    ReunificationTask,
)


class FamilyExceptionOut(Schema):
    id: int
    custody_id: int
    person_id: int
    encounter_id: int
    outcome: str
    reason: str
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    reunification_task_id: int | None

    @staticmethod
    def of(x: FamilyException) -> FamilyExceptionOut:
        task = x.reunification_task if _has_task(x) else None
        return FamilyExceptionOut(
            id=x.pk,
            custody_id=x.custody_id,
            person_id=x.custody.person_id,
            encounter_id=x.custody.encounter_id,
            outcome=x.outcome,
            reason=x.reason,
            status=x.status,
            requested_by=x.requested_by.username,
            requested_at=x.requested_at,
            decided_by=x.decided_by.username if x.decided_by else None,
            decided_at=x.decided_at,
            decision_note=x.decision_note,
            reunification_task_id=task.pk if task is not None else None,
        )


def _has_task(x: FamilyException) -> bool:
    try:
        return x.reunification_task is not None
    except ReunificationTask.DoesNotExist:
        return False


class FamilyExceptionListOut(Schema):
    count: int
    exceptions: list[FamilyExceptionOut]


class TaskNoteOut(Schema):
    author: str
    text: str
    created_at: datetime


class ReunificationTaskOut(Schema):
    id: int
    exception_id: int
    family_unit_id: int
    person_id: int
    status: str
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    closing_note: str
    closing_outcome: str | None = Field(description="reunited, or closed (with a reason)")
    contact_made_at: datetime | None
    located_at: datetime | None = Field(description="When the sponsor or parent was located")
    notes: list[TaskNoteOut]

    @staticmethod
    def of(t: ReunificationTask) -> ReunificationTaskOut:
        return ReunificationTaskOut(
            id=t.pk,
            exception_id=t.exception_id,
            family_unit_id=t.family_unit_id,
            person_id=t.person_id,
            status=t.status,
            opened_at=t.opened_at,
            closed_at=t.closed_at,
            closed_by=t.closed_by.username if t.closed_by else None,
            closing_note=t.closing_note,
            closing_outcome=t.closing_outcome or None,
            contact_made_at=t.contact_made_at,
            located_at=t.located_at,
            notes=[
                TaskNoteOut(author=n.author.username, text=n.text, created_at=n.created_at)
                for n in t.notes.all()
            ],
        )


class ReunificationTaskListOut(Schema):
    count: int
    tasks: list[ReunificationTaskOut]
