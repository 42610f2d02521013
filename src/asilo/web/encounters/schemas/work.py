"""Family exceptions and reunification tasks in the API's answers."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from asilo.web.encounters.models import (
    FamilyException,
    ReunificationNote,
    ReunificationTask,
)


# A family exception as the API answers it: its own fields, the person and encounter of its
# custody, the users by name and its reunification task by id.
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
    def resolve_person_id(x: FamilyException) -> int:
        return x.custody.person_id

    @staticmethod
    def resolve_encounter_id(x: FamilyException) -> int:
        return x.custody.encounter_id

    @staticmethod
    def resolve_requested_by(x: FamilyException) -> str:
        return x.requested_by.username

    @staticmethod
    def resolve_decided_by(x: FamilyException) -> str | None:
        return x.decided_by.username if x.decided_by else None

    @staticmethod
    def resolve_reunification_task_id(x: FamilyException) -> int | None:
        try:
            return x.reunification_task.pk
        except ReunificationTask.DoesNotExist:
            return None


class FamilyExceptionListOut(Schema):
    count: int
    exceptions: list[FamilyExceptionOut]


class TaskNoteOut(Schema):
    author: str
    text: str
    created_at: datetime

    @staticmethod
    def resolve_author(note: ReunificationNote) -> str:
        return note.author.username


# A reunification task as the API answers it: its own fields and notes, its closer by name.
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
    def resolve_closed_by(t: ReunificationTask) -> str | None:
        return t.closed_by.username if t.closed_by else None

    @staticmethod
    def resolve_closing_outcome(t: ReunificationTask) -> str | None:
        return t.closing_outcome or None


class ReunificationTaskListOut(Schema):
    count: int
    tasks: list[ReunificationTaskOut]
