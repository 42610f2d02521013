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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
from django.utils.translation import gettext as _

from asilo.stats import charts, disclosure, reports, store
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
    #: Small counts withheld (asilo's own records read by a role that sees only aggregates).
    withhold: bool = False

    def shown_rows(self) -> list[Row]:
        """The rows as the reader gets them: counts from 1 to 9 withheld when ``withhold``."""
        if not self.withhold:
            return list(self.rows)
        return disclosure.suppress_rows(self.rows, value="encounters", lines=self._lines())

    def _lines(self) -> list[disclosure.LineKey]:
        """Rows that add up to a total the page shows: a table row with its total column, and
        a fiscal year (the summary's totals: per year, and Title 42 and Title 8 per year)."""
        if self.kind == "trend":
            series = self.keys[0]
            return [disclosure.by("month"), lambda r: (_fiscal_year(r["month"]), r[series])]
        if self.kind == "stacked":
            return [disclosure.by(self.keys[1]), disclosure.by(self.keys[0])]
        return [disclosure.by(self.keys[1])]

    def _drawn(self) -> list[Row]:
        """What the chart draws: a withheld cell is left out (no bar, no point)."""
        return [r for r in self.shown_rows() if not disclosure.is_withheld(r["encounters"])]

    def render(self, fmt: str = "svg") -> bytes:
        rows = self._drawn()
        if self.kind == "trend":
            # Policy dates from the catalogue, drawn where they fall within the chart's months.
            return charts.trend_chart(rows, self.keys[0], self.title, fmt, policy_dates())
        if self.kind == "stacked":
            return charts.stacked_bar_chart(rows, self.keys[0], self.keys[1], self.title, fmt)
        return charts.breakdown_chart(rows, self.keys[0], self.keys[1], self.title, fmt)

    def csv(self) -> str:
        return charts.data_table_csv(self.shown_rows())

    def table(self) -> DataTable:
        rows = self.shown_rows()
        exact = self.rows if self.withhold else None
        if self.kind == "trend":
            return pivot(rows, "month", self.keys[0], self.title, exact=exact)
        if self.kind == "stacked":
            return pivot(rows, self.keys[1], self.keys[0], self.title, exact=exact)
        return DataTable(
            self.title,
            [_heading(self.keys[0]), _heading(self.keys[1]), _("Encounters")],
            [[r[self.keys[0]], r[self.keys[1]], _count(r["encounters"])] for r in rows],
        )


def _count(value: Any) -> disclosure.Count:
    return value if disclosure.is_withheld(value) else int(value)


def _total(
    total: int, values: dict[Any, disclosure.Count], exact: Sequence[Row] | None
) -> disclosure.Count:
    """A row's total: exact, unless small or equal to the row's one withheld count (a row
    whose only non-zero cell is withheld: its total would give that cell back)."""
    if exact is None:
        return total
    if sum(1 for v in values.values() if disclosure.is_withheld(v)) == 1:
        return disclosure.WITHHELD
    return disclosure.shown(total)


def _fiscal_year(month: Any) -> int:
    """The U.S. federal fiscal year of a month (October starts the next year's)."""
    year, number = (int(part) for part in str(month).split("-")[:2])
    return year + 1 if number >= 10 else year


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


def pivot(
    rows: Sequence[Row],
    row_key: str,
    col_key: str,
    caption: str,
    *,
    exact: Sequence[Row] | None = None,
) -> DataTable:
    """Rows by ``row_key``, one column per value of ``col_key``, and a total column.

    ``exact``: the rows before small counts were withheld from ``rows``; the totals come
    from them (exact, a total from 1 to 9 withheld like any count).
    """
    columns: list[Any] = []
    cells: dict[Any, dict[Any, disclosure.Count]] = {}
    for row in rows:
        if row[col_key] not in columns:
            columns.append(row[col_key])
        cells.setdefault(row[row_key], {})[row[col_key]] = _count(row["encounters"])
    columns.sort(key=str)
    totals: dict[Any, int] = {}
    for row in rows if exact is None else exact:
        totals[row[row_key]] = totals.get(row[row_key], 0) + int(row["encounters"])
    body = [
        [key, *(values.get(c, 0) for c in columns), _total(totals[key], values, exact)]
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


def build_charts(
    con: duckdb.DuckDBPyConnection, f: StatsFilter, *, withhold: bool = False
) -> list[ChartData]:
    """The four charts of the page for this filter; a chart without data is left out.
    ``withhold``: small counts withheld (:mod:`asilo.stats.disclosure`)."""
    made = _charts(con, f)
    if withhold:
        made = [replace(c, withhold=True) for c in made]
    return made


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the page: its name, kind, the dimensions it counts by (the first is the
    table's rows or the chart's axis), and the dimensions its series or stacks follow."""

    name: str
    kind: str
    by: tuple[str, str]
    keys: tuple[str, ...]

    def title(self) -> str:
        titles = {
            "trend_by_authority": _("Monthly encounters by title of authority"),
            "trend_by_demographic": _("Monthly encounters by demographic"),
            "citizenship_by_fiscal_year": _("Encounters by citizenship (top %(n)s) and fiscal year")
            % {"n": TOP_CITIZENSHIPS},
            "sector_field_office_breakdown": _(
                "Encounters by sector (USBP) and field office (OFO)"
            ),
        }
        return titles[self.name]


SPECS = (
    ChartSpec(
        "trend_by_authority", "trend", ("month", "title_of_authority"), ("title_of_authority",)
    ),
    ChartSpec("trend_by_demographic", "trend", ("month", "demographic"), ("demographic",)),
    ChartSpec(
        "citizenship_by_fiscal_year",
        "stacked",
        ("fiscal_year", "citizenship"),
        ("fiscal_year", "citizenship"),
    ),
    ChartSpec(
        "sector_field_office_breakdown", "breakdown", ("aor", "component"), ("aor", "component")
    ),
)


def _charts(con: duckdb.DuckDBPyConnection, f: StatsFilter) -> list[ChartData]:
    where = _where(f)
    made: list[ChartData] = []
    for spec in SPECS:
        rows = _totals(con, f, spec.by)
        if not rows:
            continue
        note = ""
        if spec.kind == "stacked":
            rows = reports.fold_others(rows, "citizenship", TOP_CITIZENSHIPS, _("ALL OTHERS"))
        if spec.kind == "breakdown":
            note = _aor_coverage(con, f)
        made.append(ChartData(spec.name, spec.title() + where, spec.kind, spec.keys, rows, note))
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


def summary(con: duckdb.DuckDBPyConnection, f: StatsFilter, *, withhold: bool = False) -> list[Row]:
    """Encounters per fiscal year with the Title 42 share, for the page's headline table.
    ``withhold``: small counts withheld, and the share when Title 42's count is."""
    try:
        rows = reports.title42_share(con, f.query(("fiscal_year",)))
    except ValueError:
        return []
    return [_withheld_summary(r) for r in rows] if withhold else rows


def _withheld_summary(row: Row) -> Row:
    """One fiscal year: Title 42, Title 8 and the other authorities (never shown, but the
    total less the two) add up to the shown total, so they form one line."""
    total, t42, t8 = int(row["encounters"]), int(row["title_42"]), int(row["title_8"])
    out = disclosure.withheld_cells([t42, t8, total - t42 - t8], [[0, 1, 2]], hidden=[2])
    hidden = 0 in out or disclosure.is_small(total)
    return {
        **row,
        "encounters": disclosure.shown(total),
        "title_42": disclosure.WITHHELD if 0 in out else t42,
        "title_8": disclosure.WITHHELD if 1 in out else t8,
        "title_42_share": None if hidden else row["title_42_share"],
    }


CHART_NAMES = tuple(spec.name for spec in SPECS)
