"""Demo data: a realistic day at two Border Patrol sectors and two ports of entry.

Tuesday 10 May 2022 (Title 42 in force; unaccompanied children excepted; MPP reimplemented) at
the Rio Grande Valley and El Paso sectors and the San Ysidro and Hidalgo ports: families, single
adults, unaccompanied children, a group that is not one family unit in law, an override awaiting
review, a family exception with its reunification task, and an overdue custody.

Everything goes through the services, so the decisions are the policy engine's and every step
has its audit entry. ``load()`` is deterministic and idempotent: each encounter carries a client
request id, and each later step is taken only if it was not taken before. The people are
invented (common given names and surnames combined at random with a fixed seed).

It is a historical replay: custody clocks run from the moment of each encounter on that day (never
from the moment of loading), book-outs happen on the day, and the clocks are read as of
:data:`AS_OF` (early on Friday 13 May 2022, Central time), when the 16-year-old encountered at
03:40 on Tuesday is past the 72-hour legal limit and the 14-year-old of 04:10 is near it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from asilo.web.accounts.demo import demo_staff
from asilo.web.accounts.models import User
from asilo.web.core.roles import Role
from asilo.web.encounters import services
from asilo.web.encounters.models import (
    Custody,
    Encounter,
    EncounterStatus,
    ExceptionStatus,
    Override,
)

DAY = "2022-05-10"
#: The moment the demo's clocks are read at (a replay keeps its historical clocks).
AS_OF = datetime(2022, 5, 13, 4, 0, tzinfo=ZoneInfo("America/Chicago"))
#: Book-outs of the demo happen this long after the encounter.
BOOK_OUT_AFTER = timedelta(hours=6)
OFFICER = "demo.officer"
SUPERVISOR = "demo.supervisor"

GIVEN_F = ["María", "Ana", "Rosa", "Lucía", "Daniela", "Yesenia", "Karla", "Marisol", "Sofía"]
GIVEN_M = ["José", "Luis", "Carlos", "Jorge", "Kevin", "Brayan", "Wilmer", "Óscar", "Mateo"]
SURNAMES = [
    "López", "Hernández", "García", "Martínez", "Ramírez", "Cruz", "Reyes", "Morales",
    "Castillo", "Pérez", "Flores", "Mejía", "Orellana", "Chávez", "Alvarado", "Gómez",
]  # fmt: skip

#: The pathway's usual book-out outcome.
OUTCOME_OF_PATHWAY = {
    "expulsion": "expelled",
    "mpp_return": "returned_mpp",
    "orr_transfer": "transferred_orr",
    "processing": "released_nta",
    "aca_transfer": "transferred_ice",
}


@dataclass
class Spec:
    key: str
    time: str
    place: tuple[str, str]
    people: list[tuple[int, str, str | None, str]]  # age, nationality, relationship, sex
    confirm: bool = True
    book_out: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    override: dict[str, Any] | None = None
    review: str | None = None
    exception: tuple[int, str, str] | None = None  # person index, outcome, reason
    vulnerabilities: dict[int, list[str]] = field(default_factory=dict)


RGV = ("between_ports", "Rio Grande Valley")
ELP = ("between_ports", "El Paso")
SYS = ("port_of_entry", "San Ysidro")
HID = ("port_of_entry", "Hidalgo")

SPECS: list[Spec] = [
    Spec("rgv-01", "01:20", RGV, [(29, "HND", "parent", "female"), (8, "HND", None, "male"),
         (4, "HND", None, "female")], book_out=True),
    Spec("rgv-02", "02:05", RGV, [(35, "GTM", "parent", "male"), (15, "GTM", None, "male")]),
    Spec("rgv-03", "03:40", RGV, [(16, "GTM", None, "male")]),  # overdue: 72 h passed
    Spec("rgv-04", "04:10", RGV, [(14, "HND", None, "female")]),  # near due
    Spec("rgv-05", "05:30", RGV, [(27, "MEX", None, "male")], book_out=True),
    Spec("rgv-06", "06:45", RGV, [(31, "VEN", None, "female")]),
    Spec("rgv-07", "07:15", RGV, [(40, "SLV", "other_relative", "female"),
         (11, "SLV", None, "female")]),  # an aunt is not a guardian: the niece is a UC
    Spec("elp-01", "00:50", ELP, [(22, "HND", None, "male")], confirm=False,
         override={"authority": "title_8", "pathway": "processing", "destination": None,
                   "reason": "Credible report of kidnapping in Ciudad Juárez; LGBTQI; supervisor"
                   " consulted on a humanitarian exception."},
         vulnerabilities={0: ["lgbtqi", "violence_in_mexico"]}),
    Spec("elp-02", "02:30", ELP, [(33, "NIC", "parent", "male"), (30, "NIC", "parent", "female"),
         (6, "NIC", None, "female")],
         extra={"title42_exception_granted": True},
         exception=(0, "transferred_ice", "Outstanding warrant in NCIC for the father; ICE must"
                    " take custody while the mother and daughter are released.")),
    Spec("elp-03", "08:20", ELP, [(17, "MEX", None, "male")]),
    Spec("elp-04", "09:05", ELP, [(26, "CUB", None, "male")]),
    Spec("sys-01", "07:00", SYS, [(38, "HTI", None, "female")],
         extra={"title42_exception_granted": True}, book_out=True,
         vulnerabilities={0: ["medical_emergency"]}),
    Spec("sys-02", "10:30", SYS, [(34, "UKR", "parent", "female"), (9, "UKR", None, "male"),
         (12, "UKR", None, "female")], extra={"title42_exception_granted": True},
         book_out=True),
    Spec("sys-03", "11:45", SYS, [(45, "MEX", None, "male")]),
    Spec("hid-01", "12:10", HID, [(28, "VEN", "parent", "male"), (27, "VEN", "parent", "female"),
         (2, "VEN", None, "female")], confirm=False,
         extra={"title42_exception_granted": True}),
    Spec("hid-02", "13:30", HID, [(13, "SLV", None, "male")]),
]  # fmt: skip


@dataclass(frozen=True)
class DemoSummary:
    encounters: int
    created: int
    open_custodies: int
    overdue: int


def _person(
    rng: random.Random, age: int, nationality: str, rel: str | None, sex: str, family_surname: str
) -> dict[str, Any]:
    given = rng.choice(GIVEN_F if sex == "female" else GIVEN_M)
    second = rng.choice(SURNAMES)
    person: dict[str, Any] = {
        "age": age,
        "nationality": nationality,
        "given_names": given,
        "first_surname": family_surname if rel != "other_relative" else rng.choice(SURNAMES),
        "second_surname": second,
        "sex": sex,
        "languages": ["uk"]
        if nationality == "UKR"
        else (["ht", "fr"] if nationality == "HTI" else ["es"]),
    }
    if rel is not None:
        person["relationship"] = rel
    if age >= 18 and rng.random() < 0.5:
        person["documents"] = [
            {
                "kind": "passport",
                "number": f"{nationality[0]}{rng.randrange(10**6, 10**7)}",
                "issuing_country": nationality,
            }
        ]
    return person


def document(spec: Spec, rng: random.Random) -> dict[str, Any]:
    surname = rng.choice(SURNAMES)
    people = [_person(rng, age, nat, rel, sex, surname) for age, nat, rel, sex in spec.people]
    for index, flags in spec.vulnerabilities.items():
        people[index]["vulnerabilities"] = flags
    return {
        "date": DAY,
        "time": spec.time,
        "place": {"kind": spec.place[0], "name": spec.place[1]},
        "people": people,
        **spec.extra,
    }


def _outcome(encounter: Encounter, custody: Custody) -> str | None:
    if encounter.status == EncounterStatus.OVERRIDDEN:
        return OUTCOME_OF_PATHWAY.get(encounter.decision.override.pathway)
    pathway = encounter.participants.get(person_id=custody.person_id).pathway
    return OUTCOME_OF_PATHWAY.get(pathway)


def _follow_up(spec: Spec, encounter: Encounter, officer: User, supervisor: User) -> None:
    if spec.override and encounter.status == EncounterStatus.DECIDED:
        services.decision_override(actor=officer, encounter_id=encounter.pk, **spec.override)
    if spec.review:
        override = Override.objects.get(decision__encounter=encounter)
        if override.reviewed_at is None:
            services.override_review(actor=supervisor, override_id=override.pk, verdict=spec.review)
    if spec.confirm and encounter.status == EncounterStatus.DECIDED:
        services.decision_confirm(actor=officer, encounter_id=encounter.pk)
    encounter.refresh_from_db()
    custodies = list(encounter.custodies.order_by("id"))
    if spec.exception is not None:
        index, outcome, reason = spec.exception
        custody = custodies[index]
        if not custody.exceptions.exists():
            exception = services.family_exception_request(
                actor=officer, custody_id=custody.pk, outcome=outcome, reason=reason
            )
            services.family_exception_approve(
                actor=supervisor,
                exception_id=exception.pk,
                note="Warrant confirmed; the family is told where the father is held.",
            )
        approved = custody.exceptions.filter(status=ExceptionStatus.APPROVED).first()
        at = custody.booked_in_at + BOOK_OUT_AFTER
        if approved is not None and custody.is_open:
            services.custody_book_out(actor=officer, custody_id=custody.pk, outcome=outcome, at=at)
        for other in custodies:
            other.refresh_from_db()
            if other.pk != custody.pk and other.is_open:
                # The mother and the daughter leave together.
                services.custody_book_out(
                    actor=officer, custody_id=other.pk, outcome="released_nta", at=at, family=True
                )
    if spec.book_out:
        for custody in custodies:
            custody.refresh_from_db()
            leaving = _outcome(encounter, custody)
            if custody.is_open and leaving is not None:
                services.custody_book_out(
                    actor=officer,
                    custody_id=custody.pk,
                    outcome=leaving,
                    at=custody.booked_in_at + BOOK_OUT_AFTER,
                    family=True,
                )


def load(*, now: datetime | None = None) -> DemoSummary:
    """Create (or complete) the demo day. Safe to call again: nothing is duplicated."""
    now = now or timezone.now()
    officer = demo_staff(OFFICER, Role.OFFICER)
    supervisor = demo_staff(SUPERVISOR, Role.SUPERVISOR)
    rng = random.Random(20220510)
    created = 0
    for spec in SPECS:
        doc = document(spec, rng)
        with transaction.atomic():
            recorded = services.encounter_record(
                actor=officer,
                prepared=services.prepare_encounter(doc, now=now),
                client_request_id=f"demo-{spec.key}",
                now=now,
            )
            created += int(recorded.created)
            _follow_up(spec, recorded.encounter, officer, supervisor)
    demo = Custody.objects.filter(
        encounter__recorded_by=officer, encounter__client_request_id__startswith="demo-"
    )
    return DemoSummary(
        encounters=len(SPECS),
        created=created,
        open_custodies=demo.filter(booked_out_at__isnull=True).count(),
        overdue=demo.filter(booked_out_at__isnull=True, due_at__lt=AS_OF).count(),
    )
