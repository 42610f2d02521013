"""Benchmark of ``asilo replay --encounters FILE --scenario S.yaml`` end to end, as a process.

Writes FY2022-dated encounter documents as JSON lines (the generator of
``benchmarks/decide_throughput.py``: single adults, a parent with children, unaccompanied
children; 1,000,000 lines by default) and times, as separate processes started the same way and
alternating in the same run:

* the command a user runs: ``asilo replay --encounters E.jsonl --scenario
  title42-ended-2021-01-20.yaml`` (its report written to a file);
* the floor: a Python process that reads the same file a piece at a time and parses every line
  with orjson (what any replay must at least do with the file).

For each it prints the median wall clock, CPU seconds (user + system) and peak resident memory
(``wait4``'s ``ru_maxrss`` of that process alone), with the load average: the machine may be
shared.

    .venv/bin/python benchmarks/replay.py [--lines N] [--seed S] [--runs N] [--format json]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from decide_throughput import Timed, batch_lines

SCENARIO = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "asilo"
    / "policy"
    / "scenarios"
    / "title42-ended-2021-01-20.yaml"
)
#: The floor: read the file 8 MB at a time and parse every line with orjson.
FLOOR = """
import sys, orjson
count, rest = 0, b""
with open(sys.argv[1], "rb") as f:
    while block := f.read(1 << 23):
        block = rest + block
        cut = block.rfind(b"\\n") + 1
        rest = block[cut:]
        for line in block[:cut].splitlines():
            if line.strip():
                orjson.loads(line)
                count += 1
    if rest.strip():
        orjson.loads(rest)
        count += 1
print(count)
"""


@dataclass
class Runs(Timed):
    """One process's runs: wall clock, CPU seconds (user + system) and peak memory (MB)."""

    peak_mb: list[float] = field(default_factory=list)

    def text(self) -> str:
        return f"{super().text()}, peak {max(self.peak_mb):,.0f} MB"


def run(runs: Runs, argv: list[str], stdout: Path) -> None:
    """Run ``argv`` as a process writing to ``stdout``; its own rusage from ``wait4``."""
    stdout.unlink(missing_ok=True)
    os.sync()
    with stdout.open("wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out)
        _, status, usage = os.wait4(process.pid, 0)
        runs.wall.append(time.perf_counter() - start)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{argv[0]} exited {process.returncode}")
    runs.cpu.append(usage.ru_utime + usage.ru_stime)
    runs.peak_mb.append(usage.ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", choices=["text", "json"], default="text")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="asilo-replay-bench-"))
    try:
        source = folder / "encounters.jsonl"
        with source.open("wb") as out:
            for line in batch_lines(args.lines, args.seed):
                out.write(line + b"\n")
        asilo = str(Path(sys.executable).parent / "asilo")
        command = [asilo, "replay", "--encounters", str(source), "--scenario", str(SCENARIO)]
        command += ["--format", args.format]
        floor = [sys.executable, "-c", FLOOR, str(source)]
        report, counted = folder / "report.out", folder / "floor.out"
        timed, floored = Runs(), Runs()
        load_before = os.getloadavg()
        for _ in range(args.runs):
            run(floored, floor, counted)
            run(timed, command, report)
        load_after = os.getloadavg()
        with report.open("rb") as f:
            head = f.readline().decode().strip()
        digest = hashlib.sha256(report.read_bytes()).hexdigest()[:12]
        print(f"machine: {os.cpu_count()} cores, load average {load_before[0]:.2f} before and "
              f"{load_after[0]:.2f} after (1 min)")  # fmt: skip
        print(
            f"asilo replay --format {args.format}, {args.lines:,} JSON lines "
            f"({source.stat().st_size / 1e6:,.0f} MB), as a process: {timed.text()}\n"
            f"  report: {report.stat().st_size / 1e6:,.1f} MB, sha256 {digest}…"
            + (f"; {head}" if args.format == "text" else "")
            + f"\nfloor (orjson parses every line, as a process): {floored.text()}\n"
            f"ratio {statistics.median(timed.wall) / statistics.median(floored.wall):.2f} x wall,"
            f" {statistics.median(timed.cpu) / statistics.median(floored.cpu):.2f} x CPU"
            f" (medians of {args.runs}, alternating)"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
