"""``asilo schedule allocate`` on files, in bulk: the same method and the same file errors, at
the speed of the files.

The registrations file is read, checked, normalised, hashed and sorted by DuckDB (all cores,
no Python object per row); Python then only interleaves the tiers' two orders and gives the
appointments (:func:`asilo.scheduling.ranking._interleave` and
:func:`asilo.scheduling.allocation.place_families`, the code ``allocate()`` runs), and writes the
appointments file as one text.

Errors are the readers' of :mod:`asilo.scheduling.csv_io`, word for word: DuckDB's checks only
decide that a file is certainly valid. When any check fails (a bad value, a duplicate id, a
line DuckDB cannot parse, anything unusual such as a tab around a value), the file is read
again by the line-by-line reader, which raises the error naming file, line and column as it
always has. If that reader accepts the file after all, the run continues on its registrations
with ``allocate()``, so every file gets exactly the result ``allocate()`` gives.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt

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
)
from asilo.scheduling.ranking import (
    _interleave,
    _lottery_digests,
    _lottery_order,
    _waiting_order,
    check_seed,
)

Positions = npt.NDArray[np.int64]

#: Longer numbers are left to the line-by-line reader (no 64-bit overflow in the checks).
_MAX_DIGITS = 18


@dataclass(frozen=True)
class FileAllocation:
    """What a run on files produced: the appointments file's text and the run's summary."""

    method_name: str
    method_version: str
    seed: int
    registrations_digest: str
    capacity_digest: str
    input_digest: str
    horizon_start: date | None
    horizon_end: date | None
    ports: tuple[str, ...]
    families_by_port: tuple[int, ...]
    persons_by_port: tuple[int, ...]
    unallocated_families: int
    unallocated_persons: int
    rows: int
    text: str
    bulk: bool  # False: the line-by-line reader and allocate() did the run


def allocate_files(
    registrations: Path, capacity: Path, *, method: Method, seed: int
) -> FileAllocation:
    """Run the method on REGS.csv and CAP.csv; raises ``InputFileError`` (file, line, column)
    or ``AllocationInputError`` exactly as the line-by-line readers and ``allocate()`` do."""
    check_seed(seed)
    port_day_capacity = read_capacity_csv(capacity)  # small: the line-by-line reader
    ports = ports_in_order(port_day_capacity)
    tiers = method.tier_numbers()
    with cyclic_gc_paused():
        table = _read_registrations(registrations, ports, tiers, seed)
        if table is None:
            return _line_by_line(registrations, port_day_capacity, ports, method, seed)
        return _allocate(table, port_day_capacity, method, seed)


@dataclass(frozen=True)
class _Registrations:
    """The registrations as columns, in file order (position k is the k-th data row)."""

    ids: npt.NDArray[np.object_]
    sizes: npt.NDArray[np.int64]
    tiers: npt.NDArray[np.int64]
    day_ranks: npt.NDArray[np.int64]  # the date's place among the file's dates, in date order
    preference: npt.NDArray[np.int64]  # index into ``preferences``
    preferences: list[tuple[str, ...]]
    lottery_prefixes: npt.NDArray[np.uint64]  # the lottery number's first 8 bytes
    id_ranks: npt.NDArray[np.int64]  # place in ASCII order of id
    digest: str


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _read_registrations(
    path: Path, ports: Collection[str], tiers: Sequence[int], seed: int
) -> _Registrations | None:
    """The registrations, or ``None`` when DuckDB's checks cannot vouch for every line."""
    header = _header(path, _first_record(path), REGISTRATION_COLUMNS)
    con = duckdb.connect()
    try:
        return _query(con, path, header, ports, tiers, seed)
    except duckdb.Error:
        return None  # a line DuckDB's reader refused: the line-by-line reader names it
    finally:
        con.close()


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
    # checked row by row.
    parse_tier, parse_ports = _tier(tiers), _preferred_ports(ports)
    try:
        size_texts = _distinct(con, "size_text")
        size_values = [_family_size(t) for t in size_texts]
        tier_texts = _distinct(con, "tier_text")
        tier_values = [parse_tier(t) for t in tier_texts]
        day_texts = _distinct(con, "day_text")
        days = [_iso_date(t) for t in day_texts]
        port_texts = _distinct(con, "ports_text")
        preferences = [parse_ports(t) for t in port_texts]
    except _FieldError:
        return None
    if any(len(t) > _MAX_DIGITS for t in (*size_texts, *tier_texts)):
        return None
    bad_ids = con.execute(
        f"SELECT count(*) FROM r WHERE NOT regexp_full_match(id, '{_ID_PATTERN}')"
    ).fetchall()[0][0]
    if bad_ids:
        return None
    # Sorted by id once: the id ranks, the duplicate check and the digest's lines read it in
    # its stored order (DuckDB keeps insertion order: preserve_insertion_order is on).
    con.execute("CREATE TABLE s AS SELECT rowid AS pos, * FROM r ORDER BY id")
    by_id = con.execute("SELECT pos, id FROM s").fetchnumpy()
    ids_in_order = by_id["id"]
    if ids_in_order.size > 1 and bool(np.any(ids_in_order[1:] == ids_in_order[:-1])):
        return None  # a duplicate id: the line-by-line reader names both lines
    count = int(ids_in_order.size)
    id_order = np.asarray(by_id["pos"], dtype=np.int64)
    id_ranks = np.empty(count, dtype=np.int64)
    id_ranks[id_order] = np.arange(count, dtype=np.int64)
    ids = np.empty(count, dtype=object)
    ids[id_order] = ids_in_order
    day_order = sorted(range(len(days)), key=days.__getitem__)
    day_rank_of_text = np.empty(len(days), dtype=np.int64)
    day_rank_of_text[day_order] = np.arange(len(days), dtype=np.int64)
    for name, values in (
        ("size_t", size_texts),
        ("tier_t", tier_texts),
        ("day_t", day_texts),
        ("ports_t", port_texts),
    ):
        if values:
            con.execute(f"CREATE TYPE {name} AS ENUM ({', '.join(map(_sql_text, values))})")
    codes = con.execute(
        f"""
        SELECT enum_code(size_text::size_t) AS size, enum_code(tier_text::tier_t) AS tier,
               enum_code(day_text::day_t) AS day, enum_code(ports_text::ports_t) AS ports,
               ('0x' || left(sha256({_sql_text(f"{seed}:")} || id), 16))::UBIGINT AS lottery
        FROM r
        """
        if count
        else "SELECT 0 AS size, 0 AS tier, 0 AS day, 0 AS ports, 0::UBIGINT AS lottery LIMIT 0"
    ).fetchnumpy()
    fields = [csv_field(PORT_SEPARATOR.join(preferred)) for preferred in preferences]
    texts = {
        "size": [str(v) for v in size_values],
        "tier": [str(v) for v in tier_values],
        "field": fields,
    }
    return _Registrations(
        ids=ids,
        sizes=np.asarray(size_values, dtype=np.int64)[np.asarray(codes["size"], dtype=np.intp)],
        tiers=np.asarray(tier_values, dtype=np.int64)[np.asarray(codes["tier"], dtype=np.intp)],
        day_ranks=day_rank_of_text[np.asarray(codes["day"], dtype=np.intp)],
        preference=np.asarray(codes["ports"], dtype=np.int64),
        preferences=preferences,
        lottery_prefixes=np.asarray(codes["lottery"], dtype=np.uint64),
        id_ranks=id_ranks,
        digest=_registrations_digest(con, texts) if count else _empty_digest(),
    )


_ID_PATTERN = REGISTRATION_ID_PATTERN.pattern
#: Characters DuckDB's CSV writer is told to use as delimiter and quote when it writes the
#: canonical lines (each line is one value): they must occur in no line.
_UNUSED = ("\x1f", "\x1e")


def _distinct(con: duckdb.DuckDBPyConnection, column: str) -> list[str]:
    return [str(row[0]) for row in con.execute(f"SELECT DISTINCT {column} FROM r").fetchall()]


def _empty_digest() -> str:
    return hashlib.sha256((",".join(REGISTRATION_COLUMNS) + "\n").encode("utf-8")).hexdigest()


def _registrations_digest(con: duckdb.DuckDBPyConnection, texts: dict[str, list[str]]) -> str:
    """SHA-256 of the canonical registrations text (see :mod:`asilo.scheduling.digest`).

    DuckDB sorts by id and writes one canonical line per registration into a temporary file,
    each line a single CSV value; Python hashes the header and that file. The canonical texts
    of sizes, tiers and preferences come from Python (``str`` and ``csv_field``); dates are
    already canonical (checked as YYYY-MM-DD) and ids need no quoting. When a line could hold
    a character DuckDB's writer would quote (a preference with a line break), the lines are
    fetched into Python instead.
    """

    def pick(name: str, column: str) -> str:
        listed = "[" + ", ".join(map(_sql_text, texts[name])) + "]"
        return f"({listed})[enum_code({column}) + 1]"

    line = (
        f"id || ',' || {pick('size', 'size_text::size_t')} || ',' || day_text || ',' || "
        f"{pick('tier', 'tier_text::tier_t')} || ',' || {pick('field', 'ports_text::ports_t')}"
    )
    digest = hashlib.sha256((",".join(REGISTRATION_COLUMNS) + "\n").encode("utf-8"))
    risky = "\r\n" + "".join(_UNUSED)
    if any(c in field for field in texts["field"] for c in risky):
        result = con.execute(f"SELECT {line} || chr(10) FROM s ORDER BY id")
        while batch := result.fetchmany(100_000):
            digest.update("".join([row[0] for row in batch]).encode("utf-8"))
        return digest.hexdigest()
    folder = Path(tempfile.mkdtemp(prefix="asilo-digest-"))
    try:
        lines = folder / "lines.txt"
        delimiter, quote = _UNUSED
        con.execute(
            f"COPY (SELECT {line} FROM s) TO {_sql_text(str(lines))} "
            f"(FORMAT csv, HEADER false, DELIMITER '{delimiter}', QUOTE '{quote}', "
            f"ESCAPE '{quote}', NEW_LINE '\n')"
        )
        with lines.open("rb") as f:
            while chunk := f.read(1 << 22):
                digest.update(chunk)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return digest.hexdigest()


def _tier_order(table: _Registrations, method: Method, seed: int) -> list[int]:
    """Every registration's position in priority order: tier by tier, the waiting and lottery
    orders interleaved in the method's cycle (``priority_order``'s steps, on the columns)."""
    taken = bytearray(len(table.ids))
    order: list[int] = []
    for tier in method.tier_numbers():
        members = np.flatnonzero(table.tiers == tier)
        if members.size == 0:
            continue
        waiting = _waiting_order(members, table.day_ranks, table.id_ranks)
        lottery = _lottery(members, table, seed)
        indices, _ = _interleave(waiting, lottery, method.cycle(), taken)
        order.extend(indices)
    return order


def _lottery(members: npt.NDArray[np.intp], table: _Registrations, seed: int) -> list[int]:
    """Members by lottery number, then id. The first 8 bytes decide unless two members share
    them; then ``_lottery_order`` settles the run by the whole number, as ``allocate()`` does."""
    prefixes = table.lottery_prefixes
    order = members[np.lexsort((table.id_ranks[members], prefixes[members]))]
    keys = prefixes[order]
    if not bool(np.any(keys[1:] == keys[:-1])):
        result: list[int] = order.tolist()
        return result
    ids: list[str] = table.ids.tolist()
    return _lottery_order(members, prefixes, table.id_ranks, _lottery_digests(seed, ids), ids)


def _allocate(
    table: _Registrations, capacity: Sequence[PortDayCapacity], method: Method, seed: int
) -> FileAllocation:
    grid = capacity_grid(capacity, method.horizon_days)
    port_index = {port: k for k, port in enumerate(grid.ports)}
    every_port = tuple(range(len(grid.ports)))
    as_positions = [
        tuple(port_index[p] for p in preferred) or every_port for preferred in table.preferences
    ]
    choices = [as_positions[k] for k in table.preference.tolist()]
    count = len(table.ids)
    order = _tier_order(table, method, seed)
    sizes = table.sizes.tolist()
    port_of, day_of = place_families(order, sizes, choices, grid.room)
    ranked = np.asarray(order, dtype=np.intp)
    ranked_ports = np.asarray(port_of, dtype=np.int64)[ranked]
    ranked_days = np.asarray(day_of, dtype=np.int64)[ranked]
    allocated = ranked_ports >= 0
    ranked_sizes = table.sizes[ranked]
    families = np.bincount(ranked_ports[allocated], minlength=len(grid.ports))
    persons = np.bincount(
        ranked_ports[allocated], weights=ranked_sizes[allocated], minlength=len(grid.ports)
    )
    given = np.flatnonzero(allocated)
    text = _appointments_text(
        table.ids[ranked].tolist(),
        int(given[-1]) if given.size else -1,
        ranked_ports.tolist(),
        ranked_days.tolist(),
        [csv_field(port) for port in grid.ports],
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
        unallocated_persons=int(ranked_sizes[~allocated].sum()),
        rows=count,
        text=text,
        bulk=True,
    )


def _appointments_text(
    ids: list[str],
    last: int,
    port_of: list[int],
    day_of: list[int],
    port_fields: list[str],
    day_fields: list[str],
) -> str:
    """APPOINTMENTS.csv: the same text as ``appointments_csv`` (ids and dates never need
    quoting; port names are quoted by ``csv_field``). The families after the last one given an
    appointment (``last`` is the rank order position of that one) are written without looking
    up a port or a day."""
    head = [
        f"{ids[k]},{k + 1},{port_fields[port_of[k]]},{day_fields[day_of[k]]}"
        if port_of[k] >= 0
        else f"{ids[k]},{k + 1},,"
        for k in range(last + 1)
    ]
    ranks = range(last + 2, len(ids) + 1)
    tail = [f"{i},{rank},," for i, rank in zip(ids[last + 1 :], ranks, strict=True)]
    return "\n".join([",".join(APPOINTMENT_COLUMNS), *head, *tail, ""])


def _line_by_line(
    path: Path,
    capacity: Sequence[PortDayCapacity],
    ports: tuple[str, ...],
    method: Method,
    seed: int,
) -> FileAllocation:
    """The line-by-line reader (it names the bad line) and ``allocate()``."""
    from asilo.scheduling.allocation import allocate

    family_units = read_registrations_csv(
        path, known_ports=set(ports), known_tiers=set(method.tier_numbers())
    )
    result = allocate(family_units, capacity, method=method, seed=seed)
    return from_result(result, ports)


def from_result(result: AllocationResult, ports: tuple[str, ...]) -> FileAllocation:
    """A run of ``allocate()`` as a :class:`FileAllocation`."""
    families = dict.fromkeys(ports, 0)
    persons = dict.fromkeys(ports, 0)
    for appointment in result.allocated():
        assert appointment.port is not None
        families[appointment.port] += 1
        persons[appointment.port] += appointment.family_size
    unallocated = result.unallocated()
    return FileAllocation(
        method_name=result.method_name,
        method_version=result.method_version,
        seed=result.seed,
        registrations_digest=result.registrations_digest,
        capacity_digest=result.capacity_digest,
        input_digest=result.input_digest,
        horizon_start=result.horizon_start,
        horizon_end=result.horizon_end,
        ports=ports,
        families_by_port=tuple(families[p] for p in ports),
        persons_by_port=tuple(persons[p] for p in ports),
        unallocated_families=len(unallocated),
        unallocated_persons=sum(a.family_size for a in unallocated),
        rows=len(result.appointments),
        text=appointments_csv(result),
        bulk=False,
    )
