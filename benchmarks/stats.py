"""Benchmark of asilo.stats: import speed and report time.

1. Imports the real CBP Nationwide Encounters by state file (42,532 rows) from data/real.
2. Generates a synthetic 10-million-row file in CBP's by-AOR schema (seeded, in a temp dir;
   values drawn from CBP's real vocabulary and areas of responsibility), imports it, and times
   a fiscal year × demographic × title of authority report (and two others) over it.

Goals (issue 3): 10 million rows imported in under 20 seconds; any report under 200 ms.

Run: .venv/bin/python benchmarks/stats.py [--rows N] [--seed S]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from asilo.stats import importer, reports, store
from asilo.stats import vocabulary as v

ROOT = Path(__file__).resolve().parent.parent
STATE_FILE = ROOT / "data/real/cbp/cbp_nationwide_encounters_state_fy20_fy23.csv"
AOR_LIST = ROOT / "data/real/reference/cbp_areas_of_responsibility_seen_2020_apr.csv"
CITIZENSHIPS = ROOT / "src/asilo/stats/cbp_citizenships.csv"


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + x.replace("'", "''") + "'" for x in values) + "]"


def generate(path: Path, rows: int, seed: int) -> None:
    """Write ``rows`` synthetic by-AOR rows with DuckDB (deterministic: hashes of row number)."""
    con = duckdb.connect()
    aors = con.execute(
        f"SELECT component, land_border_region, area_of_responsibility, aor_abbv "
        f"FROM read_csv('{AOR_LIST}') ORDER BY ALL"
    ).fetchall()
    citizenships = [
        r[0]
        for r in con.execute(f"SELECT cbp_citizenship FROM read_csv('{CITIZENSHIPS}')").fetchall()
    ] + ["OTHER"]
    months = list(v.FISCAL_MONTHS)
    demographics = list(v.DEMOGRAPHICS)

    def pick(values: list[str], salt: int) -> str:
        return f"{_sql_list(values)}[1 + (hash(i, {seed}, {salt}) % {len(values)})::INTEGER]"

    aor_index = f"(1 + (hash(i, {seed}, 1) % {len(aors)})::INTEGER)"
    comp = _sql_list([a[0] for a in aors])
    region = _sql_list([a[1] for a in aors])
    name = _sql_list([a[2] for a in aors])
    abbv = _sql_list([a[3] for a in aors])
    authority = f"CASE WHEN hash(i, {seed}, 5) % 3 = 0 THEN 'Title 42' ELSE 'Title 8' END"
    con.execute(
        f"""
        COPY (
            SELECT fiscal_year AS "Fiscal Year", 'FYTD' AS "Month Grouping",
                   month AS "Month (abbv)", component AS "Component",
                   region AS "Land Border Region", aor AS "Area of Responsibility",
                   aor_abbv AS "AOR (Abbv)", demographic AS "Demographic",
                   citizenship AS "Citizenship", authority AS "Title of Authority",
                   CASE WHEN authority = 'Title 42' THEN 'Expulsions'
                        WHEN component = 'U.S. Border Patrol' THEN 'Apprehensions'
                        ELSE 'Inadmissibles' END AS "Encounter Type",
                   encounters AS "Encounter Count"
            FROM (
                SELECT 2020 + (hash(i, {seed}, 0) % 4)::INTEGER AS fiscal_year,
                       {pick(months, 2)} AS month,
                       {comp}[{aor_index}] AS component,
                       {region}[{aor_index}] AS region,
                       {name}[{aor_index}] AS aor,
                       {abbv}[{aor_index}] AS aor_abbv,
                       {pick(demographics, 3)} AS demographic,
                       {pick(citizenships, 4)} AS citizenship,
                       {authority} AS authority,
                       (hash(i, {seed}, 6) % 500)::INTEGER AS encounters
                FROM range({rows}) t(i)
            )
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()


def timed_import(db: Path, path: Path) -> tuple[float, importer.ImportReport]:
    con = store.connect(db)
    start = time.perf_counter()
    result = importer.import_files(con, [path])
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed, result


FLOOR = """
import sys, duckdb
con = duckdb.connect(sys.argv[2])
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{sys.argv[1]}')")
"""


def process_seconds(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def command_and_floor(work: Path, path: Path, runs: int = 3) -> tuple[float, float]:
    """Median seconds of ``asilo stats import`` as a process and of the floor (a process that
    has DuckDB read the same file into a table), alternating so both meet the same load."""
    asilo = str(Path(sys.executable).parent / "asilo")
    commands, floors = [], []
    for k in range(runs):
        floors.append(
            process_seconds([sys.executable, "-c", FLOOR, str(path), str(work / f"f{k}.duckdb")])
        )
        commands.append(
            process_seconds(
                [asilo, "stats", "import", str(path), "--db", str(work / f"c{k}.duckdb")]
            )
        )
    return statistics.median(commands), statistics.median(floors)


def time_report(con: duckdb.DuckDBPyConnection, query: reports.Query, runs: int = 7) -> float:
    reports.totals(con, query)  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        reports.totals(con, query)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="asilo-stats-bench-") as tmp:
        work = Path(tmp)
        seconds, result = timed_import(work / "state.duckdb", STATE_FILE)
        rows = result.files[0].rows
        print(
            f"state file: {rows:,} rows imported in {seconds:.3f} s ({rows / seconds:,.0f} rows/s)"
        )

        synthetic = work / "synthetic_nationwide_aor.csv"
        start = time.perf_counter()
        generate(synthetic, args.rows, args.seed)
        size = synthetic.stat().st_size
        print(
            f"synthetic by-AOR file: {args.rows:,} rows, {size / 1e6:,.0f} MB, "
            f"generated in {time.perf_counter() - start:.1f} s (seed {args.seed})"
        )
        db = work / "synthetic.duckdb"
        seconds, result = timed_import(db, synthetic)
        rows = result.files[0].rows
        print(
            f"synthetic import: {rows:,} rows in {seconds:.2f} s ({rows / seconds:,.0f} rows/s); "
            f"goal: under 20 s -> {'met' if seconds < 20 else 'NOT met'}"
        )
        command, floor = command_and_floor(work, synthetic)
        print(
            f"asilo stats import as a process: {command:.2f} s; DuckDB floor (CREATE TABLE AS "
            f"SELECT * FROM read_csv of the same file, as a process): {floor:.2f} s; ratio "
            f"{command / floor:.2f} x (goal: within 1.5 x -> "
            f"{'met' if command <= 1.5 * floor else 'NOT met'}; medians of 3, alternating)"
        )
        con = store.connect(db, read_only=True)
        for label, query in [
            (
                "fiscal_year x demographic x title_of_authority",
                reports.Query(by=("fiscal_year", "demographic", "title_of_authority")),
            ),
            (
                "southwest, month x component",
                reports.Query(by=("month", "component"), region="southwest"),
            ),
            (
                "fiscal_year x aor, FY2022",
                reports.Query(by=("fiscal_year", "aor"), fiscal_years=(2022,)),
            ),
        ]:
            ms = time_report(con, query) * 1000
            print(
                f"report {label} over {rows:,} rows: {ms:.0f} ms (median of 7); "
                f"goal: under 200 ms -> {'met' if ms < 200 else 'NOT met'}"
            )
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
