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
  person decrypted in memory, matched by Splink's scoring against every stored record
  (candidates from the blocking keys), given an identity, and the earlier encounters read;
* ``Matcher.find (floor)``: the linkage package's look-up alone, for the same records, in the
  same run (what the pure package's own benchmark measures at 1,000,000 records).

The first look-up of a process builds the matcher (decrypting every stored record): printed
apart. It prints medians and 95th percentiles in milliseconds. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--encounters", type=int, default=40)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="asilo-bench-identity-"))
    os.environ["ASILO_VAR_DIR"] = str(folder)
    os.environ["DJANGO_SETTINGS_MODULE"] = "asilo.web.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from asilo.linkage import synth
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
    recording, seen, floor = [], [], []
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
        row = {**row, "record_id": "bench"}
        t3 = time.perf_counter()
        matching.find(row, threshold=0.5)
        t4 = time.perf_counter()
        if first_lookup is None:
            first_lookup = t2 - t1
            continue
        recording.append(1000 * (t1 - t0))
        seen.append(1000 * (t2 - t1))
        floor.append(1000 * (t4 - t3))

    def line(name: str, values: list[float]) -> str:
        p95 = statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)
        return f"  {name:<26} median {statistics.median(values):7.1f} ms   p95 {p95:7.1f} ms"

    print(f"first look-up of the process (builds the matcher): {first_lookup:.1f} s")
    print(f"per encounter, {len(seen)} encounters against {args.people:,} stored people:")
    print(line("recording alone", recording))
    print(line("seen before", seen))
    print(line("Matcher.find (floor)", floor))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
