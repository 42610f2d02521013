"""``asilo stats``: import CBP encounter files, report, reconcile with published totals, chart.

The work is done by :mod:`asilo.stats`; these commands parse options and print.
"""

from __future__ import annotations

import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
from rich.table import Table

from asilo.cli.common import err, fail, out, say, text_file
from asilo.cli.options import OutputFormat, RowsFormat, StatsDb
from asilo.csvsafe import rows_csv
from asilo.outputfiles import OutputFileError, write_bytes, write_text
from asilo.stats import cbp_export, importer, reconcile, reports, store
from asilo.stats.vocabulary import parse_region

stats_app = typer.Typer(
    help="Encounter statistics in CBP's categories (DuckDB).",
    no_args_is_help=True,
)

RegionOption = Annotated[
    str,
    typer.Option(
        "--region",
        help="southwest, northern, other or all (or CBP's spelling, e.g. 'Southwest Land Border').",
    ),
]


class View(StrEnum):
    totals = "totals"
    fytd = "fytd"
    title42_share = "title42-share"
    top_citizenships = "top-citizenships"


class ChartFormat(StrEnum):
    png = "png"
    svg = "svg"


def _open_existing(db: Path) -> duckdb.DuckDBPyConnection:
    if not db.exists():
        fail(f"no statistics database at {db}; run 'asilo stats import FILE...' first")
    try:
        return store.connect(db, read_only=True)
    except store.StoreError as exc:
        fail(f"--db: {exc}")


@stats_app.command("import")
def import_cmd(
    files: Annotated[list[Path], typer.Argument(help="CBP encounter CSV files.")],
    db: StatsDb = store.DEFAULT_DB,
) -> None:
    """Import CBP encounter files (all or nothing; a file imported again replaces its rows).
    The import is written to a copy that replaces the database when complete: reports and the
    statistics pages keep reading the old figures meanwhile."""
    try:
        result = importer.import_store(db, files)
    except store.StoreError as exc:
        fail(f"--db: {exc}")
    except importer.ImportFailed as exc:
        for error in exc.errors:
            say(f"error: {error}", err)
        fail("nothing imported: the database is as it was")
    for f in result.files:
        span = ""
        if f.first_month and f.last_month:
            span = f", {f.first_month:%Y-%m} to {f.last_month:%Y-%m}"
        again = " (replaced the earlier import)" if f.replaced else ""
        say(
            f"{f.file_name}: {f.product.title} [{f.product.name}]; {f.rows:,} rows imported, "
            f"{f.encounters:,} encounters{span}{again}",
        )
    for overlap in result.overlaps:
        say(overlap.describe())


def _query(
    by: list[str],
    region: str,
    fiscal_year: list[int],
    product: str | None,
    filters: list[str],
) -> reports.Query:
    try:
        for year in fiscal_year:
            if not 1900 <= year <= 2200:
                raise ValueError(f"--fiscal-year: {year} is not a fiscal year such as 2023")
        dims = reports.dimensions(by)
        parsed = tuple(reports.parse_filter(f) for f in filters)
        parse_region(region)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    return reports.Query(
        by=dims, region=region, fiscal_years=tuple(fiscal_year), product=product, filters=parsed
    )


def _cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _print_rows(rows: list[dict[str, Any]], fmt: OutputFormat, title: str) -> None:
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(rows, indent=2, default=str) + "\n")
        return
    if fmt is OutputFormat.csv:
        sys.stdout.write(rows_csv(rows))
        return
    if not rows:
        out.print("no encounters match", markup=False)
        return
    table = Table(title=title)
    for key in rows[0]:
        numeric = isinstance(rows[0][key], int | float) and key != "fiscal_year"
        table.add_column(key, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(_cell(v) if k != "fiscal_year" else str(v) for k, v in row.items()))
    out.print(table)


@stats_app.command("report")
def report_cmd(
    by: Annotated[
        list[str],
        typer.Option(
            "--by",
            help="Group by fiscal_year, month, region, component, aor, state, demographic, "
            "citizenship, title_of_authority, encounter_type (comma-separated or repeated).",
        ),
    ] = ["fiscal_year"],  # noqa: B006
    region: RegionOption = "all",
    fiscal_year: Annotated[
        list[int], typer.Option("--fiscal-year", help="Only these fiscal years (repeatable).")
    ] = [],  # noqa: B006
    product: Annotated[
        str | None,
        typer.Option(
            help="Count only this product (nationwide_aor, nationwide_state, "
            "southwest_land_border)."
        ),
    ] = None,
    filters: Annotated[
        list[str],
        typer.Option("--filter", help="DIMENSION=VALUE, e.g. demographic=FMUA (repeatable)."),
    ] = [],  # noqa: B006
    view: Annotated[
        View,
        typer.Option(
            help="totals; fytd (fiscal year to date against the prior year's same months; "
            "--fiscal-year picks the year); title42-share; top-citizenships (--top N per group)."
        ),
    ] = View.totals,
    top: Annotated[int, typer.Option(help="How many citizenships per group.")] = 10,
    fmt: RowsFormat = OutputFormat.table,
    db: StatsDb = store.DEFAULT_DB,
) -> None:
    """Encounter totals by any dimensions, as a table, CSV or JSON."""
    query = _query(by, region, [] if view is View.fytd else fiscal_year, product, filters)
    con = _open_existing(db)
    try:
        if view is View.totals:
            rows = reports.totals(con, query)
        elif view is View.title42_share:
            rows = reports.title42_share(con, query)
        elif view is View.top_citizenships:
            rows = reports.top_citizenships(con, query, top)
        else:
            if len(fiscal_year) > 1:
                raise typer.BadParameter("fytd compares one fiscal year with the one before")
            rows = reports.fiscal_year_to_date(con, query, fiscal_year[0] if fiscal_year else None)
    except ValueError as exc:
        fail(str(exc))
    finally:
        con.close()
    _print_rows(rows, fmt, f"Encounters ({view.value}), region: {region}")


@stats_app.command("reconcile")
def reconcile_cmd(
    totals: Annotated[
        Path | None,
        typer.Option(
            "--totals", help="YAML of published totals (default: the shipped FY2020–FY2025 file)."
        ),
    ] = None,
    db: StatsDb = store.DEFAULT_DB,
) -> None:
    """Check the imported data against published totals; exit 1 if any line is off."""
    try:
        lines = reconcile.load_totals(None if totals is None else text_file(totals, "--totals"))
    except (OSError, reconcile.TotalsFileError) as exc:
        fail(str(exc))
    con = _open_existing(db)
    try:
        checks = reconcile.reconcile(con, lines)
    except ValueError as exc:
        fail(str(exc))
    finally:
        con.close()
    for check in checks:
        say(check.describe())
    bad = [c for c in checks if c.status != "matched"]
    say(
        f"{len(checks) - len(bad)} of {len(checks)} published totals matched",
    )
    if bad:
        raise typer.Exit(1)


@stats_app.command("chart")
def chart_cmd(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for the charts.")],
    fmt: Annotated[ChartFormat, typer.Option("--format")] = ChartFormat.svg,
    region: RegionOption = "southwest",
    fiscal_year: Annotated[
        list[int], typer.Option("--fiscal-year", help="Only these fiscal years (repeatable).")
    ] = [],  # noqa: B006
    db: StatsDb = store.DEFAULT_DB,
) -> None:
    """Write the standard charts, each with its data table as CSV beside it."""
    try:
        canonical = parse_region(region)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    from asilo.stats import charts  # matplotlib loads only when charts are drawn

    con = _open_existing(db)
    try:
        made = charts.standard_charts(con, canonical, tuple(fiscal_year))
    finally:
        con.close()
    if not made:
        fail("no encounters to chart for this selection")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"--out: cannot make the folder {out_dir}: {exc.strerror or exc}")
    for chart in made:
        image = out_dir / f"{chart.name}.{fmt.value}"
        table = out_dir / f"{chart.name}.csv"
        try:
            write_bytes(image, chart.render(fmt.value))
            write_text(table, charts.data_table_csv(chart.rows))
        except OutputFileError as exc:
            fail(str(exc))
        say(f"{image} ({chart.title}); data table {table}")


@stats_app.command("export")
def export_cmd(
    records: Annotated[
        Path,
        typer.Argument(
            help="asilo encounter records (CSV: date, component, aor_name, aor_abbv, region, "
            "demographic, citizenship, authority[, count])."
        ),
    ],
    out_file: Annotated[Path, typer.Option("--out", help="CBP by-AOR CSV to write.")],
) -> None:
    """Write asilo's own encounters in CBP's Nationwide Encounters by AOR format."""
    text_file(records, "RECORDS")
    try:
        own = cbp_export.read_own_encounters_csv(records)
        buffer = io.StringIO()
        rows = cbp_export.write_cbp_csv(own, buffer)
    except (OSError, cbp_export.ExportError) as exc:
        fail(str(exc))
    try:
        write_text(out_file, buffer.getvalue())
    except OutputFileError as exc:
        fail(str(exc))
    total = sum(r.count for r in own)
    say(
        f"{out_file}: {rows:,} CBP rows, {total:,} encounters from {len(own):,} records",
    )


@stats_app.command("files")
def files_cmd(db: StatsDb = store.DEFAULT_DB) -> None:
    """List the imported files, their product, rows, encounters and months."""
    con = _open_existing(db)
    try:
        rows = [
            {
                "file": f.file_name,
                "product": f.product,
                "rows": f.rows,
                "encounters": f.encounters,
                "first_month": f"{f.first_month:%Y-%m}" if f.first_month else "",
                "last_month": f"{f.last_month:%Y-%m}" if f.last_month else "",
            }
            for f in store.imported_files(con)
        ]
    finally:
        con.close()
    _print_rows(rows, OutputFormat.table, "Imported files")
