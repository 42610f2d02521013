"""The CSV files of ``asilo schedule allocate``: readers that name file, line and column for
every error, and writers that replace the output file only once it is complete
(:mod:`asilo.outputfiles`).

Line numbers count physical lines of the file; the header is line 1.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from asilo.csvsafe import safe_text
from asilo.inputfiles import InputFileFault, header_faults
from asilo.outputfiles import write_text
from asilo.scheduling.digest import (
    APPOINTMENT_COLUMNS,
    CAPACITY_COLUMNS,
    REGISTRATION_COLUMNS,
    canonical_csv,
    capacity_rows,
    registration_rows,
)
from asilo.scheduling.model import (
    PORT_SEPARATOR,
    REGISTRATION_ID_PATTERN,
    AllocationResult,
    PortDayCapacity,
    Registration,
)

T = TypeVar("T")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WHOLE_NUMBER = re.compile(r"[0-9]+")


class InputFileError(InputFileFault):
    """A problem in an input file of ``asilo schedule allocate``, located by file, line and
    column."""


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    values: dict[str, str]


class _FieldError(ValueError):
    """A bad value; the reader adds file, line and column."""


def _whole_number(text: str) -> int:
    if not _WHOLE_NUMBER.fullmatch(text):
        raise _FieldError(f"{text!r} is not a whole number (digits 0-9 only)")
    return int(text)


def _iso_date(text: str) -> date:
    if not _DATE.fullmatch(text):
        raise _FieldError(f"{text!r} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise _FieldError(f"{text!r} is not a real date ({exc})") from exc


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, 1, None, f"cannot read the file: {exc.strerror}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputFileError(path, line, None, "the file is not UTF-8 text") from exc


def _rows(path: Path, columns: Sequence[str]) -> Iterator[_Row]:
    """The data rows of a CSV file with exactly ``columns`` (in any order) in its header."""
    reader = csv.reader(io.StringIO(_read_text(path), newline=""), strict=True)
    start = 1  # the line on which the record being read starts
    try:
        header = _header(path, next(reader, None), columns)
        start = reader.line_num + 1
        for fields in reader:
            row = _row(path, start, header, fields)
            start = reader.line_num + 1
            if row is not None:
                yield row
    except csv.Error as exc:
        raise InputFileError(
            path, start, None, f"not valid CSV in the record starting on this line: {exc}"
        ) from exc


def _header(path: Path, fields: list[str] | None, columns: Sequence[str]) -> list[str]:
    expected = ",".join(columns)
    if fields is None:
        raise InputFileError(path, 1, None, f"the file is empty; expected the header {expected}")
    header = [name.strip() for name in fields]
    faults = header_faults(header, columns)
    if faults:  # the first, in the header's order
        fault = faults[0]
        problem = {
            "unknown": f"unknown column; expected {expected}",
            "repeated": "the column appears twice",
            "missing": f"missing column; expected {expected}",
        }[fault.kind]
        raise InputFileError(path, 1, fault.column, problem)
    return header


def _row(path: Path, line: int, header: list[str], fields: list[str]) -> _Row | None:
    """One data row, or None for a blank line."""
    if not fields or (len(fields) == 1 and not fields[0].strip()):
        return None
    if len(fields) < len(header):
        raise InputFileError(
            path,
            line,
            header[len(fields)],
            f"the row has {len(fields)} fields, expected {len(header)}",
        )
    if len(fields) > len(header):
        raise InputFileError(
            path, line, None, f"the row has {len(fields)} fields, expected {len(header)}"
        )
    return _Row(line, {name: value.strip() for name, value in zip(header, fields, strict=True)})


def _field(path: Path, row: _Row, column: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(row.values[column])
    except _FieldError as exc:
        raise InputFileError(path, row.line, column, str(exc)) from exc


def _registration_id(text: str) -> str:
    if not REGISTRATION_ID_PATTERN.fullmatch(text):
        raise _FieldError(
            f"{text!r} is not a registration id (1-64 ASCII letters, digits, '.', '_' or '-', "
            "starting with a letter or digit)"
        )
    return text


def _family_size(text: str) -> int:
    size = _whole_number(text)
    if size < 1:
        raise _FieldError(f"family size {size} is below 1")
    return size


def _tier(known_tiers: Collection[int]) -> Callable[[str], int]:
    def parse(text: str) -> int:
        tier = _whole_number(text)
        if tier not in known_tiers:
            raise _FieldError(f"unknown tier {tier}; the method's tiers are {sorted(known_tiers)}")
        return tier

    return parse


def _preferred_ports(known_ports: Collection[str]) -> Callable[[str], tuple[str, ...]]:
    def parse(text: str) -> tuple[str, ...]:
        if not text:
            return ()
        ports = tuple(p.strip() for p in text.split(PORT_SEPARATOR))
        for port in ports:
            if not port:
                raise _FieldError(f"{text!r} has an empty port name between {PORT_SEPARATOR!r}")
            if port not in known_ports:
                raise _FieldError(f"port {port!r} is not in the capacity file")
        if len(set(ports)) != len(ports):
            raise _FieldError(f"{text!r} lists a port twice")
        return ports

    return parse


def read_registrations_csv(
    path: Path, *, known_ports: Collection[str], known_tiers: Collection[int]
) -> list[Registration]:
    """Read REGS.csv; every port named must be in ``known_ports`` (the capacity file's)."""
    registrations: list[Registration] = []
    first_line: dict[str, int] = {}
    parse_tier = _tier(known_tiers)
    parse_ports = _preferred_ports(known_ports)
    for row in _rows(path, REGISTRATION_COLUMNS):
        registration_id = _field(path, row, "registration_id", _registration_id)
        if registration_id in first_line:
            raise InputFileError(
                path,
                row.line,
                "registration_id",
                f"duplicate registration id {registration_id!r} (first on line "
                f"{first_line[registration_id]})",
            )
        first_line[registration_id] = row.line
        registrations.append(
            Registration(
                registration_id=registration_id,
                family_size=_field(path, row, "family_size", _family_size),
                registered_on=_field(path, row, "registered_on", _iso_date),
                tier=_field(path, row, "tier", parse_tier),
                preferred_ports=_field(path, row, "preferred_ports", parse_ports),
            )
        )
    return registrations


def _port_name(text: str) -> str:
    if not text:
        raise _FieldError("the port name is empty")
    if PORT_SEPARATOR in text:
        raise _FieldError(f"a port name cannot contain {PORT_SEPARATOR!r}")
    if "\0" in text:
        raise _FieldError("a port name cannot contain a NUL byte")
    return text


def read_capacity_csv(path: Path) -> list[PortDayCapacity]:
    """Read CAP.csv: one row per port and day, capacity in persons."""
    capacity: list[PortDayCapacity] = []
    first_line: dict[tuple[str, date], int] = {}
    for row in _rows(path, CAPACITY_COLUMNS):
        port = _field(path, row, "port", _port_name)
        day = _field(path, row, "date", _iso_date)
        if (port, day) in first_line:
            raise InputFileError(
                path,
                row.line,
                "date",
                f"duplicate port and date: {port} on {day.isoformat()} (first on line "
                f"{first_line[(port, day)]})",
            )
        first_line[(port, day)] = row.line
        persons = _field(path, row, "capacity", _whole_number)
        capacity.append(PortDayCapacity(port=port, date=day, capacity=persons))
    return capacity


def appointments_csv(result: AllocationResult) -> str:
    """APPOINTMENTS.csv text: one row per registration, in priority order."""
    rows = (
        (
            a.registration_id,
            str(a.priority_rank),
            safe_text(a.port or ""),
            a.date.isoformat() if a.date else "",
        )
        for a in result.appointments
    )
    return canonical_csv(APPOINTMENT_COLUMNS, rows)


def write_appointments_csv(result: AllocationResult, path: Path) -> None:
    """Write APPOINTMENTS.csv atomically."""
    write_text(path, appointments_csv(result))


def write_registrations_csv(registrations: Sequence[Registration], path: Path) -> None:
    """Write REGS.csv in the order given (in id order it is the canonical, digested form)."""
    write_text(path, canonical_csv(REGISTRATION_COLUMNS, registration_rows(registrations)))


def write_capacity_csv(capacity: Sequence[PortDayCapacity], path: Path) -> None:
    """Write CAP.csv in the order given (the canonical, digested form)."""
    write_text(path, canonical_csv(CAPACITY_COLUMNS, capacity_rows(capacity)))
