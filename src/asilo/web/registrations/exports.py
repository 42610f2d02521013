"""CSV exports of registrations for a caseworker's organisation: through the rights of the
reader, audited, and safe to open in a spreadsheet (a cell that starts like a formula is
prefixed with an apostrophe, so ``=HYPERLINK(...)`` stays text)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from asilo.csvsafe import safe_text
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_record
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import Registration
from asilo.web.registrations.selectors import status_labels

if TYPE_CHECKING:
    from asilo.web.core.actors import Actor

REGISTRATION = "registrations.registration"

REGISTRATION_COLUMNS = (
    "number",
    "program",
    "channel",
    "status",
    "status_in_words",
    "closed_reason",
    "tier",
    "family_size",
    "registered_on",
    "verified",
    "principal_given_names",
    "principal_surnames",
    "phone",
    "waiting_city",
    "preferred_ports",
)
SLIP_COLUMNS = ("family", "number", "pin", "status", "language")


#: A cell a spreadsheet shows as text (the shared helper, :mod:`asilo.csvsafe`).
neutralise = safe_text


def _write(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return out.getvalue()


def registrations_export_csv(*, actor: Actor, rows: QuerySet[Registration]) -> str:
    """The registrations in ``rows`` (already limited to what ``actor`` may read), one line
    each with the principal's name and contact; the export is audited with its count."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise RegistrationError(C.FORBIDDEN)
    registrations = list(rows.select_related("program").prefetch_related("members"))
    labels = status_labels(registrations)
    lines = []
    for r in registrations:
        members = list(r.members.all())
        principal = members[0] if members else None
        lines.append(
            [
                r.number,
                r.program.code,
                r.channel,
                r.status,
                labels[r.pk],
                r.closed_reason,
                r.tier,
                len(members),
                r.registered_on.date().isoformat(),
                "yes" if r.verified_at else "no",
                principal.given_names if principal else "",
                principal.surnames if principal else "",
                r.contact_phone or r.contact_whatsapp or "",
                r.waiting_city,
                ";".join(r.preferred_ports or []),
            ]
        )
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type=REGISTRATION,
        after={"exported": len(lines), "numbers": [r.number for r in registrations][:1000]},
        note="registrations exported (CSV)",
    )
    return _write(REGISTRATION_COLUMNS, lines)


def import_slips_csv(
    *, actor: Actor, created: Sequence[tuple[str, str, str, str]], languages: dict[str, str]
) -> str:
    """An import's numbers and PINs for the partner to hand over (family reference, number,
    PIN, status, language of the family). Audited with the numbers, never the PINs."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise RegistrationError(C.FORBIDDEN)
    audit_record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type=REGISTRATION,
        after={"exported": len(created), "numbers": [c[1] for c in created][:1000]},
        note="import numbers and PINs exported (CSV)",
    )
    return _write(
        SLIP_COLUMNS,
        [
            (family, number, pin, status, languages.get(number, ""))
            for family, number, pin, status in created
        ],
    )
