"""Demo data of the appointments app.

- Capacities of the eight CBP One ports (program ``port-appointments-2023``) for the next 14
  days from today, each port's usual daily capacity from the reference data (CBP's 1,450 a
  day split evenly: CBP did not publish the split), so that supervisors can see and edit live
  capacities.
- A past allocation as it would have run on Wednesday 14 June 2023: 60 invented families
  registered between April and June 2023 (self-service), scarce capacities for 15-16 June 2023
  (8 persons a day per port: not every family fits), one allocation run (seed 20230614), and
  the outcome of 15 June at the ports: most families checked in (each check-in starts its
  encounter), some no-shows back in the queue.

CBP published the daily total (1,450 persons from 30 June 2023), not its split by port; the
even split is an assumption, not CBP's figure.

Everything goes through the services (audited). ``load()`` is idempotent: it does nothing
when the demo run exists already.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from asilo.web.accounts.demo import demo_staff
from asilo.web.accounts.models import User
from asilo.web.appointments import selectors, services
from asilo.web.appointments.models import DEFAULT_CLOSES_AT, AllocationRun, Appointment
from asilo.web.core.roles import Role
from asilo.web.reference.seed import CBP_ONE_PORTS
from asilo.web.registrations.models import Program, Registration
from asilo.web.registrations.programs import ensure_default_programs
from asilo.web.registrations.services import registration_submit
from asilo.web.registrations.services.contact import registration_contact_confirmed_for_demo

EASTERN = ZoneInfo("America/New_York")
PROGRAM = "port-appointments-2023"
PER_PORT = 180
#: In June 2023 the demo's ports are scarce (as they were): not every family fits in two days.
PER_PORT_2023 = 8
SEED = 20230614
FAMILIES = 60
RUN_AT = datetime(2023, 6, 14, 18, 0, tzinfo=EASTERN)
FIRST_DAY = date(2023, 6, 15)
DEMO_NAMESPACE = uuid.UUID("6f1c2a9e-3b7d-4f0e-9a51-2d8c4e7b1a60")

GIVEN = ["Jean", "Marie", "Rose", "Wilner", "José", "María", "Ana", "Luis", "Yuleisy", "Carlos"]
SURNAMES = ["Pierre", "Joseph", "Louis", "García", "Hernández", "Pérez", "Rodríguez", "Díaz"]
NATIONALITIES = ["HTI", "VEN", "HND", "GTM", "CUB", "MEX", "COL", "ECU"]
LANGUAGE = {"HTI": "ht", "VEN": "es", "HND": "es", "GTM": "es", "CUB": "es", "MEX": "es"}


@dataclass(frozen=True)
class AppointmentsDemo:
    capacities: int
    run: int | None
    checked_in: int
    no_shows: int


def _family(rng: random.Random, index: int) -> dict[str, Any]:
    nationality = rng.choice(NATIONALITIES)
    surname = rng.choice(SURNAMES)
    size = rng.choices([1, 2, 3, 4, 5, 6], weights=[30, 20, 22, 16, 8, 4])[0]
    members = [
        {
            "given_names": rng.choice(GIVEN),
            "surnames": surname,
            "age": str(rng.randint(19, 55)),
            "sex": rng.choice(["female", "male"]),
            "nationality": nationality,
        }
    ]
    for k in range(1, size):
        adult = k == 1 and rng.random() < 0.6
        members.append(
            {
                "given_names": rng.choice(GIVEN),
                "surnames": surname,
                "age": str(rng.randint(19, 50) if adult else rng.randint(0, 17)),
                "sex": rng.choice(["female", "male"]),
                "nationality": nationality,
                "relationship": "spouse" if adult else "child",
            }
        )
    ports = rng.sample(CBP_ONE_PORTS, k=rng.choice([0, 1, 2]))
    vulnerabilities = rng.choices(
        [[], ["pregnancy"], ["disability"], ["medical_emergency"]], weights=[80, 8, 8, 4]
    )[0]
    return {
        "program": PROGRAM,
        "client_request_id": str(uuid.uuid5(DEMO_NAMESPACE, f"family-{index}")),
        "members": members,
        "phone": f"+52 664 555 {1000 + index:04d}",
        "waiting_city": rng.choice(["Tijuana", "Mexicali", "Ciudad Juárez", "Reynosa"]),
        "preferred_ports": ports,
        "vulnerabilities": vulnerabilities,
        "language": LANGUAGE.get(nationality, "es"),
    }


def daily_capacities(program: Program) -> dict[str, int]:
    """Each port's usual persons a day: the reference data's (CBP's 1,450 a day split over
    the eight ports), else ``PER_PORT``."""
    from asilo.web.reference.selectors import port_capacities

    known = port_capacities()
    return {port: known.get(port, PER_PORT) for port in program.ports}


def _capacities(
    program: Program,
    supervisor: User,
    days: list[date],
    now: datetime,
    persons: int | None = None,
) -> int:
    count = 0
    usual = daily_capacities(program)
    for day in days:
        for port in program.ports:
            if selectors.window_over(port, day, DEFAULT_CLOSES_AT, now):
                continue  # today's hours already over at this port: nothing to give
            services.capacity_set(
                actor=supervisor,
                program=program,
                port=port,
                day=day,
                capacity=usual[port] if persons is None else persons,
                now=now,
            )
            count += 1
    return count


def load() -> AppointmentsDemo:
    ensure_default_programs()
    program = Program.objects.get(code=PROGRAM)
    supervisor = demo_staff("demo.supervisor", Role.SUPERVISOR)
    officer = demo_staff("demo.officer", Role.OFFICER)
    today = timezone.localdate()
    live = _capacities(
        program, supervisor, [today + timedelta(days=k) for k in range(14)], timezone.now()
    )
    if AllocationRun.objects.filter(program=program, seed=SEED).exists():
        return AppointmentsDemo(capacities=live, run=None, checked_in=0, no_shows=0)
    rng = random.Random(SEED)
    for index in range(FAMILIES):
        registered = datetime(2023, 4, 1, 9, tzinfo=EASTERN) + timedelta(
            days=rng.randint(0, 60), minutes=rng.randint(0, 600)
        )
        submission = registration_submit(
            actor=None,
            data=_family(rng, index),
            source=f"203.0.113.{index % 200}",
            now=registered,
        )
        # The demo's families typed back the code sent to their phones (issue 11).
        registration_contact_confirmed_for_demo(submission.registration, now=registered)
    _capacities(
        program, supervisor, [FIRST_DAY, FIRST_DAY + timedelta(days=1)], RUN_AT, PER_PORT_2023
    )
    run = services.allocation_run(
        actor=supervisor, program=program, start=FIRST_DAY, seed=SEED, now=RUN_AT
    )
    checked_in = 0
    day_one = Appointment.objects.filter(run=run, date=FIRST_DAY).order_by("priority_rank")
    for k, appointment in enumerate(day_one):
        if k % 7 == 6:
            continue  # this family does not come
        at = datetime.combine(FIRST_DAY, appointment.window_start, tzinfo=EASTERN)
        services.appointment_check_in(
            actor=officer, appointment_id=appointment.pk, now=at + timedelta(minutes=20)
        )
        checked_in += 1
    closed = services.appointments_close_day(
        actor=supervisor, day=FIRST_DAY, now=datetime(2023, 6, 16, 0, 30, tzinfo=EASTERN)
    )
    return AppointmentsDemo(
        capacities=live, run=run.pk, checked_in=checked_in, no_shows=len(closed.no_shows)
    )


def demo_registrations() -> int:
    return Registration.objects.filter(program__code=PROGRAM).count()


__all__ = ["load"]
