"""Demo data for the registrations app: ``load()`` creates the programs, a caseworker's
organisation, and a few families on each channel, replaying the 2023 port appointment process
as of 1 June 2023 and the 2021 MPP wind-down as of 3 May 2021 (then re-evaluated on
2021-06-23, so the status history shows the phase change with its reason).

Idempotent: every family has a fixed client request id, so loading twice adds nothing.
Returns the registration numbers and PINs it created (PINs are only known at creation).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from asilo.web.registrations import services
from asilo.web.registrations.models import Program
from asilo.web.registrations.programs import ensure_default_programs
from asilo.web.registrations.services import contact

_NAMESPACE = uuid.UUID("0c6f4a3e-2f0b-4f51-8d1e-6a1c9d2b7e55")
_EASTERN = ZoneInfo("America/New_York")
PORTS = "port-appointments-2023"
MPP = "mpp-wind-down-2021"

FAMILIES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "pierre",
        PORTS,
        {
            "members": [
                {
                    "given_names": "Jean Baptiste",
                    "surnames": "Pierre",
                    "sex": "male",
                    "date_of_birth": "1988-03-14",
                    "nationality": "HTI",
                },
                {
                    "given_names": "Marie",
                    "surnames": "Joseph",
                    "sex": "female",
                    "date_of_birth": "1991-07-02",
                    "nationality": "HTI",
                    "relationship": "spouse",
                },
                {
                    "given_names": "Widlyne",
                    "surnames": "Pierre Joseph",
                    "sex": "female",
                    "age": "6",
                    "nationality": "CHL",
                    "relationship": "child",
                },
            ],
            "whatsapp": "+52 664 555 0101",
            "waiting_city": "Tijuana",
            "preferred_ports": ["San Ysidro", "Calexico"],
            "languages": ["ht", "fr"],
            "language": "ht",
        },
    ),
    (
        "rojas",
        PORTS,
        {
            "members": [
                {
                    "given_names": "Yeiber",
                    "surnames": "Rojas",
                    "sex": "male",
                    "date_of_birth": "1999-05-05",
                    "nationality": "VEN",
                },
            ],
            "phone": "+52 656 555 0303",
            "waiting_city": "Ciudad Juárez",
            "preferred_ports": ["El Paso"],
            "languages": ["es"],
            "language": "es",
        },
    ),
    (
        "gomez",
        PORTS,
        {
            "members": [
                {
                    "given_names": "Rosa Elena",
                    "surnames": "Gómez Ruiz",
                    "sex": "female",
                    "date_of_birth": "1985-02-11",
                    "nationality": "HND",
                },
                {
                    "given_names": "Kevin",
                    "surnames": "Gómez",
                    "sex": "male",
                    "date_of_birth": "2015-09-30",
                    "nationality": "HND",
                    "relationship": "child",
                },
            ],
            "waiting_city": "Reynosa",
            "waiting_place": "Albergue Senda de Vida",
            "preferred_ports": ["Hidalgo", "Brownsville"],
            "vulnerabilities": ["pregnancy"],
            "languages": ["es"],
            "language": "es",
        },
    ),
    (
        "perez-mpp",
        MPP,
        {
            "members": [
                {
                    "given_names": "Olga",
                    "surnames": "Pérez",
                    "sex": "female",
                    "age": "40",
                    "nationality": "CUB",
                },
            ],
            "phone": "+52 868 555 0404",
            "waiting_city": "Matamoros",
            "a_number": "A098765432",
            "mpp_case_status": "terminated",
            "mpp_enrolled_on": "2019-10-01",
            "language": "es",
        },
    ),
    (
        "chuc-mpp",
        MPP,
        {
            "members": [
                {
                    "given_names": "Ana",
                    "surnames": "Chuc",
                    "sex": "female",
                    "date_of_birth": "1994-01-20",
                    "nationality": "GTM",
                },
                {
                    "given_names": "Luis",
                    "surnames": "Chuc",
                    "sex": "male",
                    "date_of_birth": "2017-04-02",
                    "nationality": "GTM",
                    "relationship": "child",
                },
            ],
            "phone": "+52 656 555 0505",
            "waiting_city": "Ciudad Juárez",
            "a_number": "A012345678",
            "mpp_case_status": "active",
            "mpp_enrolled_on": "2019-07-15",
            "preferred_ports": ["El Paso"],
            "language": "es",
        },
    ),
)


def load() -> str:
    """The platform's demo hook: the families, the "gomez" family registered by the demo
    caseworker when there is one. Returns a line listing each new family's number and PIN."""
    from asilo.web.accounts.models import User

    caseworker = (
        User.objects.filter(role="caseworker", organisation__isnull=False, is_active=True)
        .order_by("username")
        .first()
    )
    made = load_families(caseworker=caseworker)
    if not made:
        return "registrations: nothing new"
    listed = ", ".join(f"{number} (PIN {pin})" for _, number, pin in made)
    return f"registrations: {len(made)} families: {listed}"


def load_families(caseworker: Any = None) -> list[tuple[str, str, str]]:
    """Load the demo families; with ``caseworker``, the "gomez" family is registered by them
    (assisted). Returns ``(family, number, PIN)`` for each family created now."""
    ensure_default_programs()
    Program.objects.filter(code=PORTS).update(rules_as_of=date(2023, 6, 1))
    Program.objects.filter(code=MPP).update(rules_as_of=date(2021, 5, 3))
    made = []
    for name, program, doc in FAMILIES:
        data = {**doc, "program": program, "client_request_id": str(uuid.uuid5(_NAMESPACE, name))}
        actor = caseworker if (name == "gomez" and caseworker is not None) else None
        when = datetime(2021, 5, 3, 9, 0, tzinfo=_EASTERN) if program == MPP else None
        submission = services.registration_submit(actor=actor, data=data, source="demo", now=when)
        if submission.created:
            # The demo's self-service families typed back the code sent to their phones.
            contact.registration_contact_confirmed_for_demo(
                submission.registration, now=when or timezone.now()
            )
            made.append((name, submission.registration.number, submission.pin or ""))
    mpp = Program.objects.get(code=MPP)
    services.program_reevaluate(actor=None, program=mpp, on=date(2021, 6, 23))
    # From now on the demo's MPP registrations read the widened rule.
    Program.objects.filter(code=MPP).update(rules_as_of=date(2021, 6, 23))
    return made
