"""Bulk import of a partner's list (CSV): validated row by row, all or nothing.

One row per person; rows of one family share the ``family`` reference, and a family's first
row is its principal (``relationship`` = ``principal``), which alone carries the family-level
columns (contact, city, ports, languages, vulnerabilities, MPP case). Every error names its
line (the header is line 1) and column; when any row has an error nothing is imported.
Each family's client request id is derived from the organisation, program and family
reference, so importing the same list again creates nothing twice.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_record, audit_refusal
from asilo.web.core.relationships import RelationshipToPrincipal
from asilo.web.core.roles import Capability, has_capability
from asilo.web.registrations.errors import (
    RegistrationError,
    RegistrationInputError,
)
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import Channel, Program
from asilo.web.registrations.services import registration_create, rules_date
from asilo.web.registrations.validation import FAMILY_FIELDS, MEMBER_FIELDS, clean_registration

if TYPE_CHECKING:
    from asilo.web.accounts.models import User

#: A row's columns: the family reference, the member's fields, the family's fields.
MEMBER_COLUMNS = MEMBER_FIELDS
FAMILY_COLUMNS = FAMILY_FIELDS
REQUIRED_COLUMNS = (
    "family",
    "relationship",
    "given_names",
    "surnames",
    "sex",
    "nationality",
    "waiting_city",
)
ALL_COLUMNS = ("family", *MEMBER_COLUMNS, *FAMILY_COLUMNS)
MAX_ROWS = 5000
_NAMESPACE = uuid.UUID("5b0e3a52-9d8c-4f7e-9a53-0b6f2f4d7c11")
_INDEXED = re.compile(r"^(?P<name>[a-z_]+)\[(?P<index>\d+)\](?:\.(?P<sub>[a-z_]+))?$")


@dataclass(frozen=True)
class LineError:
    line: int
    column: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    errors: list[LineError] = field(default_factory=list)
    created: list[tuple[str, str, str, str]] = field(default_factory=list)  # family, no, PIN, st
    existing: list[tuple[str, str]] = field(default_factory=list)  # family, number
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Family:
    reference: str
    lines: list[int] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)


def _error(report: ImportReport, line: int, col: str, code: C, **params: Any) -> None:
    err = RegistrationError(code, col, **params)
    report.errors.append(LineError(line, col, str(code), err.message))


def _decode(content: bytes, report: ImportReport) -> list[list[str]] | None:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        _error(report, 1, "", C.CSV_NOT_UTF8)
        return None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        _error(report, 1, "", C.CSV_NOT_UTF8)
        return None


def _check_header(header: Sequence[str], report: ImportReport) -> list[str]:
    columns = [h.strip().lower() for h in header]
    for column in columns:
        if column not in ALL_COLUMNS:
            _error(report, 1, column, C.CSV_UNKNOWN_COLUMN, column=column)
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            _error(report, 1, column, C.CSV_MISSING_COLUMN, column=column)
    return columns


def _families(rows: list[list[str]], columns: list[str], report: ImportReport) -> list[_Family]:
    families: dict[str, _Family] = {}
    for offset, cells in enumerate(rows):
        line = offset + 2
        if not any(c.strip() for c in cells):
            continue
        report.rows += 1
        if len(cells) != len(columns):
            _error(
                report,
                line,
                "",
                C.CSV_WRONG_CELL_COUNT,
                found=len(cells),
                expected=len(columns),
            )
            continue
        row = {column: cell.strip() for column, cell in zip(columns, cells, strict=True)}
        reference = row.get("family", "")
        if not reference:
            _error(report, line, "family", C.CSV_FAMILY_REQUIRED)
            continue
        family = families.setdefault(reference, _Family(reference))
        family.lines.append(line)
        family.rows.append(row)
    return list(families.values())


def _family_data(family: _Family, report: ImportReport) -> dict[str, Any] | None:
    principal = family.rows[0]
    if principal.get("relationship", "").lower() != RelationshipToPrincipal.PRINCIPAL:
        _error(
            report,
            family.lines[0],
            "relationship",
            C.CSV_FAMILY_WITHOUT_PRINCIPAL,
            family=family.reference,
        )
        return None
    clean = True
    for line, row in zip(family.lines[1:], family.rows[1:], strict=True):
        for column in FAMILY_COLUMNS:
            if row.get(column):
                _error(report, line, column, C.CSV_FAMILY_FIELD_ON_MEMBER_ROW, column=column)
                clean = False
    if not clean:
        return None
    data: dict[str, Any] = {column: principal.get(column, "") for column in FAMILY_COLUMNS}
    data["members"] = [{c: row.get(c, "") for c in MEMBER_COLUMNS} for row in family.rows]
    return data


def _where(family: _Family, field_name: str | None) -> tuple[int, str]:
    """The CSV line and column of a validation error's field."""
    match = _INDEXED.match(field_name or "")
    if match and match["name"] == "members":
        index = int(match["index"])
        line = family.lines[index] if index < len(family.lines) else family.lines[0]
        return line, match["sub"] or "family"
    if match:
        return family.lines[0], match["name"]
    if field_name in (None, "", "members", "client_request_id"):
        return family.lines[0], "family"
    return family.lines[0], field_name or ""


def request_id_for(organisation_id: int, program: Program, reference: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"bulk:{organisation_id}:{program.code}:{reference}")


def _validate(
    *, organisation_id: int, program: Program, content: bytes, on: Any
) -> tuple[ImportReport, list[tuple[_Family, Any]]]:
    report = ImportReport()
    cleaned: list[tuple[_Family, Any]] = []
    table = _decode(content, report)
    if table is None:
        return report, cleaned
    if not table:
        _error(report, 1, "", C.CSV_EMPTY)
        return report, cleaned
    columns = _check_header(table[0], report)
    if report.errors:
        return report, cleaned
    if len(table) - 1 > MAX_ROWS:
        _error(report, 1, "", C.CSV_TOO_LARGE, limit=MAX_ROWS)
        return report, cleaned
    families = _families(table[1:], columns, report)
    if report.rows == 0 and not report.errors:
        _error(report, 1, "", C.CSV_EMPTY)
    for family in families:
        data = _family_data(family, report)
        if data is None:
            continue
        request_id = request_id_for(organisation_id, program, family.reference)
        data["client_request_id"] = str(request_id)
        try:
            cleaned.append(
                (family, clean_registration(data, program=program, on=on, contact_required=False))
            )
        except RegistrationInputError as exc:
            for err in exc.errors:
                line, column = _where(family, err.field)
                report.errors.append(LineError(line, column, str(err.code), err.message))
    report.errors.sort(key=lambda e: (e.line, e.column))
    return report, cleaned


def registrations_import_csv(
    *, actor: User, program: Program, content: bytes, now: datetime | None = None
) -> ImportReport:
    """Validate every row; import every family only if no row has an error. A refused file
    is audited too (with its counts, never its contents)."""
    if not has_capability(actor, Capability.REGISTRATION_CREATE) or actor.organisation_id is None:
        raise RegistrationError(C.CSV_ORGANISATION_REQUIRED)
    if not program.is_open:
        raise RegistrationError(C.PROGRAM_CLOSED, "program")
    now = now or timezone.now()
    report, cleaned = _validate(
        organisation_id=actor.organisation_id,
        program=program,
        content=content,
        on=rules_date(program, now),
    )
    if report.errors:
        audit_refusal(
            actor=actor,
            object_type="registrations.import",
            after={"program": program.code, "rows": report.rows, "errors": len(report.errors)},
            note="bulk import refused: nothing imported",
        )
        return report
    with transaction.atomic():
        for family, registration_input in cleaned:
            result = registration_create(
                actor=actor,
                program=program,
                registration_input=registration_input,
                source="bulk",
                channel=Channel.BULK_IMPORT,
                now=now,
            )
            if result.created:
                report.created.append(
                    (
                        family.reference,
                        result.registration.number,
                        result.pin or "",
                        result.registration.status,
                    )
                )
            else:
                report.existing.append((family.reference, result.registration.number))
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="registrations.import",
            object_id=None,
            after={
                "program": program.code,
                "rows": report.rows,
                "created": len(report.created),
                "already_registered": len(report.existing),
            },
            note="bulk import",
        )
    return report
