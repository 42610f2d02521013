"""Exports of the processing lists as CSV: the rows the page shows, ids, codes and moments,
never names nor free text (reasons and notes may name people); formulas neutralised
(:mod:`asilo.web.core.csv`); each export audited with its filters and its number of rows.
Every role that may see a list may export it; the columns carry no personal data, so the
export tells no more than the page.

Each list's export is one :class:`ListExport`: its columns, each with the cell it shows (the
dotted path of an attribute of the row, or a function of the row), in the file's order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_record
from asilo.web.core.access import require
from asilo.web.core.csv import FORMULA_STARTS, csv_document, csv_text
from asilo.web.core.roles import Capability
from asilo.web.encounters.object_types import (
    CUSTODY,
    ENCOUNTER,
    FAMILY_EXCEPTION,
    OVERRIDE,
    REUNIFICATION_TASK,
)

if TYPE_CHECKING:
    from asilo.web.accounts.models import User

__all__ = [
    "FORMULA_STARTS",
    "ListExport",
    "csv_text",
    "custody_list_export",
    "encounter_list_export",
    "family_exception_list_export",
    "override_list_export",
    "reunification_task_list_export",
]

#: A column's cell: the dotted path of an attribute of the row, or a function of the row.
Cell = str | Callable[[Any], object]


def _at(row: object, path: str) -> object:
    """The attribute at the dotted ``path`` of ``row``; ``None`` where a related row on the
    way is missing (an encounter not decided yet, an exception without a task)."""
    value = row
    for name in path.split("."):
        if value is None:
            return None
        try:
            value = getattr(value, name)
        except ObjectDoesNotExist:
            return None
    return value


def _count(related: str) -> Callable[[Any], int]:
    """The cell that counts the row's ``related`` rows (the list's selector prefetched them,
    so counting reads nothing more)."""
    return lambda row: len(getattr(row, related).all())


@dataclass(frozen=True)
class ListExport:
    """One list's export: who may make it, what it is about, the keyword its rows come
    under, and its columns with their cells. Called with ``actor``, ``filters`` and the rows,
    it returns the CSV after the rights check; the export is audited with its filters,
    columns and number of rows."""

    capability: Capability
    object_type: str
    rows: str
    cells: Mapping[str, Cell]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.cells)

    def row(self, item: object) -> list[object]:
        """The cells of one row, in the columns' order."""
        return [cell(item) if callable(cell) else _at(item, cell) for cell in self.cells.values()]

    def __call__(self, *, actor: User, filters: Mapping[str, Any], **rows: Sequence[Any]) -> str:
        if rows.keys() != {self.rows}:
            raise TypeError(f"this export takes its rows as {self.rows}=, not {', '.join(rows)}")
        items = rows[self.rows]
        require(actor, self.capability, object_type=self.object_type)
        body = csv_document(self.columns, (self.row(item) for item in items))
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            object_type=self.object_type,
            after={"rows": len(items), "filters": dict(filters), "columns": list(self.columns)},
        )
        return body


#: The rows of a custody list (``clocks``: ids and clocks).
custody_list_export = ListExport(
    Capability.ENCOUNTER_VIEW,
    CUSTODY,
    "clocks",
    {
        "custody": "custody.pk",
        "person": "custody.person_id",
        "encounter": "custody.encounter_id",
        "place": "custody.encounter.place_name",
        "booked_in_at": "custody.booked_in_at",
        "booked_in_time_known": "custody.booked_in_time_known",
        "standard_hours": "custody.standard_hours",
        "standard_due_at": "custody.standard_due_at",
        "standard_exceeded": "standard_exceeded",
        "limit_hours": "custody.limit_hours",
        "due_at": "custody.due_at",
        "overdue": "overdue",
        "unaccompanied_since": "custody.unaccompanied_since",
        "booked_out_at": "custody.booked_out_at",
        "outcome": "custody.outcome",
    },
)

#: The rows of an encounter list (``encounters``: the decision's codes, the number of people).
encounter_list_export = ListExport(
    Capability.ENCOUNTER_VIEW,
    ENCOUNTER,
    "encounters",
    {
        "encounter": "pk",
        "date": "encounter_date",
        "occurred_at": "occurred_at",
        "place": "place_name",
        "component": "component",
        "status": "status",
        "people": _count("participants"),
        "authority": "decision.authority",
        "pathway": "decision.pathway",
        "demographic": "decision.demographic",
        "catalogue_version": "decision.catalogue_version",
        "recorded_at": "recorded_at",
    },
)

#: The rows of the overrides list (``overrides``: codes and staff ids; the reasons stay on
#: the page).
override_list_export = ListExport(
    Capability.OVERRIDE_REVIEW,
    OVERRIDE,
    "overrides",
    {
        "override": "pk",
        "encounter": "decision.encounter_id",
        "authority": "authority",
        "pathway": "pathway",
        "destination": "destination",
        "within_options": "within_options",
        "overridden_by": "overridden_by_id",
        "overridden_at": "overridden_at",
        "verdict": "verdict",
        "reviewed_by": "reviewed_by_id",
        "reviewed_at": "reviewed_at",
    },
)

#: The rows of the family exceptions list (``exceptions``; the reasons stay on the page).
family_exception_list_export = ListExport(
    Capability.CUSTODY_MANAGE,
    FAMILY_EXCEPTION,
    "exceptions",
    {
        "exception": "pk",
        "custody": "custody_id",
        "person": "custody.person_id",
        "encounter": "custody.encounter_id",
        "outcome": "outcome",
        "status": "status",
        "requested_by": "requested_by_id",
        "requested_at": "requested_at",
        "decided_by": "decided_by_id",
        "decided_at": "decided_at",
        "reunification_task": "reunification_task.pk",
    },
)

#: The rows of the reunification tasks list (``tasks``: the number of notes, not their text).
reunification_task_list_export = ListExport(
    Capability.CUSTODY_MANAGE,
    REUNIFICATION_TASK,
    "tasks",
    {
        "task": "pk",
        "exception": "exception_id",
        "family_unit": "family_unit_id",
        "person": "person_id",
        "status": "status",
        "opened_at": "opened_at",
        "contact_made_at": "contact_made_at",
        "located_at": "located_at",
        "closed_at": "closed_at",
        "closing_outcome": "closing_outcome",
        "notes": _count("notes"),
    },
)
