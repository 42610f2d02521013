"""Decide 2,400,000 synthetic encounters shaped like FY2022's southwest-border mix.

Usage: ``.venv/bin/python benchmarks/decide_throughput.py [--batch-lines N] [--encounters N]
[--seed S]``

First (``--batch-lines``, 1,000,000 by default; 0 skips it) it times ``asilo decide --batch``
as a process on that many FY2022-dated JSON lines, its decisions written to a file, beside the
floor of an orjson process that parses and writes the same lines, alternating, three runs each
(medians of wall clock and of CPU seconds, user + system), then once the time of only writing
as many bytes as the decisions take (about 4 KB a line, some 20 times the lines' size).

The mix comes from CBP's Nationwide Encounters by state (FY2022 rows of
``cbp_nationwide_encounters_state_fy20_fy23.csv``, Southwest Land Border): month, state,
demographic and citizenship, weighted by the encounter count (the title of authority is what we
decide, so it is not an input). That file has no component or sector, so:

- component: accompanied minors are OFO (CBP's definition); unaccompanied children are OFO with
  the FY2022 share 1 - 149,093/152,057 (USBP-only UC count, fact sheet 9b); single adults and
  family units take the OFO share of their demographic in the April 2020 AOR excerpt, the only
  real component split we hold;
- Border Patrol sector: the sectors of the encounter's state, weighted by their FY2020
  apprehensions (``usbp_monthly_apprehensions_by_sector_fy2000_fy2020.psv``);
- port of entry: the main ports of the state, equally weighted (no port-level data is held);
- day: uniform within the month; "OTHER" citizenship: spread evenly over ten nationalities;
- groups: a family unit is one or (one time in five) two parents with one to three children of
  uniform ages 0-17; an accompanied minor travels with a U.S.-citizen parent.

Every encounter is decided (``decide_many`` decides each distinct shape once with the real
engine and maps the decision back to every row). The script prints the decisions per second, the
peak memory (``resource.getrusage``), the outcome counts and a CRC-32 checksum of every row's
outcome codes.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import statistics
import subprocess
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from asilo.policy import EncounterBatch, decide_many, load_catalogue
from asilo.policy.batch import DESTINATIONS, FACTS, NATIONALITY_INDEX, PLACE_INDEX, day_number
from asilo.policy.decision import AUTHORITIES, DEMOGRAPHICS, PATHWAYS

DATA = Path(__file__).resolve().parents[1] / "data" / "real"  # the repository's copies
STATE_FILE = DATA / "cbp" / "cbp_nationwide_encounters_state_fy20_fy23.csv"
AOR_APRIL_2020 = DATA / "cbp" / "cbp_nationwide_encounters_aor_2020_apr_excerpt.csv"
SECTOR_TABLE = DATA / "cbp" / "usbp_monthly_apprehensions_by_sector_fy2000_fy2020.psv"

CITIZENSHIP = {
    "MEXICO": "MEX", "GUATEMALA": "GTM", "CUBA": "CUB", "HONDURAS": "HND", "VENEZUELA": "VEN",
    "NICARAGUA": "NIC", "COLOMBIA": "COL", "EL SALVADOR": "SLV", "HAITI": "HTI", "BRAZIL": "BRA",
    "PERU": "PER", "UKRAINE": "UKR", "ECUADOR": "ECU", "RUSSIA": "RUS", "INDIA": "IND",
    "TURKEY": "TUR", "ROMANIA": "ROU", "CHINA, PEOPLES REPUBLIC OF": "CHN", "CANADA": "CAN",
    "PHILIPPINES": "PHL", "MYANMAR (BURMA)": "MMR",
}  # fmt: skip
OTHER = ("DOM", "GEO", "SEN", "UZB", "AFG", "MRT", "CHL", "ARG", "GHA", "PAK")
DEMOGRAPHIC = {
    "Single Adults": "single_adult",
    "FMUA": "family_unit",
    "UC / Single Minors": "unaccompanied_child",
    "Accompanied Minors": "accompanied_minor",
}
MONTHS = {"OCT": 10, "NOV": 11, "DEC": 12, "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5,
          "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9}  # fmt: skip
SECTORS_BY_STATE = {
    "CA": {"San Diego": "san_diego", "El Centro": "el_centro"},
    "AZ": {"Tucson": "tucson", "Yuma": "yuma"},
    "NM": {"El Paso": "el_paso"},
    "TX": {
        "El Paso": "el_paso",
        "Big Bend": "big_bend",
        "Del Rio": "del_rio",
        "Laredo": "laredo",
        "Rio Grande Valley": "rio_grande_valley",
    },
}
PORTS_BY_STATE = {
    "CA": ("San Ysidro", "Otay Mesa", "Calexico", "Tecate"),
    "AZ": ("Nogales", "San Luis", "Douglas"),
    "NM": ("Santa Teresa", "Columbus"),
    "TX": ("El Paso", "Laredo", "Hidalgo", "Brownsville", "Eagle Pass", "Del Rio", "Presidio"),
}
UC_OFO_SHARE_FY2022 = 1 - 149_093 / 152_057
CBP_FY2022_TITLE42, CBP_FY2022_TOTAL = 1_079_507, 2_378_944


def fy2022_mix() -> tuple[list[tuple[date, str, str, str]], np.ndarray]:
    """(first day of month, state, demographic, citizenship) cells with their FY2022 counts."""
    cells: Counter[tuple[date, str, str, str]] = Counter()
    with STATE_FILE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Fiscal Year"] != "2022" or row["Land Border Region"] != "Southwest Land Border":
                continue
            month = MONTHS[row["Month (abbv)"]]
            first = date(2021 if month >= 10 else 2022, month, 1)
            key = (first, row["State"], DEMOGRAPHIC[row["Demographic"]], row["Citizenship"])
            cells[key] += int(row["Encounter Count"])
    keys = sorted(cells)
    return keys, np.array([cells[k] for k in keys], dtype=np.float64)


def ofo_share_april_2020() -> dict[str, float]:
    ofo: Counter[str] = Counter()
    total: Counter[str] = Counter()
    with AOR_APRIL_2020.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["land_border_region"] != "Southwest Land Border":
                continue
            demographic = DEMOGRAPHIC[row["demographic"]]
            total[demographic] += int(row["encounter_count"])
            if row["component"] == "Office of Field Operations":
                ofo[demographic] += int(row["encounter_count"])
    return {d: ofo[d] / total[d] for d in total}


def sector_weights() -> dict[str, dict[str, float]]:
    fy2020: Counter[str] = Counter()
    with SECTOR_TABLE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="|"):
            if row["fy"] == "2020":
                for column in ("san_diego", "el_centro", "yuma", "tucson", "el_paso", "big_bend",
                               "del_rio", "laredo", "rio_grande_valley"):  # fmt: skip
                    fy2020[column] += int(row[column])
    return {
        state: {name: float(fy2020[col]) for name, col in sectors.items()}
        for state, sectors in SECTORS_BY_STATE.items()
    }


def synthesise(count: int, seed: int) -> tuple[EncounterBatch, np.ndarray]:
    """The batch, and the number of people in each encounter."""
    rng = np.random.default_rng(seed)
    keys, weights = fy2022_mix()
    cell = rng.choice(len(keys), size=count, p=weights / weights.sum())
    months = np.array([day_number(k[0]) for k in keys], dtype=np.int32)[cell]
    month_len = np.array([_days_in_month(k[0]) for k in keys], dtype=np.int32)[cell]
    day = months + (rng.random(count) * month_len).astype(np.int32)

    state_names = sorted(SECTORS_BY_STATE)
    states = np.array([state_names.index(k[1]) for k in keys], dtype=np.int8)[cell]
    demographic_names = list(DEMOGRAPHIC.values())
    demographics = np.array([demographic_names.index(k[2]) for k in keys], dtype=np.int8)[cell]
    single, family, child, minor = (demographic_names.index(d) for d in DEMOGRAPHIC.values())
    nat_of_cell = np.array(
        [NATIONALITY_INDEX.get(CITIZENSHIP.get(k[3], ""), -1) for k in keys], np.int16
    )
    nationality = nat_of_cell[cell]
    other = nationality < 0
    other_codes = np.array([NATIONALITY_INDEX[c] for c in OTHER], dtype=np.int16)
    nationality[other] = other_codes[rng.integers(0, len(OTHER), int(other.sum()))]

    ofo_share = ofo_share_april_2020()
    p_ofo = np.select(
        [demographics == minor, demographics == child, demographics == family],
        [1.0, UC_OFO_SHARE_FY2022, ofo_share["family_unit"]],
        default=ofo_share["single_adult"],
    )
    at_port = rng.random(count) < p_ofo
    place = np.empty(count, dtype=np.int16)
    sectors = sector_weights()
    for code, state in enumerate(state_names):
        here = states == code
        names = list(sectors[state])
        w = np.array(list(sectors[state].values()))
        between = np.flatnonzero(here & ~at_port)
        codes = np.array([PLACE_INDEX[("between_ports", n)] for n in names], dtype=np.int16)
        place[between] = codes[rng.choice(len(names), size=len(between), p=w / w.sum())]
        ports = np.flatnonzero(here & at_port)
        port_codes = np.array(
            [PLACE_INDEX[("port_of_entry", n)] for n in PORTS_BY_STATE[state]], dtype=np.int16
        )
        place[ports] = port_codes[rng.integers(0, len(port_codes), len(ports))]

    shape, people, shapes = _group_shapes(rng, demographics, (single, family, child, minor))
    facts = np.full(count, 1 << FACTS.index("manifests_fear"), dtype=np.uint8)
    batch = EncounterBatch(
        day=day, place=place, nationality=nationality, shape=shape, facts=facts, shapes=shapes
    )
    return batch, people


Shape = tuple[tuple[int, str | None, str], ...]
NO_CHILD = 18


def _group_shapes(
    rng: np.random.Generator, demographics: np.ndarray, codes: tuple[int, int, int, int]
) -> tuple[np.ndarray, np.ndarray, tuple[Shape, ...]]:
    """Draw each encounter's group (ages, relationships) as an index into a list of shapes."""
    single, _family, child, minor = codes
    count = len(demographics)
    adult_age = rng.integers(18, 61, count)
    parents = np.where(rng.random(count) < 0.2, 2, 1)
    children = rng.integers(1, 4, count)
    ages = rng.integers(0, 18, (count, 3))
    ages[np.arange(3) >= children[:, None]] = NO_CHILD
    minor_age = rng.integers(12, 18, count)
    is_single, is_child = demographics == single, demographics == child
    is_minor = demographics == minor
    ages[is_single | is_child] = NO_CHILD
    ages[is_child, 0] = minor_age[is_child]
    ages[is_minor, 1:] = NO_CHILD
    parents[is_single | is_child] = 0
    parents[is_minor] = 1
    key = (
        ((demographics.astype(np.int64) * 3 + parents) * 64 + adult_age) * 19 + ages[:, 0]
    ) * 19 + ages[:, 1]
    key = key * 19 + ages[:, 2]
    unique, shape = np.unique(key, return_inverse=True)
    shapes: list[Shape] = []
    sizes = np.empty(len(unique), dtype=np.int8)
    for i, value in enumerate(unique.tolist()):
        value, c2 = divmod(value, 19)
        value, c1 = divmod(value, 19)
        value, c0 = divmod(value, 19)
        value, adult = divmod(value, 64)
        demographic, n_parents = divmod(value, 3)
        kids = tuple((c, None, "none") for c in (c0, c1, c2) if c != NO_CHILD)
        if demographic == single:
            group: Shape = ((adult, None, "none"),)
        elif demographic == child:
            group = kids
        elif demographic == minor:
            group = ((adult, "parent", "us_citizen"), *kids)
        else:
            group = (*((adult + p, "parent", "none") for p in range(n_parents)), *kids)
        shapes.append(group)
        sizes[i] = len(group)
    return shape.ravel().astype(np.int32), sizes[shape.ravel()], tuple(shapes)


def _days_in_month(first: date) -> int:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - first).days


#: The floor of ``asilo decide --batch``: parse every line with orjson and write one JSON line
#: back for each (run as its own process, like the command).
FLOOR = """
import sys, orjson
with open(sys.argv[1], "rb") as f:
    lines = f.read().splitlines()
out = [orjson.dumps(orjson.loads(line)) for line in lines if line.strip()]
with open(sys.argv[2], "wb") as f:
    f.write(b"\\n".join(out) + b"\\n")
"""
#: A reference beside the floor: only writing as many bytes as the command writes (its
#: decisions are about 20 times the size of the lines), 8 MB at a time, as its own process.
WRITE_ONLY = """
import sys
size, piece = int(sys.argv[2]), b"x" * (8 << 20)
with open(sys.argv[1], "wb") as f:
    for _ in range(size // len(piece)):
        f.write(piece)
    f.write(piece[: size % len(piece)])
"""
BATCH_PLACES = [
    ("between_ports", "Rio Grande Valley"),
    ("between_ports", "El Paso"),
    ("between_ports", "Tucson"),
    ("port_of_entry", "San Ysidro"),
    ("port_of_entry", "Hidalgo"),
]
BATCH_NATIONALITIES = ["MEX", "GTM", "HND", "SLV", "CUB", "VEN", "NIC", "COL", "HTI", "ECU"]


def batch_lines(count: int, seed: int) -> Iterator[bytes]:
    """FY2022-dated encounter documents as JSON lines: 55 % single adults, 35 % a parent with
    one to three children, 10 % unaccompanied children (seeded; a workload, not a statistic)."""
    import json
    import random

    rng = random.Random(seed)
    first = date(2021, 10, 1)
    for _ in range(count):
        kind, name = rng.choice(BATCH_PLACES)
        nationality = rng.choice(BATCH_NATIONALITIES)
        shape = rng.random()
        if shape < 0.55:
            people = [{"age": rng.randint(18, 60), "nationality": nationality}]
        elif shape < 0.9:
            people = [
                {"age": rng.randint(20, 45), "nationality": nationality, "role": "adult",
                 "relationship": "parent"},
                *({"age": rng.randint(0, 17), "nationality": nationality, "role": "child"}
                  for _ in range(rng.randint(1, 3))),
            ]  # fmt: skip
        else:
            people = [{"age": rng.randint(8, 17), "nationality": nationality}]
        document = {
            "date": (first + timedelta(days=rng.randrange(365))).isoformat(),
            "place": {"kind": kind, "name": name},
            "people": people,
        }
        yield json.dumps(document).encode("utf-8")


@dataclass
class Timed:
    """Medians of a process's runs: wall clock, and CPU seconds (user + system) it used."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def text(self) -> str:
        return (
            f"{statistics.median(self.wall):.2f} s wall, "
            f"{statistics.median(self.cpu):.2f} s CPU (user+sys)"
        )


def time_process(timed: Timed, argv: list[str], stdout: Path | None = None) -> None:
    """Run ``argv`` as a process (its output file removed first and every earlier write flushed
    to disk, outside the timing: each run starts from the same state)."""
    for target in [stdout] + [Path(a) for a in argv if a.endswith(".out")]:
        if target is not None:
            target.unlink(missing_ok=True)
    os.sync()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    if stdout is None:
        subprocess.run(argv, check=True)
    else:
        with stdout.open("wb") as out:
            subprocess.run(argv, check=True, stdout=out)
    timed.wall.append(time.perf_counter() - start)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    timed.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def command_beside_floor(count: int, seed: int, runs: int = 3) -> None:
    """Time ``asilo decide --batch`` on ``count`` JSON lines beside its orjson floor."""
    import shutil
    import sys
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="asilo-decide-bench-"))
    try:
        source = folder / "encounters.jsonl"
        with source.open("wb") as out:
            for line in batch_lines(count, seed):
                out.write(line + b"\n")
        asilo = str(Path(sys.executable).parent / "asilo")
        decisions = folder / "decisions.jsonl"
        command, floor, write_only = Timed(), Timed(), Timed()
        size = 0
        for _ in range(runs):
            time_process(floor, [sys.executable, "-c", FLOOR, str(source), str(folder / "f.out")])
            time_process(command, [asilo, "decide", "--batch", str(source)], decisions)
        size = decisions.stat().st_size
        time_process(
            write_only, [sys.executable, "-c", WRITE_ONLY, str(folder / "w.out"), str(size)]
        )
        decided = sum(1 for _ in decisions.open("rb"))
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"machine: {os.cpu_count()} cores, load average {load} (1, 5, 15 min)")
        wall = statistics.median(command.wall) / statistics.median(floor.wall)
        cpu = statistics.median(command.cpu) / statistics.median(floor.cpu)
        print(
            f"asilo decide --batch, {count:,} JSON lines ({source.stat().st_size / 1e6:,.0f} MB) "
            f"-> {decided:,} decisions ({size / 1e9:,.2f} GB), as a process: {command.text()}\n"
            f"floor (orjson parses and writes every line, as a process): {floor.text()}\n"
            f"ratio {wall:.2f} x wall, {cpu:.2f} x CPU (goal: within 3 x -> "
            f"{'met' if wall <= 3 else 'NOT met'}; medians of {runs}, alternating)\n"
            f"reference (one run): writing {size / 1e9:,.2f} GB (the decisions' size) alone, as a "
            f"process: "
            f"{write_only.text()}"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encounters", type=int, default=2_400_000)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument(
        "--batch-lines", type=int, default=1_000_000, help="lines for decide --batch (0: skip)"
    )
    args = parser.parse_args()
    if args.batch_lines:
        command_beside_floor(args.batch_lines, args.seed)

    started = time.perf_counter()
    catalogue = load_catalogue()
    batch, people = synthesise(args.encounters, args.seed)
    built = time.perf_counter()
    outcome = decide_many(batch, catalogue=catalogue)
    decided = time.perf_counter()

    codes = np.stack([outcome.authority, outcome.pathway, outcome.demographic]).astype(np.uint8)
    checksum = zlib.crc32(codes.tobytes() + outcome.destination.tobytes())
    seconds = decided - built
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    title42 = outcome.authority == AUTHORITIES.index("title_42")

    print(f"catalogue {catalogue.version}; seed {args.seed}")
    print(f"encounters:             {len(batch):,} ({int(people.sum()):,} people)")
    print(f"distinct shapes decided: {len(outcome.decisions):,}")
    print(f"synthesis:              {built - started:.2f} s")
    print(f"decide_many:            {seconds:.2f} s = {len(batch) / seconds:,.0f} decisions/s")
    print(f"peak memory (ru_maxrss): {peak_mb:,.0f} MB")
    print(f"outcome checksum (CRC-32 of every row's codes): {checksum:08x}")
    pairs = Counter(zip(outcome.authority.tolist(), outcome.pathway.tolist(), strict=True))
    for (authority, pathway), n in sorted(pairs.items(), key=lambda item: -item[1]):
        print(f"  {AUTHORITIES[authority]:>8} {PATHWAYS[pathway]:<28} {n:>10,}")
    by_demographic = Counter(outcome.demographic.tolist())
    print(
        "  demographics: "
        + ", ".join(f"{DEMOGRAPHICS[d]} {n:,}" for d, n in sorted(by_demographic.items()))
    )
    top = Counter(outcome.destination[title42].tolist()).most_common(4)
    print("  Title 42 destinations: " + ", ".join(f"{DESTINATIONS[d]} {n:,}" for d, n in top))
    people_t42 = int(people[title42].sum())
    print(
        f"Title 42 share: {title42.mean():.1%} of encounters, {people_t42 / people.sum():.1%} of"
        f" people; CBP's published FY2022 SW share {CBP_FY2022_TITLE42 / CBP_FY2022_TOTAL:.1%}"
    )


if __name__ == "__main__":
    main()
