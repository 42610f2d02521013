"""Import CBP encounter files into the statistics database.

A file is recognised by its header (see :mod:`asilo.stats.products`), read by DuckDB's own CSV
reader with explicit columns and types, and checked with SQL. Every value outside CBP's
vocabulary, every count that is not a whole number, every short or long line and every byte
that is not UTF-8 is reported with its file and line (the header is line 1). If any file of an
import has an error, nothing is imported: the database stays as it was. Otherwise all files are
written in one transaction; a file imported before under the same name has its rows replaced.

:func:`import_store` imports into a copy of the database file and swaps it in whole
(:func:`asilo.stats.store.replacing`): the statistics stay readable, with the old figures,
while an import runs, and a failed or killed import leaves the database as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from asilo.stats import store
from asilo.stats import vocabulary as v
from asilo.stats.products import Product, recognise

MAX_ERRORS_PER_FILE = 20

_counter = itertools.count()

#: The type each canonical column is read as. A value the type refuses is a line-numbered error.
_READ_TYPES: dict[str, str] = {
    "fiscal_year": "INTEGER",
    "month_grouping": "in_month_grouping_t",
    "month_abbv": "in_month_t",
    "component": "in_component_t",
    "region": "in_region_t",
    "aor": "VARCHAR",
    "aor_abbv": "VARCHAR",
    "state": "VARCHAR",
    "demographic": "in_demographic_t",
    "citizenship": "VARCHAR",
    "title_of_authority": "authority_t",
    "encounter_type": "encounter_type_t",
    "encounter_count": "UBIGINT",
}


@dataclass(frozen=True)
class LineError:
    """Why a file cannot be imported: where (line 1 is the header) and what is wrong."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.reason}"


class ImportFailed(Exception):
    """An import refused: nothing was written. ``errors`` says where and why."""

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class FileImport:
    """What one file brought in."""

    file_name: str
    product: Product
    rows: int
    encounters: int
    first_month: dt.date | None
    last_month: dt.date | None
    replaced: bool


@dataclass(frozen=True)
class ImportReport:
    files: tuple[FileImport, ...]
    overlaps: tuple[store.Overlap, ...]


@dataclass(frozen=True)
class _Recognised:
    """A file whose header names a product: the columns to read and their types."""

    path: Path
    product: Product
    header: list[str]
    columns: dict[str, str]

    def source(self, rejects: tuple[str, str] | None = None) -> str:
        return _read_csv(self.path, self.columns, rejects)


def import_store(db: Path | str, paths: Sequence[Path | str]) -> ImportReport:
    """Import ``paths`` into the statistics database file ``db`` (created if need be): into a
    copy, swapped in only when every file is in (:func:`asilo.stats.store.replacing`)."""
    with store.replacing(db) as con:
        return import_files(con, paths)


def import_files(con: duckdb.DuckDBPyConnection, paths: Sequence[Path | str]) -> ImportReport:
    """Import ``paths`` (all or nothing); raise :class:`ImportFailed` on any error.

    Each file is read once, straight into the database, inside one transaction for the whole
    import; an error rolls it back and the files are then checked line by line for the report.
    """
    store.ensure_schema(con)
    errors: list[LineError] = []
    recognised: list[_Recognised] = []
    seen: set[str] = set()
    for path in (Path(p) for p in paths):
        if path.name in seen:
            errors.append(LineError(path.name, None, "named twice in one import"))
            continue
        seen.add(path.name)
        result = _recognise(path)
        if isinstance(result, LineError):
            errors.append(result)
        else:
            recognised.append(result)
    if errors:
        for r in recognised:
            errors.extend(_check(con, r))
        raise ImportFailed(errors)
    imported = _load(con, recognised)
    names = {f.file_name for f in imported}
    overlaps = tuple(
        o for o in store.select_sources(con).overlaps if o.superseded in names or o.chosen in names
    )
    return ImportReport(files=tuple(imported), overlaps=overlaps)


def _load(con: duckdb.DuckDBPyConnection, files: list[_Recognised]) -> list[FileImport]:
    """Write every file in one transaction; on the first bad file roll back and report."""
    imported: list[FileImport] = []
    con.execute("BEGIN TRANSACTION")
    for i, r in enumerate(files):
        failure: Exception | None = None
        try:
            result = _write(con, r)
        except duckdb.Error as exc:  # a NOT NULL or cast failure: some value is bad
            result, failure = None, exc
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if isinstance(result, FileImport):
            imported.append(result)
            continue
        con.execute("ROLLBACK")
        errors = result.errors if isinstance(result, _LinesRefused) else _check(con, r)
        if not errors:
            errors = [LineError(r.path.name, None, f"cannot be imported: {failure}")]
        for rest in files[i + 1 :]:
            errors.extend(_check(con, rest))
        raise ImportFailed(errors)
    con.execute("COMMIT")
    return imported


def _recognise(path: Path) -> _Recognised | LineError:
    header = _read_header(path)
    if isinstance(header, LineError):
        return header
    recognition = recognise(header)
    if not recognition.exact:
        return LineError(path.name, 1, recognition.problem())
    product = recognition.product
    columns = {product.canonical(h): _read_type(product, product.canonical(h)) for h in header}
    return _Recognised(path, product, header, columns)


def _read_header(path: Path) -> list[str] | LineError:
    try:
        with path.open("rb") as f:
            raw = f.readline(1 << 20)
    except OSError as exc:
        return LineError(path.name, None, f"cannot read file: {exc.strerror or exc}")
    if not raw.strip():
        return LineError(path.name, 1, "empty file: no header line")
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return LineError(
            path.name, 1, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        )
    return next(csv.reader([text.rstrip("\r\n")]))


def _read_csv(path: Path, columns: dict[str, str], rejects: tuple[str, str] | None) -> str:
    """DuckDB's CSV reader over ``path`` with explicit columns and types (no sniffing)."""
    spec = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items()) + "}"
    quoted = str(path).replace("'", "''")
    store_rejects = (
        f", store_rejects = true, rejects_table = '{rejects[0]}', rejects_scan = '{rejects[1]}'"
        if rejects
        else ""
    )
    return (
        f"read_csv('{quoted}', header = true, auto_detect = false, delim = ',', quote = '\"', "
        f"escape = '\"', strict_mode = true, columns = {spec}{store_rejects})"
    )


def _check(con: duckdb.DuckDBPyConnection, r: _Recognised) -> list[LineError]:
    """Every error in a file, by line, without writing anything (one streaming pass)."""
    n = next(_counter)
    rejects = (f"rejects_{n}", f"rejects_scan_{n}")
    any_bad = " OR ".join(f"({condition})" for condition, _ in _value_checks(r))
    try:
        # fetchall, not fetchone: the reader writes its rejects table only when the scan ends.
        bad_rows = con.execute(
            f"SELECT count(*) FILTER ({any_bad}) FROM {r.source(rejects)}"
        ).fetchall()[0][0]
        errors = _reader_errors(con, r, rejects[0])
    except duckdb.Error as exc:
        return [LineError(r.path.name, None, f"cannot be read as CSV: {exc}")]
    finally:
        for table in rejects:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    if errors:
        return errors
    return _value_errors(con, r) if bad_rows else []


def _read_type(product: Product, column: str) -> str:
    # Every product writes the current year of a release as "2026 (FYTD)": read the fiscal
    # year as text and check its form with SQL (see _YEAR_FORM).
    if column == "fiscal_year":
        return "VARCHAR"
    return _READ_TYPES[column]


def _reader_errors(con: duckdb.DuckDBPyConnection, r: _Recognised, rejects: str) -> list[LineError]:
    """What DuckDB's reader refused (short lines, bad bytes, values its types reject)."""
    file_name, header = r.path.name, r.header
    rows = con.execute(
        f"SELECT line, column_idx, error_type, csv_line, error_message FROM {rejects} "
        "ORDER BY line, error_type NOT IN ('MISSING COLUMNS', 'TOO MANY COLUMNS', "
        "'INVALID ENCODING'), column_idx"
    ).fetchall()
    errors: list[LineError] = []
    for line, column_idx, error_type, _csv_line, message in rows:
        if errors and errors[-1].line == int(line):
            continue  # one error per line: the first the reader met
        column = header[column_idx - 1] if 0 < column_idx <= len(header) else "?"
        reason = _reason(error_type, column, len(header), message)
        errors.append(LineError(file_name, int(line), reason))
        if len(errors) == MAX_ERRORS_PER_FILE:
            break
    return errors


def _reason(error_type: str, column: str, width: int, message: str) -> str:
    if error_type == "CAST":
        value = message.split('Could not convert string "', 1)[-1].split('" to', 1)[0]
        return f"{column}: {value!r} is not {_expected(column)}"
    if error_type == "MISSING COLUMNS":
        found = message.rsplit("Found:", 1)[-1].strip()
        return f"only {found} of {width} values: the line ends early (truncated?)"
    if error_type == "TOO MANY COLUMNS":
        found = message.rsplit("Found:", 1)[-1].strip()
        return f"{found} values where the header has {width} (an unquoted comma?)"
    if error_type == "INVALID ENCODING":
        return "not UTF-8 text (a file saved in another encoding?)"
    if error_type == "UNQUOTED VALUE":
        return f"badly quoted value ({message})"
    return f"{error_type.lower()}: {message}"


#: What a column must hold, by a word of its name (first match wins), with its allowed values.
_EXPECTED: tuple[tuple[tuple[str, ...], str, Iterable[str]], ...] = (
    (("month", "group"), "a month grouping", v.MONTH_GROUPINGS),
    (("month",), "a month abbreviation", v.FISCAL_MONTHS),
    (("component",), "a component", v.COMPONENT_SPELLINGS),
    (("region",), "a land border region", v.REGIONS),
    (("demographic",), "a CBP demographic", v.DEMOGRAPHIC_SPELLINGS),
    (("authority",), "a title of authority", v.AUTHORITIES),
    (("type",), "an encounter type", v.ENCOUNTER_TYPES),
)


def _expected(column: str) -> str:
    key = column.lower()
    if "count" in key:
        return "a whole number of encounters"
    if "fiscal" in key:
        return "a fiscal year"
    for words, what, allowed in _EXPECTED:
        if all(word in key for word in words):
            return f"{what} ({', '.join(allowed)})"
    return "a valid value"


def _value_checks(r: _Recognised) -> list[tuple[str, str]]:
    """(SQL condition that marks a bad row, reason) for what the reader's types cannot check:
    empty values, the year's form (``2026 (FYTD)``), year range, state codes."""
    product = r.product
    checks: list[tuple[str, str]] = []
    for h in r.header:
        checks.append((f"{product.canonical(h)} IS NULL", f"{h} is empty"))
    checks.append((f"{_year()} IS NULL", "Fiscal Year is not a year (like 2024, or 2025 (FYTD))"))
    checks.append((f"{_year()} NOT BETWEEN 1990 AND 2100", "Fiscal Year is out of range"))
    if "state" in product.dimensions:
        checks.append(
            ("NOT regexp_full_match(state, '[A-Z]{2}')", "State is not a two-letter code")
        )
    return checks


#: The forms of the fiscal-year column: ``2024``, and the current year of a release as CBP marks
#: it in every product, ``2026 (FYTD)``. Variants of that marker are accepted too: any case and
#: spacing (``2026(fytd)``), an ``FY`` prefix (``FY2026 (FYTD)``) and a footnote star.
_YEAR_PATTERN = r"\s*(FY\s?)?[0-9]{4}(\s*\(FYTD\))?\*?\s*"
_YEAR_FORM = f"regexp_full_match(fiscal_year, '{_YEAR_PATTERN}', 'i')"


def _year() -> str:
    """SQL for the fiscal year as a number, NULL when the column is not in a year form. A plain
    number is cast as the reader's INTEGER type did (the common case: no regular expression
    runs for it); only the other rows are matched against the marked forms."""
    return (
        "coalesce(TRY_CAST(fiscal_year AS INTEGER), CASE WHEN "
        f"{_YEAR_FORM} THEN CAST(regexp_extract(fiscal_year, '[0-9]{{4}}') AS INTEGER) END)"
    )


def _value_errors(con: duckdb.DuckDBPyConnection, r: _Recognised) -> list[LineError]:
    """The rows that fail the value checks, by line: read the file into a numbered table."""
    table = f"stage_{next(_counter)}"
    case = " ".join(f"WHEN {cond} THEN '{reason}'" for cond, reason in _value_checks(r))
    try:
        con.execute("SET preserve_insertion_order = true")  # rowid = data line, in file order
        con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM {r.source()}")
        rows = con.execute(
            f"SELECT rowid, reason FROM (SELECT rowid, CASE {case} END AS reason FROM {table}) "
            f"WHERE reason IS NOT NULL ORDER BY rowid LIMIT {MAX_ERRORS_PER_FILE}"
        ).fetchall()
    except duckdb.Error:
        return []
    finally:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    lines = _row_lines(r.path, [int(row[0]) for row in rows])
    return [LineError(r.path.name, lines[int(rowid)], reason) for rowid, reason in rows]


def _row_lines(path: Path, rowids: list[int]) -> dict[int, int]:
    """Line numbers of data rows (0-based ``rowids``), counting the blank lines DuckDB skips."""
    wanted = sorted(set(rowids))
    found: dict[int, int] = {}
    row = -1
    with path.open("rb") as f:
        for line_number, raw in enumerate(f, start=1):
            if line_number == 1 or not raw.strip():
                continue
            row += 1
            if row == wanted[len(found)]:
                found[row] = line_number
                if len(found) == len(wanted):
                    break
    return found


def _map(column: str, spellings: dict[str, str], target: str) -> str:
    cases = " ".join(
        f"WHEN '{given.replace(chr(39), chr(39) * 2)}' THEN '{canonical}'"
        for given, canonical in spellings.items()
        if given != canonical
    )
    if not cases:
        return f"{column}::VARCHAR::{target}"
    return f"(CASE {column}::VARCHAR {cases} ELSE {column}::VARCHAR END)::{target}"


def _insert_sql(r: _Recognised, file_id: int, rejects: tuple[str, str]) -> str:
    product = r.product
    have = {name for name, _ in product.columns}
    implicit = dict(product.implicit)

    def col(name: str, expr: str) -> str:
        if name in have:
            return expr
        if name in implicit:
            return f"'{implicit[name]}'"
        return "NULL"

    year = _year()
    code = "enum_code(month_abbv)"  # 0 = OCT … 11 = SEP
    return f"""
        INSERT INTO encounters
        SELECT {file_id},
               make_date({year} - CASE WHEN {code} < 3 THEN 1 ELSE 0 END, ({code} + 9) % 12 + 1, 1),
               {year},
               month_grouping::VARCHAR,
               {col("region", _map("region", v.REGION_SPELLINGS, "region_t"))},
               {col("component", _map("component", v.COMPONENT_SPELLINGS, "component_t"))},
               {col("aor", "aor")},
               {col("aor_abbv", "aor_abbv")},
               {col("state", "state")},
               {_map("demographic", v.DEMOGRAPHIC_SPELLINGS, "demographic_t")},
               citizenship,
               {"true" if product.name == "southwest_land_border" else "false"},
               title_of_authority,
               {col("encounter_type", "encounter_type")},
               encounter_count
        FROM {r.source(rejects)}
    """


@dataclass(frozen=True)
class _LinesRefused:
    """The reader refused lines of the file: here they are, each named."""

    errors: list[LineError]


@dataclass(frozen=True)
class _ValuesOutOfRange:
    """A row holds a value out of range; which line it is, the caller finds (``_check``)."""


def _write(
    con: duckdb.DuckDBPyConnection, r: _Recognised
) -> FileImport | _LinesRefused | _ValuesOutOfRange:
    """Replace the file's rows with its contents, or say why not.

    Raises ``duckdb.Error`` when a value breaks the table's constraints (an empty value).
    """
    name = r.path.name
    previous = con.execute("SELECT file_id FROM files WHERE file_name = ?", [name]).fetchall()
    if previous:
        file_id = int(previous[0][0])
        for table in ("encounters", "coverage", "files"):
            con.execute(f"DELETE FROM {table} WHERE file_id = ?", [file_id])
    else:
        file_id = int(
            con.execute("SELECT coalesce(max(file_id), 0) + 1 FROM files").fetchall()[0][0]
        )
    import_seq = int(
        con.execute("SELECT coalesce(max(import_seq), 0) + 1 FROM files").fetchall()[0][0]
    )
    n = next(_counter)
    rejects = (f"rejects_{n}", f"rejects_scan_{n}")
    # The stored rows need no particular order, and the reader runs faster without keeping it
    # (the numbered re-read that locates bad lines keeps it: see _value_errors).
    con.execute("SET preserve_insertion_order = false")
    try:
        con.execute(_insert_sql(r, file_id, rejects))
        refused = _reader_errors(con, r, rejects[0])
    finally:
        con.execute("RESET preserve_insertion_order")
        for table in rejects:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    if refused:
        return _LinesRefused(refused)
    if _has_bad_values(con, r, file_id):
        return _ValuesOutOfRange()
    con.execute(
        "INSERT INTO coverage SELECT DISTINCT file_id, month, region FROM encounters "
        "WHERE file_id = ?",
        [file_id],
    )
    stats = con.execute(
        "SELECT count(*), coalesce(sum(encounters), 0), min(month), max(month) "
        "FROM encounters WHERE file_id = ?",
        [file_id],
    ).fetchall()[0]
    rows, total, first, last = int(stats[0]), int(stats[1]), stats[2], stats[3]
    con.execute(
        "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        [file_id, name, r.product.name, str(r.path), rows, total, first, last, import_seq],
    )
    return FileImport(name, r.product, rows, total, first, last, replaced=bool(previous))


def _has_bad_values(con: duckdb.DuckDBPyConnection, r: _Recognised, file_id: int) -> bool:
    """Whether an inserted row fails a check the table's NOT NULL constraints do not make."""
    have = {name for name, _ in r.product.columns}
    conditions = ["fiscal_year NOT BETWEEN 1990 AND 2100"]
    conditions += [
        f"{column} IS NULL"
        for column in ("component", "aor", "aor_abbv", "state", "encounter_type")
        if column in have
    ]
    if "state" in have:
        conditions.append("NOT regexp_full_match(state, '[A-Z]{2}')")
    found = con.execute(
        f"SELECT count(*) FROM encounters WHERE file_id = ? AND ({' OR '.join(conditions)})",
        [file_id],
    ).fetchall()
    return bool(found[0][0])
