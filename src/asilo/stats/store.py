"""The DuckDB statistics database: its schema, and which file each report counts.

Tables:

``files``
    one row per imported file (by file name): product, rows, total, months covered, when.
``encounters``
    the normalised rows, each tagged with its file.
``coverage``
    the (month, region) cells each file covers, for resolving overlapping releases.

Overlaps: two files cover the same cell when both have rows for that calendar month and
region. For each cell a report counts one file: the newest release, meaning the file whose
data run latest (its last month), and among equals the one imported last. Reports may limit the
candidates to one product, or to the products that carry the dimensions asked for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from asilo import outputfiles
from asilo.stats import vocabulary as v
from asilo.stats.products import PRODUCTS, PRODUCTS_BY_NAME

DEFAULT_DB = Path("var/stats.duckdb")


def _enum(values: tuple[str, ...] | list[str]) -> str:
    return "ENUM (" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + ")"


_TYPES: dict[str, tuple[str, ...] | list[str]] = {
    # canonical values, stored
    "region_t": v.REGIONS,
    "component_t": v.COMPONENTS,
    "demographic_t": v.DEMOGRAPHICS,
    "authority_t": v.AUTHORITIES,
    "encounter_type_t": v.ENCOUNTER_TYPES,
    # values as the products spell them, read (a value outside these is a line-numbered error)
    "in_month_t": v.FISCAL_MONTHS,
    "in_month_grouping_t": v.MONTH_GROUPINGS,
    "in_component_t": list(v.COMPONENT_SPELLINGS),
    "in_region_t": list(v.REGION_SPELLINGS),
    "in_demographic_t": list(v.DEMOGRAPHIC_SPELLINGS),
}

_TABLES = """
CREATE TABLE IF NOT EXISTS files (
    file_id INTEGER PRIMARY KEY,
    file_name VARCHAR NOT NULL UNIQUE,
    product VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    rows BIGINT NOT NULL,
    encounters BIGINT NOT NULL,
    first_month DATE,
    last_month DATE,
    import_seq BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS encounters (
    file_id INTEGER NOT NULL,
    month DATE NOT NULL,
    fiscal_year SMALLINT NOT NULL,
    month_grouping VARCHAR NOT NULL,
    region region_t NOT NULL,
    component component_t,
    aor VARCHAR,
    aor_abbv VARCHAR,
    state VARCHAR,
    demographic demographic_t NOT NULL,
    citizenship VARCHAR NOT NULL,
    citizenship_grouped BOOLEAN NOT NULL,
    title_of_authority authority_t NOT NULL,
    encounter_type encounter_type_t,
    encounters BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS coverage (
    file_id INTEGER NOT NULL,
    month DATE NOT NULL,
    region region_t NOT NULL
);
"""


class StoreError(Exception):
    """The statistics database cannot be opened: a folder, an unreadable file, a file that is
    not a DuckDB database (or not a statistics one), or one locked by another process."""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def connect(path: Path | str = DEFAULT_DB, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if need be) the statistics database at ``path``; :class:`StoreError`
    (naming the file) when it cannot be opened as one."""
    try:
        if str(path) != ":memory:" and not read_only:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        if str(path) != ":memory:" and Path(path).is_dir():
            raise StoreError(f"{path}: is a folder, not a statistics database")
        con = duckdb.connect(str(path), read_only=read_only)
    except (duckdb.Error, OSError) as exc:
        raise StoreError(
            f"{path}: cannot be opened as a statistics database: {_first_line(exc)}"
        ) from exc
    try:
        if not read_only:
            ensure_schema(con)
        elif not con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'files' AND schema_name = "
            "'main' AND database_name = current_database()"
        ).fetchone()[0]:  # type: ignore[index]
            raise StoreError(f"{path}: a DuckDB file, but not a statistics database")
    except duckdb.Error as exc:
        con.close()
        raise StoreError(f"{path}: {_first_line(exc)}") from exc
    except BaseException:
        con.close()
        raise
    return con


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(f".{path.name}.{suffix}")


@contextlib.contextmanager
def replacing(path: Path | str = DEFAULT_DB) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable copy of the statistics database at ``path`` that replaces it, whole and at
    once, when the block ends without an error.

    The live file is never written in place: readers (the statistics pages, ``stats report``)
    open it read-only, each for one request or command, and see the old store or the new one,
    complete, never a store being written (and never a lock held by the writer). The copy is
    ``.NAME.import-PID`` in the same folder; after a checkpoint, so it holds everything, it
    replaces ``NAME`` as every output file does (:func:`asilo.outputfiles.replacing`: flushed,
    renamed, with the live file's permissions). An error, a kill or a power cut leaves the live
    file as it was (a leftover copy is removed by the next writer). Writers take turns through
    an advisory lock on the database's folder (``flock``; the system releases it when a writer
    dies), so no lock file is left behind."""
    live = Path(path)
    try:
        live.parent.mkdir(parents=True, exist_ok=True)
        if live.is_dir():
            raise StoreError(f"{live}: is a folder, not a statistics database")
        folder = os.open(live.parent, os.O_RDONLY)
    except OSError as exc:
        raise StoreError(f"{live}: cannot be written: {exc.strerror or exc}") from exc
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        for stale in live.parent.glob(f".{live.name}.import-*"):
            stale.unlink(missing_ok=True)
        copy = _sidecar(live, f"import-{os.getpid()}")
        try:
            with outputfiles.replacing(live, temporary=copy):
                con = _open_copy(live, copy)
                try:
                    yield con
                    con.execute("CHECKPOINT")
                finally:
                    con.close()
        finally:
            copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
    except outputfiles.OutputFileError as exc:
        raise StoreError(str(exc)) from exc
    finally:
        os.close(folder)  # releases the lock


def _open_copy(live: Path, copy: Path) -> duckdb.DuckDBPyConnection:
    """A writable connection to ``copy``, a copy of ``live`` (empty when there is none)."""
    try:
        if live.exists():
            if live.with_name(live.name + ".wal").exists():
                # written in place by an earlier version: fold its log in first
                connect(live).close()
            shutil.copyfile(live, copy)
        return connect(copy)
    except OSError as exc:
        raise StoreError(f"{live}: cannot be copied: {exc.strerror or exc}") from exc
    except StoreError as exc:
        raise StoreError(str(exc).replace(str(copy), str(live))) from exc


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the types and tables that are missing."""
    existing = {row[0] for row in con.execute("SELECT type_name FROM duckdb_types()").fetchall()}
    for name, values in _TYPES.items():
        if name not in existing:
            con.execute(f"CREATE TYPE {name} AS {_enum(values)}")
    con.execute(_TABLES)


@dataclass(frozen=True)
class ImportedFile:
    file_id: int
    file_name: str
    product: str
    rows: int
    encounters: int
    first_month: dt.date | None
    last_month: dt.date | None
    import_seq: int


def imported_files(con: duckdb.DuckDBPyConnection) -> list[ImportedFile]:
    """Every imported file, oldest import first."""
    rows = con.execute(
        "SELECT file_id, file_name, product, rows, encounters, first_month, last_month, "
        "import_seq FROM files ORDER BY import_seq"
    ).fetchall()
    return [ImportedFile(*row) for row in rows]


@dataclass(frozen=True)
class Overlap:
    """Cells that ``superseded`` shares with ``chosen``, which reports count instead."""

    superseded: str
    chosen: str
    chosen_last_month: dt.date | None
    months: tuple[dt.date, ...]
    regions: tuple[str, ...]

    def describe(self) -> str:
        first, last = self.months[0], self.months[-1]
        span = f"{first:%Y-%m}" if first == last else f"{first:%Y-%m} to {last:%Y-%m}"
        through = f"{self.chosen_last_month:%Y-%m}" if self.chosen_last_month else "?"
        return (
            f"overlap: {self.superseded} and {self.chosen} both cover {len(self.months)} "
            f"month(s) ({span}; {', '.join(self.regions)}); reports use {self.chosen} "
            f"(newer release, data through {through})"
        )


@dataclass(frozen=True)
class Selection:
    """Which file each (month, region) cell is counted from."""

    #: file_id → None when the file counts for every cell it covers, else the cells it counts.
    files: dict[int, frozenset[tuple[dt.date, str]] | None]
    overlaps: tuple[Overlap, ...]

    def predicate(self, alias: str = "e") -> str:
        """A SQL condition on ``encounters`` keeping only the selected rows."""
        if not self.files:
            return "FALSE"
        whole = sorted(f for f, cells in self.files.items() if cells is None)
        terms = [f"{alias}.file_id IN ({', '.join(map(str, whole))})"] if whole else []
        for file_id, cells in sorted(self.files.items()):
            if cells is None:
                continue
            by_region: dict[str, list[dt.date]] = defaultdict(list)
            for month, region in cells:
                by_region[region].append(month)
            for region, months in sorted(by_region.items()):
                listed = ", ".join(f"DATE '{m.isoformat()}'" for m in sorted(months))
                terms.append(
                    f"({alias}.file_id = {file_id} AND {alias}.region = '{region}' "
                    f"AND {alias}.month IN ({listed}))"
                )
        return "(" + " OR ".join(terms) + ")"


def products_with(dimensions: set[str]) -> list[str]:
    """The products that carry every one of ``dimensions``."""
    return [p.name for p in PRODUCTS if dimensions <= p.dimensions]


def select_sources(con: duckdb.DuckDBPyConnection, products: list[str] | None = None) -> Selection:
    """Resolve overlapping files: for each (month, region) keep the newest release.

    ``products`` limits the candidates (``None``: every product).
    """
    if products is not None:
        unknown = [p for p in products if p not in PRODUCTS_BY_NAME]
        if unknown:
            raise ValueError(
                f"unknown product {unknown[0]!r}; known: {', '.join(PRODUCTS_BY_NAME)}"
            )
    files = {f.file_id: f for f in imported_files(con)}
    candidates = {fid: f for fid, f in files.items() if products is None or f.product in products}
    cells: dict[tuple[dt.date, str], list[int]] = defaultdict(list)
    for file_id, month, region in con.execute(
        "SELECT file_id, month, region::VARCHAR FROM coverage"
    ).fetchall():
        if file_id in candidates:
            cells[(month, region)].append(file_id)

    def newness(file_id: int) -> tuple[dt.date, int]:
        f = candidates[file_id]
        return (f.last_month or dt.date.min, f.import_seq)

    chosen_cells: dict[int, set[tuple[dt.date, str]]] = defaultdict(set)
    lost: dict[tuple[int, int], list[tuple[dt.date, str]]] = defaultdict(list)
    for cell, file_ids in cells.items():
        winner = max(file_ids, key=newness)
        chosen_cells[winner].add(cell)
        for loser in file_ids:
            if loser != winner:
                lost[(loser, winner)].append(cell)
    covered: dict[int, int] = defaultdict(int)
    for file_ids in cells.values():
        for file_id in file_ids:
            covered[file_id] += 1
    selection: dict[int, frozenset[tuple[dt.date, str]] | None] = {
        fid: (None if len(kept) == covered[fid] else frozenset(kept))
        for fid, kept in chosen_cells.items()
    }
    overlaps = tuple(
        Overlap(
            superseded=candidates[loser].file_name,
            chosen=candidates[winner].file_name,
            chosen_last_month=candidates[winner].last_month,
            months=tuple(sorted({m for m, _ in lost_cells})),
            regions=tuple(r for r in v.REGIONS if any(r == c[1] for c in lost_cells)),
        )
        for (loser, winner), lost_cells in sorted(lost.items())
    )
    return Selection(files=selection, overlaps=overlaps)
