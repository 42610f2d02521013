"""``asilo schedule allocate`` on files, in bulk: the same method and the same file errors, at
the speed of the files.

DuckDB reads the registrations file, checks it, sorts it by registration id, computes every
lottery number and writes both the canonical text behind the registrations digest and the
appointments file (all cores, no Python object per registration). Python receives only numbers
(each registration's tier, date, size and preference as small codes, and the first 8 bytes of
its lottery number, all in id order), puts each tier in its two orders with numpy, interleaves
them a chunk of places at a time (:func:`asilo.scheduling.ranking.interleave_in_chunks`, which
gives exactly the order of ``allocate()``'s place-by-place interleaving) and gives the
appointments (:func:`asilo.scheduling.allocation.place_families`, the code ``allocate()`` runs),
and hands DuckDB each registration's rank, port and day to write.

Errors are the readers' of :mod:`asilo.scheduling.csv_io`, word for word: DuckDB's checks only
decide that a file is certainly valid. When any check fails (a bad value, a duplicate id, a
line DuckDB cannot parse, anything unusual such as a tab around a value), the file is read
again by the line-by-line reader, which raises the error naming file, line and column as it
always has. If that reader accepts the file after all, the run continues on its registrations
with ``allocate()``, so every file gets exactly the result ``allocate()`` gives. The same
happens, for simplicity, in the (about one in 30 million for a million registrations) case that
two lottery numbers share their first 8 bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt

from asilo.csvsafe import safe_text
from asilo.outputfiles import OutputFileError, replacing, write_text
from asilo.scheduling.allocation import (
    capacity_grid,
    cyclic_gc_paused,
    place_families,
    ports_in_order,
)
from asilo.scheduling.csv_io import (
    _family_size,
    _FieldError,
    _header,
    _iso_date,
    _preferred_ports,
    _read_text,
    _tier,
    appointments_csv,
    read_capacity_csv,
    read_registrations_csv,
)
from asilo.scheduling.digest import (
    APPOINTMENT_COLUMNS,
    REGISTRATION_COLUMNS,
    capacity_digest,
    csv_field,
    input_digest,
)
from asilo.scheduling.method import Method
from asilo.scheduling.model import (
    PORT_SEPARATOR,
    REGISTRATION_ID_PATTERN,
    AllocationResult,
    PortDayCapacity,
    RunProvenance,
)
from asilo.scheduling.ranking import check_seed, interleave_in_chunks

Codes = npt.NDArray[np.int64]

#: Longer numbers are left to the line-by-line reader (no 64-bit overflow in the checks).
_MAX_DIGITS = 18
_ID_PATTERN = REGISTRATION_ID_PATTERN.pattern
_TEXT_COLUMNS = ("size_text", "tier_text", "day_text", "ports_text")
#: Characters DuckDB's CSV writer is told to use as delimiter and quote when it writes whole
#: lines (each line is one value): they must occur in no line.
_UNUSED = ("\x1f", "\x1e")
#: Characters that would make DuckDB's writer quote a line: such lines are written by Python.
_RISKY = "\r\n" + "".join(_UNUSED)


@dataclass(frozen=True)
class FileAllocation(RunProvenance):
    """What a run on files produced: its provenance and the summary of the appointments file
    it wrote."""

    ports: tuple[str, ...]
    families_by_port: tuple[int, ...]
    persons_by_port: tuple[int, ...]
    unallocated_families: int
    unallocated_persons: int
    rows: int
    bulk: bool  # False: the line-by-line reader and allocate() did the run


def allocate_files(
    registrations: Path, capacity: Path, *, method: Method, seed: int, out: Path
) -> FileAllocation:
    """Run the method on REGS.csv and CAP.csv and write APPOINTMENTS.csv to ``out`` (replaced
    only once complete). Raises ``InputFileError`` (file, line, column) or
    ``AllocationInputError`` exactly as the line-by-line readers and ``allocate()`` do, and
    ``OutputFileError`` when ``out`` cannot be written; ``out`` is untouched after any error."""
    check_seed(seed)
    port_day_capacity = read_capacity_csv(capacity)  # small: the line-by-line reader
    ports = ports_in_order(port_day_capacity)
    con = duckdb.connect()
    try:
        with cyclic_gc_paused():
            table = _read_registrations(con, registrations, ports, method.tier_numbers(), seed)
            if table is None:
                return _line_by_line(registrations, port_day_capacity, ports, method, seed, out)
            return _allocate(con, table, port_day_capacity, method, seed, out)
    finally:
        con.close()


@dataclass(frozen=True)
class _Registrations:
    """The registrations as codes, in ASCII order of id (position k: the k-th id; it is also
    the row number of table ``s``, which holds their texts in that order)."""

    sizes: Codes  # persons
    tiers: Codes  # tier numbers
    day_ranks: Codes  # the date's place among the file's dates, in date order
    preference: Codes  # index into ``preferences``
    preferences: list[tuple[str, ...]]
    lottery_prefixes: npt.NDArray[np.uint64]  # the lottery number's first 8 bytes
    digest: str

    def __len__(self) -> int:
        return int(self.sizes.size)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(map(_sql_text, values)) + "]::VARCHAR[]"


def _read_registrations(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    ports: Collection[str],
    tiers: Sequence[int],
    seed: int,
) -> _Registrations | None:
    """The registrations, or ``None`` when DuckDB's checks cannot vouch for every line."""
    header = _header(path, _first_record(path), REGISTRATION_COLUMNS)
    try:
        return _query(con, path, header, ports, tiers, seed)
    except duckdb.Error:
        return None  # a line DuckDB's reader refused: the line-by-line reader names it


def _first_record(path: Path) -> list[str] | None:
    """The header record, read as the line-by-line reader reads it (errors included)."""
    try:
        with path.open("rb") as f:
            head = f.read(1 << 16)
    except OSError:
        head = _read_text(path).encode("utf-8")  # raises the reader's error
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _read_text(path)  # raises the reader's error if the header is not UTF-8
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return next(reader, None)
    except csv.Error:
        return None


def _query(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    header: list[str],
    ports: Collection[str],
    tiers: Sequence[int],
    seed: int,
) -> _Registrations | None:
    spec = "{" + ", ".join(f"{_sql_text(name)}: 'VARCHAR'" for name in header) + "}"
    source = (
        f"read_csv({_sql_text(str(path))}, header = true, auto_detect = false, delim = ',', "
        f"quote = '\"', escape = '\"', strict_mode = true, columns = {spec})"
    )
    # Values as the line-by-line reader sees them: stripped (of spaces; anything else left
    # around a value fails the checks below), empty where the line has nothing.
    con.execute(
        f"""
        CREATE TABLE r AS SELECT
            trim(coalesce(registration_id, '')) AS id,
            trim(coalesce(family_size, '')) AS size_text,
            trim(coalesce(registered_on, '')) AS day_text,
            trim(coalesce(tier, '')) AS tier_text,
            trim(coalesce(preferred_ports, '')) AS ports_text
        FROM {source}
        """
    )
    # Sizes, dates, tiers and preferences take few distinct values: each is checked once, by
    # the line-by-line reader's own functions, and numbered (an ENUM per column). The ids are
    # checked row by row, in the same pass.
    row = con.execute(
        f"""
        SELECT {", ".join(f"coalesce(list(DISTINCT {c}), [])" for c in _TEXT_COLUMNS)},
               coalesce(bool_and(regexp_full_match(id, {_sql_text(_ID_PATTERN)})), true),
               count(*)
        FROM r
        """
    ).fetchall()[0]
    size_texts, tier_texts, day_texts, port_texts, ids_valid, count = row
    if not ids_valid:
        return None
    parse_tier, parse_ports = _tier(tiers), _preferred_ports(ports)
    try:
        size_values = [_family_size(t) for t in size_texts]
        tier_values = [parse_tier(t) for t in tier_texts]
        for t in day_texts:
            _iso_date(t)
        preferences = [parse_ports(t) for t in port_texts]
    except _FieldError:
        return None
    if any(len(t) > _MAX_DIGITS for t in (*size_texts, *tier_texts)):
        return None
    # Checked dates are YYYY-MM-DD: their text order is their date order, so the ENUM's codes
    # are the dates' ranks.
    day_texts = sorted(day_texts)
    for name, values in (
        ("size_t", size_texts),
        ("tier_t", tier_texts),
        ("day_t", day_texts),
        ("ports_t", port_texts),
    ):
        if values:
            con.execute(f"CREATE TYPE {name} AS ENUM ({', '.join(map(_sql_text, values))})")
    if not count:
        con.execute("CREATE TABLE s (id VARCHAR)")  # the appointments file's ids: none
        empty = np.empty(0, dtype=np.int64)
        return _Registrations(
            sizes=empty,
            tiers=empty,
            day_ranks=empty,
            preference=empty,
            preferences=[],
            lottery_prefixes=np.empty(0, dtype=np.uint64),
            digest=_empty_digest(),
        )
    # Sorted by id once, the other values as their codes (a narrow sort): a row's number in
    # ``s`` is its id's place in ASCII order.
    con.execute(
        f"""
        CREATE TABLE s AS SELECT
            id, size_text::size_t AS size, tier_text::tier_t AS tier, day_text::day_t AS day,
            ports_text::ports_t AS ports,
            ('0x' || left(sha256({_sql_text(f"{seed}:")} || id), 16))::UBIGINT AS lottery
        FROM r
        ORDER BY id
        """
    )
    con.execute("DROP TABLE r")
    codes = con.execute(
        "SELECT enum_code(size) AS size, enum_code(tier) AS tier, enum_code(day) AS day, "
        "enum_code(ports) AS ports, lottery FROM s"
    ).fetchnumpy()
    prefixes = np.asarray(codes["lottery"], dtype=np.uint64)
    in_order = np.sort(prefixes)
    if bool(np.any(in_order[1:] == in_order[:-1])):
        # A duplicate id (the line-by-line reader names both lines), or two lottery numbers
        # that share their first 8 bytes (allocate() orders them by the whole number).
        return None
    texts = {
        "size": [str(v) for v in size_values],
        "tier": [str(v) for v in tier_values],
        "field": [csv_field(PORT_SEPARATOR.join(preferred)) for preferred in preferences],
    }
    return _Registrations(
        sizes=np.asarray(size_values, dtype=np.int64)[np.asarray(codes["size"], dtype=np.intp)],
        tiers=np.asarray(tier_values, dtype=np.int64)[np.asarray(codes["tier"], dtype=np.intp)],
        day_ranks=np.asarray(codes["day"], dtype=np.int64),
        preference=np.asarray(codes["ports"], dtype=np.int64),
        preferences=preferences,
        lottery_prefixes=prefixes,
        digest=_registrations_digest(con, texts),
    )


def _empty_digest() -> str:
    return hashlib.sha256((",".join(REGISTRATION_COLUMNS) + "\n").encode("utf-8")).hexdigest()


def _copy_lines(con: duckdb.DuckDBPyConnection, query: str, path: Path, header: bool) -> None:
    """Write the one-column ``query`` to ``path``, one value a line, unquoted; with
    ``header`` the column's name is the first line. The values must hold no ``_RISKY``
    character."""
    delimiter, quote = _UNUSED
    con.execute(
        f"COPY ({query}) TO {_sql_text(str(path))} "
        f"(FORMAT csv, HEADER {str(header).lower()}, DELIMITER '{delimiter}', QUOTE '{quote}', "
        f"ESCAPE '{quote}', NEW_LINE '\n')"
    )


def _pick(values: Sequence[str], code: str) -> str:
    return f"({_sql_list(values)})[{code} + 1]"


def _registrations_digest(con: duckdb.DuckDBPyConnection, texts: dict[str, list[str]]) -> str:
    """SHA-256 of the canonical registrations text (see :mod:`asilo.scheduling.digest`).

    DuckDB writes one canonical line per registration, in id order, into a temporary file;
    Python hashes the header and that file. The canonical texts of sizes, tiers and
    preferences come from Python (``str`` and ``csv_field``); dates are already canonical
    (checked as YYYY-MM-DD) and ids need no quoting. When a line could hold a character
    DuckDB's writer would quote (a preference with a line break), the lines are fetched into
    Python instead.
    """
    line = (
        f"id || ',' || {_pick(texts['size'], 'enum_code(size)')} || ',' || day::VARCHAR || ',' "
        f"|| {_pick(texts['tier'], 'enum_code(tier)')} || ',' || "
        f"{_pick(texts['field'], 'enum_code(ports)')}"
    )
    digest = hashlib.sha256((",".join(REGISTRATION_COLUMNS) + "\n").encode("utf-8"))
    if any(c in field for field in texts["field"] for c in _RISKY):
        result = con.execute(f"SELECT {line} || chr(10) FROM s ORDER BY rowid")
        while batch := result.fetchmany(100_000):
            digest.update("".join([row[0] for row in batch]).encode("utf-8"))
        return digest.hexdigest()
    folder = Path(tempfile.mkdtemp(prefix="asilo-digest-"))
    try:
        lines = folder / "lines.txt"
        _copy_lines(con, f"SELECT {line} FROM s", lines, header=False)
        with lines.open("rb") as f:
            while chunk := f.read(1 << 22):
                digest.update(chunk)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return digest.hexdigest()


def _tier_order(table: _Registrations, method: Method) -> npt.NDArray[np.intp]:
    """Every registration's position in priority order: tier by tier, the waiting and lottery
    orders interleaved in the method's cycle (``priority_order``'s steps, on the columns).
    Positions are id ranks, so a stable sort by date gives the waiting order (date, then id),
    and a sort by the lottery numbers' first 8 bytes (all different: checked) the lottery
    order."""
    taken = bytearray(len(table))
    order: list[npt.NDArray[np.intp]] = []
    day_ranks = table.day_ranks
    if len(table) and int(day_ranks.max()) < 1 << 15:
        day_ranks = day_ranks.astype(np.int16)  # numpy sorts 16-bit numbers stably by radix
    for tier in method.tier_numbers():
        members = np.flatnonzero(table.tiers == tier)
        if members.size == 0:
            continue
        waiting = members[np.argsort(day_ranks[members], kind="stable")]
        lottery = members[np.argsort(table.lottery_prefixes[members])]
        order.append(interleave_in_chunks(waiting, lottery, method.cycle(), taken))
    return np.concatenate(order) if order else np.empty(0, dtype=np.intp)


def _allocate(
    con: duckdb.DuckDBPyConnection,
    table: _Registrations,
    capacity: Sequence[PortDayCapacity],
    method: Method,
    seed: int,
    out: Path,
) -> FileAllocation:
    grid = capacity_grid(capacity, method.horizon_days)
    port_index = {port: k for k, port in enumerate(grid.ports)}
    every_port = tuple(range(len(grid.ports)))
    as_positions = [
        tuple(port_index[p] for p in preferred) or every_port for preferred in table.preferences
    ]
    choices = list(map(as_positions.__getitem__, table.preference.tolist()))
    count = len(table)
    order = _tier_order(table, method)
    port_of, day_of = place_families(order.tolist(), table.sizes.tolist(), choices, grid.room)
    ports = np.asarray(port_of, dtype=np.int64)
    days = np.asarray(day_of, dtype=np.int64)
    allocated = ports >= 0
    families = np.bincount(ports[allocated], minlength=len(grid.ports))
    persons = np.bincount(
        ports[allocated], weights=table.sizes[allocated], minlength=len(grid.ports)
    )
    ranks = np.empty(count, dtype=np.int64)
    ranks[order] = np.arange(1, count + 1, dtype=np.int64)
    _write_appointments(
        con,
        out,
        {"rank": ranks, "port": ports, "day": days},
        [csv_field(safe_text(port)) for port in grid.ports],
        [day.isoformat() for day in grid.days],
    )
    cap_sha = capacity_digest(capacity)
    return FileAllocation(
        method_name=method.name,
        method_version=method.version,
        seed=seed,
        registrations_digest=table.digest,
        capacity_digest=cap_sha,
        input_digest=input_digest(table.digest, cap_sha),
        horizon_start=grid.horizon_start,
        horizon_end=grid.horizon_end,
        ports=grid.ports,
        families_by_port=tuple(int(n) for n in families),
        persons_by_port=tuple(int(n) for n in persons),
        unallocated_families=int(count - allocated.sum()),
        unallocated_persons=int(table.sizes[~allocated].sum()),
        rows=count,
        bulk=True,
    )


def _write_appointments(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    appointments: dict[str, Codes],
    port_fields: list[str],
    day_fields: list[str],
) -> None:
    """APPOINTMENTS.csv, the same text as ``appointments_csv``: DuckDB pairs each row of ``s``
    (the ids, in id order) with its rank, port and day position (-1: none) and writes the rows
    in rank order. Ids and dates never need quoting; port names are neutralised like every text
    cell (``asilo.csvsafe``: a leading apostrophe before a formula) and quoted by ``csv_field``."""
    if any(c in field for field in port_fields for c in _RISKY):
        write_text(out, _appointments_text(con, appointments, port_fields, day_fields))
        return
    con.register("appointment_codes", appointments)
    given = (
        f"s.id || ',' || a.rank || ',' || {_pick(port_fields, 'a.port')} || ',' || "
        f"{_pick(day_fields, 'a.day')}"
    )
    query = f"""
        SELECT CASE WHEN a.port < 0 THEN s.id || ',' || a.rank || ',,' ELSE {given} END
            AS "{",".join(APPOINTMENT_COLUMNS)}"
        FROM s POSITIONAL JOIN appointment_codes AS a
        ORDER BY a.rank
    """
    try:
        with replacing(out) as temporary:
            _copy_lines(con, query, temporary, header=True)
    except duckdb.Error as exc:
        raise OutputFileError(out, f"cannot write the appointments: {exc}") from exc


def _appointments_text(
    con: duckdb.DuckDBPyConnection,
    appointments: dict[str, Codes],
    port_fields: list[str],
    day_fields: list[str],
) -> str:
    """The appointments file's text built in Python (when a port name holds a line break)."""
    ids = [row[0] for row in con.execute("SELECT id FROM s").fetchall()]
    order = np.argsort(appointments["rank"]).tolist()
    ports, days = appointments["port"].tolist(), appointments["day"].tolist()
    lines = [
        f"{ids[k]},{rank},{port_fields[ports[k]]},{day_fields[days[k]]}"
        if ports[k] >= 0
        else f"{ids[k]},{rank},,"
        for rank, k in enumerate(order, start=1)
    ]
    return "\n".join([",".join(APPOINTMENT_COLUMNS), *lines, ""])


def _line_by_line(
    path: Path,
    capacity: Sequence[PortDayCapacity],
    ports: tuple[str, ...],
    method: Method,
    seed: int,
    out: Path,
) -> FileAllocation:
    """The line-by-line reader (it names the bad line) and ``allocate()``."""
    from asilo.scheduling.allocation import allocate

    family_units = read_registrations_csv(
        path, known_ports=set(ports), known_tiers=set(method.tier_numbers())
    )
    result = allocate(family_units, capacity, method=method, seed=seed)
    write_text(out, appointments_csv(result))
    return from_result(result, ports)


def from_result(result: AllocationResult, ports: tuple[str, ...]) -> FileAllocation:
    """The summary of a run of ``allocate()`` as a :class:`FileAllocation`."""
    families = dict.fromkeys(ports, 0)
    persons = dict.fromkeys(ports, 0)
    for appointment in result.allocated():
        assert appointment.port is not None
        families[appointment.port] += 1
        persons[appointment.port] += appointment.family_size
    unallocated = result.unallocated()
    return FileAllocation(
        **result.provenance(),
        ports=ports,
        families_by_port=tuple(families[p] for p in ports),
        persons_by_port=tuple(persons[p] for p in ports),
        unallocated_families=len(unallocated),
        unallocated_persons=sum(a.family_size for a in unallocated),
        rows=len(result.appointments),
        bulk=False,
    )
