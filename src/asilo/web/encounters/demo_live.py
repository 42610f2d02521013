"""The demo's live day: a few encounters of today, decided under the rules in force today.

Beside the replayed days of 2022 (encounters) and 2023 (appointments), the demo records today's
encounters at the same places, so that the officer's pages show what the policy catalogue says
now, with the notice that its rules have not been verified after the catalogue's
``verified_through`` date. Idempotent for the day: each encounter's client request id carries
the date, and an encounter is recorded only once its clock time has come.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.utils import timezone

from asilo.web.accounts.demo import demo_staff
from asilo.web.core.roles import Role
from asilo.web.encounters import services
from asilo.web.encounters.clocks import place_time_zone

OFFICER = "demo.officer"

#: (key, clock time, place kind, place name, people as (age, nationality, relationship, sex))
LIVE: tuple[tuple[str, str, str, str, tuple[tuple[int, str, str | None, str], ...]], ...] = (
    ("rgv-family", "00:40", "between_ports", "Rio Grande Valley",
     ((32, "HND", "parent", "female"), (9, "HND", None, "male"), (5, "HND", None, "female"))),
    ("elp-adult", "01:30", "between_ports", "El Paso", ((24, "COL", None, "male"),)),
    ("rgv-child", "02:15", "between_ports", "Rio Grande Valley", ((16, "GTM", None, "male"),)),
    ("hid-family", "03:05", "port_of_entry", "Hidalgo",
     ((29, "VEN", "parent", "male"), (4, "VEN", None, "female"))),
    ("sys-adult", "04:20", "port_of_entry", "San Ysidro", ((41, "MEX", None, "female"),)),
)  # fmt: skip

NAMES_F = ("María", "Ana", "Rosa", "Lucía", "Daniela")
NAMES_M = ("José", "Luis", "Carlos", "Jorge", "Mateo")
SURNAMES = ("López", "Hernández", "García", "Martínez", "Ramírez", "Cruz", "Reyes")


@dataclass(frozen=True)
class LiveDay:
    day: str
    recorded: int
    created: int

    def __str__(self) -> str:
        return (
            f"live day {self.day}: {self.recorded} encounters under today's rules"
            f" ({self.created} new)"
        )


def _document(day: str, key: str, clock: str, kind: str, name: str, people: Any) -> dict[str, Any]:
    rng = random.Random(f"{day}-{key}")
    surname = rng.choice(SURNAMES)
    return {
        "date": day,
        "time": clock,
        "place": {"kind": kind, "name": name},
        "people": [
            {
                "age": age,
                "nationality": nationality,
                "given_names": rng.choice(NAMES_F if sex == "female" else NAMES_M),
                "first_surname": surname,
                "second_surname": rng.choice(SURNAMES),
                "sex": sex,
                "languages": ["es"],
                **({"relationship": relationship} if relationship else {}),
            }
            for age, nationality, relationship, sex in people
        ],
    }


def load(*, now: datetime | None = None) -> LiveDay:
    """Record today's encounters whose time has come (each on its place's clock)."""
    now = now or timezone.now()
    day = timezone.localdate(now).isoformat()
    officer = demo_staff(OFFICER, Role.OFFICER)
    recorded = created = 0
    for key, clock, kind, name, people in LIVE:
        local = timezone.localtime(now, place_time_zone(kind, name))
        if local.date().isoformat() != day or time.fromisoformat(clock) > local.time():
            continue
        result = services.encounter_record(
            actor=officer,
            prepared=services.prepare_encounter(
                _document(day, key, clock, kind, name, people), now=now
            ),
            client_request_id=f"live-{day}-{key}",
            now=now,
        )
        recorded += 1
        created += int(result.created)
    return LiveDay(day=day, recorded=recorded, created=created)
