"""Benchmark of asilo forecast: the commands a user runs, timed end to end.

1. Imports the real by-state CBP files (data/real/cbp) into a temporary statistics database.
2. Times ``asilo forecast backtest`` on 60 series (Southwest states, demographics and nationality
   groups; FY2020-FY2025 by state), 12 rolling monthly origins, horizons 1-3, every model and
   the ensemble. Goal (issue 15): under 60 s.
3. Times ``asilo forecast custody`` for the nine Southwest Border Patrol sectors over 365 days
   (monthly arrivals per sector in a CSV, FY2019 figures of the USBP file shifted to 2023-2024,
   the mix of people from the by-state files, the engine's pathway shares under a scenario).
   Goal: under 5 s.

Beside each, the floor: ``asilo forecast --help`` in the same run (interpreter start-up and
imports), so the figures can be read on a busy machine. Prints figures; asserts nothing.

Run: .venv/bin/python benchmarks/forecast.py [--origins 12] [--series 60]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASILO = [sys.executable, "-m", "asilo.cli.main"]
CBP = ROOT / "data/real/cbp"
SECTORS = CBP / "usbp_monthly_apprehensions_by_sector_fy2000_fy2020.psv"
SCENARIO = ROOT / "src/asilo/forecast/scenarios/title42-ends-2023-05-11.yaml"
SECTOR_PLACES = {
    "big_bend": "Big Bend",
    "del_rio": "Del Rio",
    "el_centro": "El Centro",
    "el_paso": "El Paso",
    "laredo": "Laredo",
    "rio_grande_valley": "Rio Grande Valley",
    "san_diego": "San Diego",
    "tucson": "Tucson",
    "yuma": "Yuma",
}


def sixty_series() -> list[str]:
    states = ("TX", "AZ", "CA", "NM")
    demographics = ("single_adult", "family_unit", "unaccompanied_child")
    groups = ("mexico", "northern-triangle", "chnv")
    specs = ["region=southwest"]
    specs += [f"region=southwest,demographic={d}" for d in (*demographics, "accompanied_minor")]
    specs += [f"region=southwest,citizenship={g}" for g in groups]
    specs += [f"state={s}" for s in states]
    specs += [f"state={s},demographic={d}" for s in states for d in demographics]
    specs += [f"state={s},citizenship={g}" for s in states for g in groups]
    specs += [
        f"state={s},demographic={d},citizenship={g}"
        for s in states
        for d in ("single_adult", "family_unit")
        for g in ("mexico", "northern-triangle", "chnv")
    ]
    return specs


CPU: list[float] = [0.0]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall-clock seconds of the command; its CPU seconds (and its workers') go to CPU[0]."""
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=ROOT)
    elapsed = time.perf_counter() - start
    CPU[0] = _children_cpu() - cpu
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(args)}\n{done.stderr}")
    return elapsed, done


def floor(runs: int = 3) -> float:
    return statistics.median(timed([*ASILO, "forecast", "--help"])[0] for _ in range(runs))


def arrivals_file(path: Path) -> None:
    """Monthly arrivals per sector, 2023-05 to 2024-05: FY2019's months moved four years on."""
    with SECTORS.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="|") if r["fy"] in ("2019", "2020")]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["date", "place", "count"])
        for row in rows:
            month = int(row["month"])
            year = int(row["fy"]) - (1 if month >= 10 else 0) + 4
            for column, place in SECTOR_PLACES.items():
                writer.writerow([f"{year:04d}-{month:02d}", place, row[column]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=12)
    parser.add_argument("--series", type=int, default=60)
    parser.add_argument(
        "--refit", action="append", choices=("first", "every"), help="default: first and every"
    )
    options = parser.parse_args()
    options.refit = options.refit or ["first", "every"]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "stats.duckdb"
        files = sorted(str(p) for p in CBP.glob("cbp_nationwide_encounters_state_*.csv"))
        timed([*ASILO, "stats", "import", *files, "--db", str(db)])
        base = floor()
        base_cpu = CPU[0]
        print(
            f"floor: asilo forecast --help, median of 3: {base:.2f} s (cpu {base_cpu:.2f} s); "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )

        specs = sixty_series()[: options.series]
        args = [*ASILO, "forecast", "backtest", "--origins", str(options.origins)]
        for spec in specs:
            args += ["--series", spec]
        for refit in options.refit:
            elapsed, done = timed([*args, "--db", str(db), "--format", "csv", "--refit", refit])
            lines = done.stdout.strip().splitlines()
            overall = [line for line in lines if line.startswith("ALL,")]
            verdict = "met" if elapsed < 60 else "NOT met"
            print(
                f"backtest --refit {refit}: {len(specs)} series x {options.origins} origins x "
                f"horizons 1-3, 5 models: {elapsed:.1f} s, cpu {CPU[0]:.1f} s "
                f"(floor {base:.2f} s); "
                f"goal: under 60 s -> {verdict}"
            )
            for line in overall:
                print("  overall " + line)

        arrivals = Path(tmp) / "arrivals.csv"
        arrivals_file(arrivals)
        first = dt.date(2023, 6, 1)
        last = first + dt.timedelta(days=364)
        elapsed, done = timed(
            [
                *ASILO, "forecast", "custody", "--arrivals", str(arrivals),
                "--scenario", str(SCENARIO), "--from", first.isoformat(),
                "--to", last.isoformat(), "--db", str(db), "--format", "csv",
            ]
        )  # fmt: skip
        rows = len(done.stdout.strip().splitlines()) - 1
        verdict = "met" if elapsed < 5 else "NOT met"
        print(
            f"custody: 9 sectors x 365 days ({rows} rows): {elapsed:.2f} s, cpu {CPU[0]:.2f} s "
            f"(floor {base:.2f} s); goal: under 5 s -> {verdict}"
        )


if __name__ == "__main__":
    main()
