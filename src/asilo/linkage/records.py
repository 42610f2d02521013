"""The identity record files: their columns, and a reader that refuses bad input precisely.

``R.csv`` (records to link) has exactly the columns :data:`RECORD_COLUMNS`; any identity
field may be empty; ``date_of_birth`` is ``YYYY-MM-DD`` or ``YYYY`` (year only known).
``T.csv`` (ground truth) has ``record_id,true_identity_id`` and, from the generator, a third
column ``corruption_kinds`` (kinds separated by ``;``).
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from asilo.inputfiles import InputFileFault, header_faults


@dataclass(frozen=True)
class RecordFields:
    """One record as written down: the columns of ``R.csv`` (:data:`RECORD_COLUMNS`), in
    order. The synthetic population's records and the review page's cards extend it."""

    record_id: str
    given_names: str
    first_surname: str
    second_surname: str
    date_of_birth: str
    sex: str
    nationality: str
    a_number: str
    document_number: str

    def row(self) -> list[str]:
        """The values in :data:`RECORD_COLUMNS` order: one line of ``R.csv``."""
        return [getattr(self, column) for column in RECORD_COLUMNS]


#: The columns of ``R.csv``, in order: the fields of :class:`RecordFields`.
RECORD_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RecordFields))
TRUTH_COLUMNS: tuple[str, ...] = ("record_id", "true_identity_id", "corruption_kinds")
CLUSTER_COLUMNS: tuple[str, ...] = ("record_id", "identity_id", "match_probability")

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})-(\d{2}))?$")
_A_NUMBER = re.compile(r"^A?-?\d{8,9}$")
_SEX = frozenset({"M", "F", "X"})
_NATIONALITY = re.compile(r"^[A-Z]{3}$")
_MAX_FIELD = 200


class RecordFileError(InputFileFault):
    """A bad identity record file (``R.csv``, ``T.csv``, ``C.csv``): where and what is wrong."""


def open_csv(path: Path) -> IO[str]:
    """``path`` opened for the csv module, or :class:`RecordFileError` (line 0) when it cannot
    be read."""
    try:
        return path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise RecordFileError(path, 0, None, f"cannot be read ({exc.strerror})") from exc


@dataclass(frozen=True)
class Row:
    values: dict[str, str]
    line: int


def _check_date(value: str) -> str | None:
    m = _DATE.match(value)
    if m is None:
        return "expected YYYY-MM-DD, or YYYY when only the year is known"
    year = int(m.group(1))
    if year < 1900 or year > 2100:
        return f"year {year} is outside 1900-2100"
    if m.group(2) is not None:
        try:
            date(year, int(m.group(2)), int(m.group(3)))
        except ValueError:
            return "no such date"
    return None


def _check(column: str, value: str) -> str | None:
    if len(value) > _MAX_FIELD:
        return f"longer than {_MAX_FIELD} characters"
    if not value:
        return "empty" if column == "record_id" else None
    if column == "date_of_birth":
        return _check_date(value)
    if column == "sex" and value not in _SEX:
        return "expected M, F or X (or empty)"
    if column == "nationality" and not _NATIONALITY.match(value):
        return "expected an ISO 3166 alpha-3 code in capitals, e.g. HND (or empty)"
    if column == "a_number" and not _A_NUMBER.match(value):
        return "expected an A-number: 8 or 9 digits, optionally after 'A' (or empty)"
    return None


def read_records(path: Path) -> Iterator[Row]:
    """Yield the rows of an ``R.csv`` file, raising :class:`RecordFileError` at the first fault.

    Record ids must be unique. Everything is checked before anything is returned to a caller
    that needs the whole file (use :func:`validate_records`).
    """
    with open_csv(path) as fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise RecordFileError(path, 1, None, f"not a UTF-8 CSV file ({exc})") from exc
        if not header:
            raise RecordFileError(path, 1, None, "the file is empty (no header line)")
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        if tuple(header) != RECORD_COLUMNS:
            raise RecordFileError(
                path,
                1,
                None,
                "the header must be " + ",".join(RECORD_COLUMNS) + f" ({_header_detail(header)})",
            )
        seen: set[str] = set()
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                raise RecordFileError(
                    path, reader.line_num, None, f"unreadable CSV ({exc})"
                ) from exc
            line = reader.line_num
            if not fields:
                continue
            if len(fields) != len(RECORD_COLUMNS):
                raise RecordFileError(
                    path,
                    line,
                    None,
                    f"{len(fields)} fields where {len(RECORD_COLUMNS)} are expected",
                )
            values = {c: v.strip() for c, v in zip(RECORD_COLUMNS, fields, strict=True)}
            for column in RECORD_COLUMNS:
                problem = _check(column, values[column])
                if problem:
                    raise RecordFileError(path, line, column, f"{problem}: {values[column]!r}")
            rid = values["record_id"]
            if rid in seen:
                raise RecordFileError(path, line, "record_id", f"duplicate record id {rid!r}")
            seen.add(rid)
            yield Row(values, line)


#: How the header's message names each kind of fault, in its order.
_HEADER_FAULTS = (("missing", "missing"), ("unknown", "unexpected"), ("repeated", "repeated"))


def _header_detail(header: list[str]) -> str:
    """What is wrong with a header that is not :data:`RECORD_COLUMNS`."""
    faults = header_faults(header, RECORD_COLUMNS)
    detail = []
    for kind, label in _HEADER_FAULTS:
        named = [fault.column for fault in faults if fault.kind == kind]
        if named:
            detail.append(f"{label} {', '.join(named)}")
    return "; ".join(detail or ["columns out of order"])


def validate_records(path: Path) -> int:
    """Check the whole file; return the number of records."""
    return sum(1 for _ in read_records(path))


def count_well_formed(path: Path) -> int | None:
    """The number of records when ``path`` is a UTF-8 CSV file with the right header and
    nine fields on every non-blank line; ``None`` when it is not (then :func:`read_records`
    says where and why).

    This is the structural half of :func:`validate_records` at the speed of the C ``csv``
    reader (no Python code per line); the values are checked in bulk by
    :func:`suspect_rows_sql`.
    """
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh, strict=True)
            header = next(reader, None)
            if not header:
                return None
            if header[0].startswith("\ufeff"):
                header[0] = header[0][1:]
            if tuple(header) != RECORD_COLUMNS:
                return None
            lengths = Counter(map(len, reader))
    except (OSError, csv.Error, UnicodeDecodeError):
        return None
    if set(lengths) - {0, len(RECORD_COLUMNS)}:
        return None
    return lengths[len(RECORD_COLUMNS)]


# Characters ``str.strip()`` removes (Python's whitespace): a field that starts or ends with
# one is left to the Python reader, so that the SQL below never sees a value Python strips.
_EDGE_SPACE = r"[\s\x0b\x1c-\x1f\x85\p{Z}]"


def suspect_rows_sql(table: str) -> str:
    """DuckDB SQL counting the rows of ``table`` (``R.csv`` columns, empty fields NULL) that
    :func:`read_records` might refuse.

    It is at least as strict as the Python checks (a value it passes, Python passes): it
    refuses edge whitespace of any kind, counts bytes rather than characters against the
    length limit, and accepts only ASCII digits. A file with no suspect row and no duplicate
    record id is valid; otherwise :func:`read_records` decides, and names line and column.
    """
    checks = [f"strlen({c}) > {_MAX_FIELD}" for c in RECORD_COLUMNS]
    checks += [f"regexp_matches({c}, '^{_EDGE_SPACE}|{_EDGE_SPACE}$')" for c in RECORD_COLUMNS]
    checks += [
        "record_id is null",
        "not regexp_full_match(date_of_birth, '[0-9]{4}(-[0-9]{2}-[0-9]{2})?')",
        "not (try_cast(substr(date_of_birth, 1, 4) as integer) between 1900 and 2100)",
        "(length(date_of_birth) = 10 and try_strptime(date_of_birth, '%Y-%m-%d') is null)",
        "sex not in ('M', 'F', 'X')",
        "not regexp_full_match(nationality, '[A-Z]{3}')",
        "not regexp_full_match(a_number, 'A?-?[0-9]{8,9}')",
    ]
    # NULL (an empty field) makes a check NULL, which counts as passing.
    return (
        f"select count(*) filter (where coalesce({' or '.join(f'({c})' for c in checks)}, false))"
        f", count(*), count(distinct record_id) from {table}"
    )


def read_truth(path: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """``record_id -> (true_identity_id, corruption kinds)`` from a ``T.csv`` file."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    with open_csv(path) as fh:
        reader = csv.reader(fh)
        try:
            return _truth_rows(path, reader, out)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise RecordFileError(
                path, reader.line_num, None, f"not a UTF-8 CSV file ({exc})"
            ) from exc


def _truth_rows(
    path: Path, reader: Any, out: dict[str, tuple[str, tuple[str, ...]]]
) -> dict[str, tuple[str, tuple[str, ...]]]:
    header = next(reader, None)
    if header is None or tuple(header[:2]) != TRUTH_COLUMNS[:2]:
        raise RecordFileError(
            path, 1, None, "the header must start with record_id,true_identity_id"
        )
    for fields in reader:
        if not fields:
            continue
        if len(fields) < 2 or not fields[0] or not fields[1]:
            raise RecordFileError(
                path, reader.line_num, None, "record_id and true_identity_id are required"
            )
        kinds = tuple(k for k in fields[2].split(";") if k) if len(fields) > 2 else ()
        out[fields[0]] = (fields[1], kinds)
    return out
