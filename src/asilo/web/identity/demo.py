"""Demo data for identity resolution: people encountered again under other spellings, a
pair for a supervisor to review, a family registered twice; then the linkage run.

Runs after the encounters' and registrations' demos (``INSTALLED_APPS`` order) and loads the
live day first (idempotent), so that the run links every demo record. Idempotent: each
encounter carries a client request id, the second registration a fixed one.

The repeats (:data:`REPEATS`) are what the statistics page shows as re-encounters: each
later encounter is of a person encountered earlier within 12 months.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from asilo.web.encounters import services as enc_services
from asilo.web.encounters.models import Custody, Encounter, EncounterStatus

OFFICER = "demo.officer"
_NAMESPACE = uuid.UUID("4d2b8f0e-7c1a-4a57-9f5e-2b6c3d1e9a77")


@dataclass(frozen=True)
class Sighting:
    key: str
    on: str
    time: str
    place: tuple[str, str]
    given: str
    first: str
    second: str | None
    book_out: str | None = "expelled"


@dataclass(frozen=True)
class Repeat:
    """One person, encountered more than once under different spellings."""

    born: str
    sex: str
    nationality: str
    sightings: tuple[Sighting, ...]


RGV = ("between_ports", "Rio Grande Valley")
ELP = ("between_ports", "El Paso")
SYS = ("port_of_entry", "San Ysidro")

#: People encountered again (Title 42 expulsions, then another attempt).
REPEATS: tuple[Repeat, ...] = (
    Repeat("1995-06-21", "male", "HND", (
        Sighting("orellana-1", "2022-04-26", "03:15", RGV, "Wilmer", "Orellana", "Mejía"),
        Sighting("orellana-2", "2022-05-10", "04:40", RGV, "Wilmer", "Orellana", None, None),
    )),
    Repeat("1993-01-09", "female", "GTM", (
        Sighting("chavez-1", "2022-03-15", "22:10", ELP, "Yesenia", "Chávez", "Alvarado"),
        Sighting("chavez-2", "2022-05-10", "05:05", ELP, "Yesenia", "Chaves", "Alvarado", None),
    )),
    Repeat("1979-11-30", "male", "MEX", (
        Sighting("ramirez-1", "2021-11-02", "06:30", ELP, "Luis Alberto", "Ramírez", "Flores"),
        Sighting("ramirez-2", "2022-02-17", "07:45", ELP, "Luis", "Ramirez", "Flores"),
        Sighting("ramirez-3", "2022-05-10", "09:50", ELP, "Luis Alberto", "Ramirez", None, None),
    )),
)  # fmt: skip

#: Two records alike but not alike enough to be sure: a pair for the review queue.
BORDERLINE: tuple[Sighting, ...] = (
    Sighting("mejia-1", "2022-04-12", "10:20", RGV, "Carlos Enrique", "Mejía", "Orellana"),
    Sighting("mejia-2", "2022-05-10", "10:50", RGV, "Carlos E.", "Mejía", None, None),
)

#: The "pierre" family of the registrations demo, registered again through another channel
#: with a given name and a surname left out: held as a possible duplicate registration.
DUPLICATE_FAMILY: dict[str, Any] = {
    "program": "port-appointments-2023",
    "members": [
        {"given_names": "Jean", "surnames": "Pierre", "sex": "male",
         "date_of_birth": "1988-03-14", "nationality": "HTI"},
        {"given_names": "Marie", "surnames": "Joseph", "sex": "female",
         "date_of_birth": "1991-07-02", "nationality": "HTI", "relationship": "spouse"},
        {"given_names": "Widlyne", "surnames": "Pierre", "sex": "female", "age": "6",
         "nationality": "CHL", "relationship": "child"},
    ],
    "phone": "+52 664 555 0177",
    "waiting_city": "Tijuana",
    "preferred_ports": ["San Ysidro"],
    "languages": ["ht"],
    "language": "ht",
}  # fmt: skip


def _age(born: str, on: str) -> int:
    b, d = date.fromisoformat(born), date.fromisoformat(on)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


def _record(officer: Any, s: Sighting, born: str, sex: str, nationality: str) -> Encounter:
    person: dict[str, Any] = {
        "age": _age(born, s.on),
        "nationality": nationality,
        "given_names": s.given,
        "first_surname": s.first,
        "date_of_birth": born,
        "sex": sex,
    }
    if s.second:
        person["second_surname"] = s.second
    doc = {
        "date": s.on,
        "time": s.time,
        "place": {"kind": s.place[0], "name": s.place[1]},
        "people": [person],
    }
    with transaction.atomic():
        recorded = enc_services.encounter_record(
            actor=officer,
            prepared=enc_services.prepare_encounter(doc),
            client_request_id=f"demo-identity-{s.key}",
        )
        encounter = recorded.encounter
        if recorded.created:
            enc_services.decision_confirm(actor=officer, encounter_id=encounter.pk)
            if s.book_out:
                zone = ZoneInfo("America/Chicago" if s.place == RGV else "America/Denver")
                at = datetime.fromisoformat(f"{s.on}T{s.time}").replace(tzinfo=zone)
                for custody in Custody.objects.filter(encounter=encounter):
                    enc_services.custody_book_out(
                        actor=officer,
                        custody_id=custody.pk,
                        outcome=s.book_out,
                        at=at.replace(hour=min(at.hour + 5, 23)),
                    )
    return encounter


def load() -> str:
    from asilo.web.accounts.models import User
    from asilo.web.encounters.demo_live import load as load_live_day
    from asilo.web.identity import services
    from asilo.web.identity.models import RunTrigger
    from asilo.web.registrations import services as reg_services
    from asilo.web.registrations.models import Program

    officer = User.objects.filter(username=OFFICER).first()
    if officer is None:
        return "identity: no demo officer"
    load_live_day()  # idempotent: the run below links today's encounters too
    made = 0
    for repeat in REPEATS:
        for s in repeat.sightings:
            before = Encounter.objects.count()
            _record(officer, s, repeat.born, repeat.sex, repeat.nationality)
            made += Encounter.objects.count() - before
    for s in BORDERLINE:
        before = Encounter.objects.count()
        _record(officer, s, "1985-08-08", "male", "SLV")
        made += Encounter.objects.count() - before
    first = services.identity_run(actor=None, trigger=RunTrigger.DEMO)
    # A family registered a second time: matched against the linked records, and held.
    held = ""
    if Program.objects.filter(code=DUPLICATE_FAMILY["program"]).exists():
        data = {**DUPLICATE_FAMILY, "client_request_id": str(uuid.uuid5(_NAMESPACE, "pierre-2"))}
        submission = reg_services.registration_submit(
            actor=None,
            data=data,
            source="demo-second-channel",
            now=datetime(2023, 6, 2, 11, 0, tzinfo=ZoneInfo("America/New_York")),
        )
        held = f", registration {submission.registration.number} registered again"
    last = services.identity_run(actor=None, trigger=RunTrigger.DEMO)
    confirmed = Encounter.objects.filter(
        client_request_id__startswith="demo-identity-", status=EncounterStatus.CONFIRMED
    ).count()
    return (
        f"identity: {made} new encounters ({confirmed} of its own), runs #{first.pk} and "
        f"#{last.pk}: {last.records} records, {last.identities} identities, "
        f"{last.review_pairs} pairs for review{held}"
    )
