"""Exports of the lists as CSV: ids and clocks, never names; audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from asilo.web.accounts.roles import Capability
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_record
from asilo.web.core.access import require
from asilo.web.encounters.object_types import (
    CUSTODY,
)

if TYPE_CHECKING:
    from asilo.web.accounts.models import User


# --- exports --------------------------------------------------------------------------------

#: A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

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


def csv_text(value: object) -> str:
    """A cell's text, a formula neutralised (a leading quote: shown as text, never run)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def custody_list_export(*, actor: User, clocks: Sequence[Any], filters: Mapping[str, Any]) -> str:
    """The rows of a custody list as CSV (ids and clocks, never names); the export is
    audited with its filters and the number of rows."""
    import csv
    import io

    require(actor, Capability.ENCOUNTER_VIEW, object_type=CUSTODY)

    def stamp(value: datetime | None) -> str:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else ""

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CUSTODY_CSV_COLUMNS)
    for clock in clocks:
        c = clock.custody
        writer.writerow(
            [
                c.pk,
                c.person_id,
                c.encounter_id,
                csv_text(c.encounter.place_name),
                stamp(c.booked_in_at),
                str(c.booked_in_time_known).lower(),
                c.standard_hours,
                stamp(c.standard_due_at),
                str(clock.standard_exceeded).lower(),
                "" if c.limit_hours is None else c.limit_hours,
                stamp(c.due_at),
                str(clock.overdue).lower(),
                stamp(c.unaccompanied_since),
                stamp(c.booked_out_at),
                csv_text(c.outcome),
            ]
        )
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type=CUSTODY,
        after={"rows": len(clocks), "filters": dict(filters), "columns": list(CUSTODY_CSV_COLUMNS)},
    )
    return out.getvalue()
