"""Exports of the processing lists as CSV: the rows the page shows, ids, codes and moments,
never names nor free text (reasons and notes may name people); formulas neutralised
(:mod:`asilo.web.core.csv`); each export audited with its filters and its number of rows.
Every role that may see a list may export it; the columns carry no personal data, so the
export tells no more than the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from asilo.web.accounts.roles import Capability
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_record
from asilo.web.core.access import require
from asilo.web.core.csv import FORMULA_STARTS, csv_document, csv_text
from asilo.web.encounters.object_types import (
    CUSTODY,
    ENCOUNTER,
    FAMILY_EXCEPTION,
    OVERRIDE,
    REUNIFICATION_TASK,
)

if TYPE_CHECKING:
    from asilo.web.accounts.models import User
    from asilo.web.encounters.models import (
        Encounter,
        FamilyException,
        Override,
        ReunificationTask,
    )
    from asilo.web.encounters.selectors import CustodyClock

__all__ = [
    "CUSTODY_CSV_COLUMNS",
    "ENCOUNTER_CSV_COLUMNS",
    "EXCEPTION_CSV_COLUMNS",
    "FORMULA_STARTS",
    "OVERRIDE_CSV_COLUMNS",
    "TASK_CSV_COLUMNS",
    "csv_text",
    "custody_list_export",
    "encounter_list_export",
    "family_exception_list_export",
    "override_list_export",
    "reunification_task_list_export",
]


@dataclass(frozen=True)
class _Export:
    """One kind of export: who may make it, what it is about, and its columns."""

    capability: Capability
    object_type: str
    columns: tuple[str, ...]


def _export(
    kind: _Export,
    *,
    actor: User,
    rows: Sequence[Any],
    row: Callable[[Any], Sequence[object]],
    filters: Mapping[str, Any],
) -> str:
    """The CSV of ``rows`` (each turned into cells by ``row``), after the rights check; the
    export is audited with its filters, columns and number of rows."""
    require(actor, kind.capability, object_type=kind.object_type)
    body = csv_document(kind.columns, (row(r) for r in rows))
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type=kind.object_type,
        after={"rows": len(rows), "filters": dict(filters), "columns": list(kind.columns)},
    )
    return body


CUSTODY_CSV_COLUMNS = (
    "custody",
    "person",
    "encounter",
    "place",
    "booked_in_at",
    "booked_in_time_known",
    "standard_hours",
    "standard_due_at",
    "standard_exceeded",
    "limit_hours",
    "due_at",
    "overdue",
    "unaccompanied_since",
    "booked_out_at",
    "outcome",
)
_CUSTODY = _Export(Capability.ENCOUNTER_VIEW, CUSTODY, CUSTODY_CSV_COLUMNS)


def _custody_row(clock: CustodyClock) -> Sequence[object]:
    c = clock.custody
    return (
        c.pk,
        c.person_id,
        c.encounter_id,
        c.encounter.place_name,
        c.booked_in_at,
        c.booked_in_time_known,
        c.standard_hours,
        c.standard_due_at,
        clock.standard_exceeded,
        c.limit_hours,
        c.due_at,
        clock.overdue,
        c.unaccompanied_since,
        c.booked_out_at,
        c.outcome,
    )


def custody_list_export(
    *, actor: User, clocks: Sequence[CustodyClock], filters: Mapping[str, Any]
) -> str:
    """The rows of a custody list (ids and clocks)."""
    return _export(_CUSTODY, actor=actor, rows=clocks, row=_custody_row, filters=filters)


ENCOUNTER_CSV_COLUMNS = (
    "encounter",
    "date",
    "occurred_at",
    "place",
    "component",
    "status",
    "people",
    "authority",
    "pathway",
    "demographic",
    "catalogue_version",
    "recorded_at",
)
_ENCOUNTER = _Export(Capability.ENCOUNTER_VIEW, ENCOUNTER, ENCOUNTER_CSV_COLUMNS)


def _encounter_row(e: Encounter) -> Sequence[object]:
    decision = getattr(e, "decision", None)
    return (
        e.pk,
        e.encounter_date,
        e.occurred_at,
        e.place_name,
        e.component,
        e.status,
        len(e.participants.all()),
        decision.authority if decision else None,
        decision.pathway if decision else None,
        decision.demographic if decision else None,
        decision.catalogue_version if decision else None,
        e.recorded_at,
    )


def encounter_list_export(
    *, actor: User, encounters: Sequence[Encounter], filters: Mapping[str, Any]
) -> str:
    """The rows of an encounter list (the decision's codes, the number of people)."""
    return _export(_ENCOUNTER, actor=actor, rows=encounters, row=_encounter_row, filters=filters)


OVERRIDE_CSV_COLUMNS = (
    "override",
    "encounter",
    "authority",
    "pathway",
    "destination",
    "within_options",
    "overridden_by",
    "overridden_at",
    "verdict",
    "reviewed_by",
    "reviewed_at",
)
_OVERRIDE = _Export(Capability.OVERRIDE_REVIEW, OVERRIDE, OVERRIDE_CSV_COLUMNS)


def _override_row(o: Override) -> Sequence[object]:
    return (
        o.pk,
        o.decision.encounter_id,
        o.authority,
        o.pathway,
        o.destination,
        o.within_options,
        o.overridden_by_id,
        o.overridden_at,
        o.verdict,
        o.reviewed_by_id,
        o.reviewed_at,
    )


def override_list_export(
    *, actor: User, overrides: Sequence[Override], filters: Mapping[str, Any]
) -> str:
    """The rows of the overrides list (codes and staff ids; the reasons stay on the page)."""
    return _export(_OVERRIDE, actor=actor, rows=overrides, row=_override_row, filters=filters)


EXCEPTION_CSV_COLUMNS = (
    "exception",
    "custody",
    "person",
    "encounter",
    "outcome",
    "status",
    "requested_by",
    "requested_at",
    "decided_by",
    "decided_at",
    "reunification_task",
)
_EXCEPTION = _Export(Capability.CUSTODY_MANAGE, FAMILY_EXCEPTION, EXCEPTION_CSV_COLUMNS)


def _exception_row(x: FamilyException) -> Sequence[object]:
    task = getattr(x, "reunification_task", None)
    return (
        x.pk,
        x.custody_id,
        x.custody.person_id,
        x.custody.encounter_id,
        x.outcome,
        x.status,
        x.requested_by_id,
        x.requested_at,
        x.decided_by_id,
        x.decided_at,
        task.pk if task is not None else None,
    )


def family_exception_list_export(
    *, actor: User, exceptions: Sequence[FamilyException], filters: Mapping[str, Any]
) -> str:
    """The rows of the family exceptions list (the reasons stay on the page)."""
    return _export(_EXCEPTION, actor=actor, rows=exceptions, row=_exception_row, filters=filters)


TASK_CSV_COLUMNS = (
    "task",
    "exception",
    "family_unit",
    "person",
    "status",
    "opened_at",
    "contact_made_at",
    "located_at",
    "closed_at",
    "closing_outcome",
    "notes",
)
_TASK = _Export(Capability.CUSTODY_MANAGE, REUNIFICATION_TASK, TASK_CSV_COLUMNS)


def _task_row(t: ReunificationTask) -> Sequence[object]:
    return (
        t.pk,
        t.exception_id,
        t.family_unit_id,
        t.person_id,
        t.status,
        t.opened_at,
        t.contact_made_at,
        t.located_at,
        t.closed_at,
        t.closing_outcome,
        len(t.notes.all()),
    )


def reunification_task_list_export(
    *, actor: User, tasks: Sequence[ReunificationTask], filters: Mapping[str, Any]
) -> str:
    """The rows of the reunification tasks list (the number of notes, not their text)."""
    return _export(_TASK, actor=actor, rows=tasks, row=_task_row, filters=filters)
