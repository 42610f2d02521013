"""Benchmark of identity resolution (asilo.linkage, Splink 5 on DuckDB).

1. Generates a synthetic border population (``asilo identity synth``; default 1,000,000 records,
   seed 20261202, a seed the model was never tuned on) with its ground truth.
2. Times ``asilo identity link --records R.csv --out C.csv`` as a process, end to end, beside
   a floor measured in the same run: a process that starts Python, reads R.csv with DuckDB
   and writes a C.csv of the same shape (no linkage at all).
3. Scores the result with ``asilo identity evaluate --clusters C.csv``: pairwise precision,
   recall and F1, overall and by corruption kind; and the blocking: pairs compared per record
   and its recall (the share of true pairs that any blocking rule produces).
4. Loads the records as stored identities and times finding a new record's matches
   (``Matcher.find``: candidate look-up on the blocking keys' hashes, then Splink's scoring
   SQL) for re-spelt copies of stored people, reporting the median and 95th percentile and
   how often the right person is the best match.

Goals (issue 14): link 1,000,000 records in under 2 minutes with pairwise precision >= 0.98
and F1 >= 0.97; blocking recall above 99.5 %; one new record's matches against 1,000,000
stored identities in under 200 ms. This prints figures (with the load average, since the
machine may be shared); it asserts nothing about time.

Run: .venv/bin/python benchmarks/linkage.py [--n N] [--seed S] [--queries Q]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASILO = Path(sys.executable).with_name("asilo")

FLOOR = """
import sys, duckdb
con = duckdb.connect()
con.execute(
    "copy (select record_id, record_id as identity_id, 1.0 as match_probability "
    "from read_csv(?, header = true, all_varchar = true)) to ? (header, delimiter ',')",
    [sys.argv[1], sys.argv[2]],
)
"""


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return elapsed, done


def respell(row: dict[str, str], rng: random.Random) -> dict[str, str]:
    """A later encounter of the same person, written differently."""
    from asilo.linkage.synth import strip_accents

    new = dict(row)
    new["record_id"] = "new"
    new["given_names"] = strip_accents(row["given_names"]).upper()
    new["first_surname"] = strip_accents(row["first_surname"])
    if rng.random() < 0.5:
        new["second_surname"] = ""
    new["a_number"] = ""
    new["document_number"] = ""
    return new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="asilo-linkage-bench-") as tmp:
        folder = Path(tmp)
        records, truth, clusters = folder / "R.csv", folder / "T.csv", folder / "C.csv"
        t_gen, _ = timed(
            [
                str(ASILO),
                "identity",
                "synth",
                "--n",
                str(args.n),
                "--seed",
                str(args.seed),
                "--out",
                str(records),
                "--truth",
                str(truth),
            ]
        )
        print(f"population: {args.n:,} records, seed {args.seed} (generated in {t_gen:.1f} s)")

        print(f"machine: {os.cpu_count()} cores, load average {load()} before linking")
        t_floor, _ = timed([sys.executable, "-c", FLOOR, str(records), str(folder / "F.csv")])
        cpu_before, load_before = children_cpu(), load()
        t_link, done = timed(
            [str(ASILO), "identity", "link", "--records", str(records), "--out", str(clusters)]
        )
        cpu_link = children_cpu() - cpu_before
        print(
            f"asilo identity link (DuckDB), end to end: {t_link:.1f} s, {cpu_link:.1f} s of CPU "
            f"(load average {load_before} before, {load()} after)  "
            f"[goal < 120 s; floor: read R.csv and write C.csv, {t_floor:.1f} s]"
        )
        print("  " + done.stderr.strip().splitlines()[-1])

        from asilo.linkage.evaluation import blocking_recall

        blocking = blocking_recall(records, truth)
        print(
            f"blocking: {blocking.compared_pairs:,} pairs compared, "
            f"{blocking.per_record:.2f} per record; recall {blocking.recall:.4f} "
            f"({blocking.found_pairs:,} of {blocking.true_pairs:,} true pairs produced by a "
            "blocking rule) [goal > 0.995]"
        )

        _, scored = timed(
            [
                str(ASILO),
                "identity",
                "evaluate",
                "--records",
                str(records),
                "--truth",
                str(truth),
                "--clusters",
                str(clusters),
                "--csv",
            ]
        )
        rows = list(csv.DictReader(scored.stdout.splitlines()))
        print("pairwise links against the truth [goal: precision >= 0.98, F1 >= 0.97 overall]")
        print(
            f"  {'corruption kind':26} {'true pairs':>11} {'predicted':>11} "
            f"{'precision':>9} {'recall':>7} {'F1':>7}"
        )
        for r in rows:
            kind = "all records" if r["kind"] == "all" else r["kind"]
            print(
                f"  {kind:26} {int(r['true_pairs']):>11,} {int(r['predicted_pairs']):>11,} "
                f"{float(r['precision']):>9.4f} {float(r['recall']):>7.4f} "
                f"{float(r['f1']):>7.4f}"
            )

        from asilo.linkage.engine import Matcher

        started = time.perf_counter()
        matcher = Matcher.from_records_file(records)
        t_load = time.perf_counter() - started
        rng = random.Random(args.seed)
        with records.open(newline="", encoding="utf-8") as fh:
            stored = list(csv.DictReader(fh))
        truth_of = {}
        with truth.open(newline="", encoding="utf-8") as fh:
            for t in csv.DictReader(fh):
                truth_of[t["record_id"]] = t["true_identity_id"]
        picks = [
            r
            for r in rng.sample(stored, min(len(stored), args.queries * 4))
            if r["given_names"] and r["first_surname"] and len(r["date_of_birth"]) == 10
        ][: args.queries]
        matcher.find(respell(picks[0], rng))  # warm-up (first query compiles SQL)
        times: list[float] = []
        right = 0
        for row in picks:
            new = respell(row, rng)
            started = time.perf_counter()
            found = matcher.find(new)
            times.append((time.perf_counter() - started) * 1000)
            if found and truth_of[found[0].record_id] == truth_of[row["record_id"]]:
                right += 1
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(
            f"matching one new record against {len(stored):,} stored records "
            f"({len(picks)} queries; stored table loaded in {t_load:.1f} s): "
            f"median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms [goal < 200 ms]; "
            f"best match is the same person in {right}/{len(picks)}"
        )


if __name__ == "__main__":
    main()
