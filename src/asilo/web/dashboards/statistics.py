"""The statistics page's figures: aggregates from the DuckDB statistics database, never people.

Two sources live in one database: CBP's public files, and asilo's own encounters exported in
CBP's by-AOR format (a file whose name starts with :data:`ASILO_FILE_PREFIX`). The store picks,
for each (month, region), the newest release among the files a report may read, so the two
sources would hide each other; a page therefore reads one source at a time, through temporary
views that show only that source's files to :mod:`asilo.stats.reports`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from django.utils.translation import gettext as _

from asilo.stats import charts, reports, store
from asilo.stats.policy_dates import policy_dates

Row = dict[str, Any]

SOURCE_CBP = "cbp"
SOURCE_ASILO = "asilo"
SOURCES = (SOURCE_CBP, SOURCE_ASILO)
#: asilo's own export is imported under a file name with this prefix.
ASILO_FILE_PREFIX = "asilo_"
COMPONENTS = {"USBP": "U.S. Border Patrol", "OFO": "Office of Field Operations"}
TOP_CITIZENSHIPS = 8
_TABLES = ("files", "encounters", "coverage")


class StatisticsUnavailable(Exception):
    """No statistics database yet, or it is being written by another process."""


@dataclass(frozen=True)
class StatsFilter:
    """What the page counts. ``region`` and ``component`` are CBP's spellings, None for all."""

    source: str = SOURCE_CBP
    region: str | None = "Southwest Land Border"
    fiscal_year: int | None = None
    component: str | None = None

    def query(self, by: tuple[str, ...]) -> reports.Query:
        filters = (("component", self.component),) if self.component else ()
        years = (self.fiscal_year,) if self.fiscal_year is not None else ()
        return reports.Query(by=by, region=self.region, fiscal_years=years, filters=filters)

    def cache_key(self) -> str:
        return f"{self.source}|{self.region}|{self.fiscal_year}|{self.component}"


@dataclass(frozen=True)
class DataTable:
    """A chart's numbers as a table: a caption, column headings, rows of cells."""

    caption: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class ChartData:
    name: str
    title: str
    kind: str  # trend | stacked | breakdown
    keys: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    note: str = ""

    def render(self, fmt: str = "svg") -> bytes:
        if self.kind == "trend":
            # Policy dates from the catalogue, drawn where they fall within the chart's months.
            return charts.trend_chart(self.rows, self.keys[0], self.title, fmt, policy_dates())
        if self.kind == "stacked":
            return charts.stacked_bar_chart(self.rows, self.keys[0], self.keys[1], self.title, fmt)
        return charts.breakdown_chart(self.rows, self.keys[0], self.keys[1], self.title, fmt)

    def csv(self) -> str:
        return charts.data_table_csv(self.rows)

    def table(self) -> DataTable:
        if self.kind == "trend":
            return pivot(self.rows, "month", self.keys[0], self.title)
        if self.kind == "stacked":
            return pivot(self.rows, self.keys[1], self.keys[0], self.title)
        return DataTable(
            self.title,
            [_heading(self.keys[0]), _heading(self.keys[1]), _("Encounters")],
            [[r[self.keys[0]], r[self.keys[1]], int(r["encounters"])] for r in self.rows],
        )


def _heading(key: str) -> str:
    names = {
        "month": _("Month"),
        "fiscal_year": _("Fiscal year"),
        "title_of_authority": _("Title of authority"),
        "demographic": _("Demographic"),
        "citizenship": _("Citizenship"),
        "aor": _("Sector or field office"),
        "component": _("Component"),
    }
    return names.get(key, key)


def pivot(rows: Sequence[Row], row_key: str, col_key: str, caption: str) -> DataTable:
    """Rows by ``row_key``, one column per value of ``col_key``, and a total column."""
    columns: list[Any] = []
    cells: dict[Any, dict[Any, int]] = {}
    for row in rows:
        if row[col_key] not in columns:
            columns.append(row[col_key])
        cells.setdefault(row[row_key], {})[row[col_key]] = int(row["encounters"])
    columns.sort(key=str)
    body = [
        [key, *(values.get(c, 0) for c in columns), sum(values.values())]
        for key, values in cells.items()
    ]
    if row_key == "month":
        body.sort(key=lambda r: str(r[0]))
    headings = [_heading(row_key), *(str(c) for c in columns), _("Total")]
    return DataTable(caption, headings, body)


def source_files(con: duckdb.DuckDBPyConnection, source: str) -> list[int]:
    """The file ids of one source."""
    files = store.imported_files(con)
    asilo = [f.file_id for f in files if f.file_name.startswith(ASILO_FILE_PREFIX)]
    if source == SOURCE_ASILO:
        return asilo
    return [f.file_id for f in files if f.file_id not in asilo]


def database_version(path: Path) -> str:
    """Changes whenever the database file does (for caching rendered charts)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return "missing"
    wal = path.with_name(path.name + ".wal")
    wal_mtime = wal.stat().st_mtime_ns if wal.exists() else 0
    raw = f"{path}|{stat.st_mtime_ns}|{stat.st_size}|{wal_mtime}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


@contextmanager
def open_source(path: Path, source: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection that shows the reports only the files of ``source``."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    if not path.exists():
        raise StatisticsUnavailable(str(path))
    try:
        con = store.connect(path, read_only=True)
    except (duckdb.Error, store.StoreError) as exc:  # locked by a writer, or not a DuckDB file
        raise StatisticsUnavailable(str(exc)) from exc
    try:
        catalog = con.execute("SELECT current_database()").fetchone()
        assert catalog is not None
        ids = source_files(con, source)
        keep = ", ".join(str(i) for i in ids) or "NULL"
        for table in _TABLES:
            con.execute(
                f'CREATE TEMP VIEW {table} AS SELECT * FROM "{catalog[0]}".main.{table} '
                f"WHERE file_id IN ({keep})"
            )
        yield con
    finally:
        con.close()


def fiscal_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    rows = con.execute("SELECT DISTINCT fiscal_year FROM encounters ORDER BY 1").fetchall()
    return [int(r[0]) for r in rows]


def _totals(con: duckdb.DuckDBPyConnection, f: StatsFilter, by: tuple[str, ...]) -> list[Row]:
    try:
        return reports.totals(con, f.query(by))
    except ValueError:  # no imported product carries these dimensions
        return []


def _where(f: StatsFilter) -> str:
    parts = [f.region or _("all regions")]
    if f.component:
        parts.append(f.component)
    parts.append(_("FY%(year)s") % {"year": f.fiscal_year} if f.fiscal_year else _("all years"))
    return " — " + ", ".join(parts)


def build_charts(con: duckdb.DuckDBPyConnection, f: StatsFilter) -> list[ChartData]:
    """The four charts of the page for this filter; a chart without data is left out."""
    where = _where(f)
    made: list[ChartData] = []
    rows = _totals(con, f, ("month", "title_of_authority"))
    if rows:
        made.append(
            ChartData(
                "trend_by_authority",
                _("Monthly encounters by title of authority") + where,
                "trend",
                ("title_of_authority",),
                rows,
            )
        )
    rows = _totals(con, f, ("month", "demographic"))
    if rows:
        made.append(
            ChartData(
                "trend_by_demographic",
                _("Monthly encounters by demographic") + where,
                "trend",
                ("demographic",),
                rows,
            )
        )
    rows = _totals(con, f, ("fiscal_year", "citizenship"))
    if rows:
        made.append(
            ChartData(
                "citizenship_by_fiscal_year",
                _("Encounters by citizenship (top %(n)s) and fiscal year") % {"n": TOP_CITIZENSHIPS}
                + where,
                "stacked",
                ("fiscal_year", "citizenship"),
                reports.fold_others(rows, "citizenship", TOP_CITIZENSHIPS, _("ALL OTHERS")),
            )
        )
    rows = _totals(con, f, ("aor", "component"))
    if rows:
        made.append(
            ChartData(
                "sector_field_office_breakdown",
                _("Encounters by sector (USBP) and field office (OFO)") + where,
                "breakdown",
                ("aor", "component"),
                rows,
                _aor_coverage(con, f),
            )
        )
    return made


def _aor_coverage(con: duckdb.DuckDBPyConnection, f: StatsFilter) -> str:
    """Which months the by-AOR figures cover (CBP ships few by-AOR files)."""
    try:
        rows = reports.totals(con, f.query(("month", "aor")))
    except ValueError:
        return ""
    months = sorted({str(r["month"]) for r in rows})
    if not months:
        return ""
    if months[0] == months[-1]:
        return _("Sector and field-office figures cover %(month)s only.") % {"month": months[0]}
    return _("Sector and field-office figures cover %(first)s to %(last)s.") % {
        "first": months[0],
        "last": months[-1],
    }


def summary(con: duckdb.DuckDBPyConnection, f: StatsFilter) -> list[Row]:
    """Encounters per fiscal year with the Title 42 share, for the page's headline table."""
    try:
        return reports.title42_share(con, f.query(("fiscal_year",)))
    except ValueError:
        return []


CHART_NAMES = (
    "trend_by_authority",
    "trend_by_demographic",
    "citizenship_by_fiscal_year",
    "sector_field_office_breakdown",
)
