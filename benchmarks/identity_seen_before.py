"""What "seen before" costs when an encounter is recorded: identity resolution matching the
new person against the stored identities, end to end in the application, beside the floor.

Usage: ``.venv/bin/python benchmarks/identity_seen_before.py [--people 10000] [--encounters 40]``

In a fresh SQLite database (a temporary folder), it stores ``--people`` people of the
repository's synthetic population (``asilo identity synth``'s generator, seed 29), links
them (``asilo identity run``: the time is printed), then records ``--encounters`` one-person
encounters through the recording service, half of them people already stored spelled
differently (accents lost, a surname dropped), and times for each:

* ``recording alone``: ``encounter_record`` (the decision, the person, the custody, the audit);
* ``seen before``: what the API and the page add after it (``seen_before.at_record``): the
  person decrypted in memory, matched against every stored record (candidates from the
  blocking keys, the model's scoring), given an identity, and the earlier encounters read;
* ``IndexedMatcher.find (floor)``: the look-up the application uses (plain Python,
  :mod:`asilo.linkage.lookup`) alone, for the same records, in the same run;
* ``DuckDB Matcher.find (before)``: the linkage package's DuckDB matcher (Splink's scoring
  SQL), which the application used before, for the same records against the same stored
  records (both give the same matches and probabilities).

The first look-up of a process builds the matcher (decrypting every stored record): printed
apart, beside what building each matcher takes from the decrypted records (before: DuckDB;
after: plain Python). A server builds it when a worker starts. It prints medians and 95th
percentiles in milliseconds. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def main(folder: Path) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--encounters", type=int, default=40)
    args = parser.parse_args()
    os.environ["ASILO_VAR_DIR"] = str(folder)
    os.environ["DJANGO_SETTINGS_MODULE"] = "asilo.web.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from asilo.linkage import memory, synth
    from asilo.linkage.lookup import IndexedMatcher
    from asilo.web.accounts.services import user_create
    from asilo.web.encounters import seen_before
    from asilo.web.encounters import services as enc
    from asilo.web.identity import matching, records, services
    from asilo.web.identity.models import RunTrigger
    from asilo.web.people.models import Person

    officer = user_create(actor=None, username="bench.officer", role="officer", password=None)
    population = synth.generate(args.people, 29)
    sexes = {"F": "female", "M": "male", "X": "x"}
    Person.objects.bulk_create(
        [
            Person(
                given_names=r.given_names or None,
                first_surname=r.first_surname or None,
                second_surname=r.second_surname or None,
                date_of_birth=date.fromisoformat(r.date_of_birth)
                if len(r.date_of_birth) == 10
                else None,
                sex=sexes.get(r.sex, "unknown"),
                nationality=r.nationality or "MEX",
            )
            for r in population
        ],
        batch_size=2000,
    )
    started = time.perf_counter()
    run = services.identity_run(actor=None, trigger=RunTrigger.COMMAND)
    print(
        f"linkage run: {run.records:,} records -> {run.identities:,} identities, "
        f"{run.review_pairs} pairs for review, {time.perf_counter() - started:.1f} s"
    )
    # People born before the encounters' day (2022-05-10): the synthetic population's later
    # encounters include people born after it, whom the recording service rightly refuses.
    full = [
        r
        for r in population
        if len(r.date_of_birth) == 10 and r.given_names and r.date_of_birth < "2022-05-10"
    ][: args.encounters]
    started = time.perf_counter()
    stored_rows = list(records.all_person_records())
    decrypt = time.perf_counter() - started
    started = time.perf_counter()
    con = memory.connect()
    memory.load_records(con, stored_rows)
    duck = memory.matcher(con, prior_records=matching.population())
    duck_build = time.perf_counter() - started
    started = time.perf_counter()
    IndexedMatcher(stored_rows, prior_records=matching.population())
    indexed_build = time.perf_counter() - started
    recording: list[float] = []
    seen: list[float] = []
    floor: list[float] = []
    before: list[float] = []
    first_lookup = None
    for i, r in enumerate(full):
        born = date.fromisoformat(r.date_of_birth)
        person = {
            "age": max(0, 2022 - born.year - 1),
            "nationality": r.nationality or "MEX",
            "given_names": r.given_names if i % 2 else r.given_names.upper(),
            "first_surname": r.first_surname or "Perez",
            "date_of_birth": r.date_of_birth,
            "sex": sexes.get(r.sex, "unknown"),
        }
        if i % 2 == 0 and r.second_surname:
            person["second_surname"] = r.second_surname
        doc = {
            "date": "2022-05-10",
            "time": "08:00",
            "place": {"kind": "between_ports", "name": "El Paso"},
            "people": [person],
        }
        t0 = time.perf_counter()
        recorded = enc.encounter_record(actor=officer, prepared=enc.prepare_encounter(doc))
        t1 = time.perf_counter()
        seen_before.at_record(actor=officer, encounter_id=recorded.encounter.pk)
        t2 = time.perf_counter()
        pid = recorded.encounter.participants.get().person_id
        row = next(iter(records.all_person_records([pid])))
        t3 = time.perf_counter()
        fast = matching.find(row, threshold=0.5)
        t4 = time.perf_counter()
        slow = [m for m in duck.find(row, threshold=0.5) if m.record_id != row["record_id"]]
        t5 = time.perf_counter()
        if fast != slow:
            raise SystemExit(f"the two matchers disagree on encounter {i}")
        memory.matcher_add(duck, row)  # stored now: later look-ups may find it
        if first_lookup is None:
            first_lookup = t2 - t1
            continue
        recording.append(1000 * (t1 - t0))
        seen.append(1000 * (t2 - t1))
        floor.append(1000 * (t4 - t3))
        before.append(1000 * (t5 - t4))

    def line(name: str, values: list[float]) -> str:
        p95 = statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)
        return f"  {name:<30} median {statistics.median(values):7.1f} ms   p95 {p95:7.1f} ms"

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} cores, load average {load}")
    print(f"first look-up of the process (decrypts and builds the matcher): {first_lookup:.1f} s")
    print(
        f"from {len(stored_rows):,} decrypted records ({decrypt:.1f} s to decrypt): DuckDB "
        f"matcher (before) {duck_build:.2f} s, IndexedMatcher (after) {indexed_build:.2f} s"
    )
    print(f"per encounter, {len(seen)} encounters against {args.people:,} stored people:")
    print(line("recording alone", recording))
    print(line("seen before", seen))
    print(line("IndexedMatcher.find (floor)", floor))
    print(line("DuckDB Matcher.find (before)", before))
    print("the same matches and probabilities from both matchers for every encounter")
    sys.stdout.flush()


if __name__ == "__main__":
    FOLDER = Path(tempfile.mkdtemp(prefix="asilo-bench-identity-"))
    try:
        main(FOLDER)
    finally:
        shutil.rmtree(FOLDER, ignore_errors=True)  # the benchmark's database
