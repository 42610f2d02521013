"""Constants and helpers shared by the appointments tests (importable by name).

Time is simulated by passing ``now=`` to the services: the policy catalogue covers 2019-2024,
so the families register on 2023-06-01 and come to the port in mid-June 2023.
"""

from __future__ import annotations

import copy
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
PORTS = "port-appointments-2023"
REGISTERED = "2023-06-01 10:00"
DAY = date(2023, 6, 15)


def at(text: str) -> datetime:
    """``at("2023-06-15 09:00")``: an aware moment, U.S. Eastern."""
    return datetime.fromisoformat(text).replace(tzinfo=EASTERN)


NOW = at("2023-06-14 18:00")  # the evening before the first day of appointments

MEMBERS: list[dict[str, Any]] = [
    {
        "given_names": "Jean Baptiste",
        "surnames": "Pierre",
        "date_of_birth": "1988-03-14",
        "sex": "male",
        "nationality": "HTI",
    },
    {
        "given_names": "Marie",
        "surnames": "Joseph",
        "date_of_birth": "1991-07-02",
        "sex": "female",
        "nationality": "HTI",
        "relationship": "spouse",
    },
    {
        "given_names": "Widlyne",
        "surnames": "Pierre Joseph",
        "age": "6",
        "sex": "female",
        "nationality": "HTI",
        "relationship": "child",
    },
]


def family_doc(size: int = 3, **changes: Any) -> dict[str, Any]:
    members = copy.deepcopy(MEMBERS[:size])
    while len(members) < size:
        members.append(
            {
                "given_names": ["Roselord", "Wisline", "Jameson", "Fabienne", "Esther"][
                    len(members) % 5
                ],
                "surnames": "Pierre",
                "age": str(len(members)),
                "sex": "female",
                "nationality": "HTI",
                "relationship": "child",
            }
        )
    doc: dict[str, Any] = {
        "program": PORTS,
        "client_request_id": str(uuid.uuid4()),
        "members": members,
        "phone": "+52 664 123 4567",
        "email": "familia@example.org",
        "waiting_city": "Tijuana",
        "preferred_ports": ["San Ysidro", "Calexico"],
        "language": "ht",
    }
    doc.update(changes)
    return doc


OTHER_SURNAMES = (
    "Dorvil",
    "Étienne",
    "Charles",
    "Alcindor",
    "Bien-Aimé",
    "Cadet",
    "Desir",
    "Fleurant",
    "Guerrier",
    "Hilaire",
    "Jacques",
    "Laguerre",
    "Moïse",
    "Noël",
    "Octave",
    "Saintil",
    "Toussaint",
    "Valcourt",
    "Zamor",
    "Augustin",
    "Beauvais",
    "Célestin",
    "Dieudonné",
    "Exantus",
    "Florestal",
    "Gédéon",
    "Hyppolite",
    "Innocent",
    "Jolicoeur",
    "Kernizan",
    "Lafortune",
    "Méus",
    "Nazaire",
    "Orélien",
    "Philogène",
    "Quénum",
    "Romulus",
    "Sylvain",
    "Thélusma",
    "Ulysse",
    "Vilsaint",
    "Wilfrid",
    "Xavier",
    "Yacinthe",
    "Zéphir",
    "Abellard",
    "Brutus",
    "Casséus",
)
OTHER_GIVEN = ("Anaïse", "Bénédique", "Clémène", "Dieula", "Évelyne", "Fritznel", "Guerline")


def distinct(doc: dict[str, Any], k: int) -> dict[str, Any]:
    """The ``k``-th family of a test as its own family: its own surname, phone and dates of birth
    (``k = 0`` unchanged). Shared contacts and the same person twice hold families out of
    allocation (issue 11); families meant to be different must not look alike."""
    if k == 0:
        return doc
    doc = copy.deepcopy(doc)
    # Its own surname (and, past the list, its own given names) too: identity resolution
    # holds a family whose members match those of another registration (issue 14), and the
    # same names with dates of birth a few days apart are the same people to it.
    surname = OTHER_SURNAMES[k % len(OTHER_SURNAMES)]
    prefix = OTHER_GIVEN[(k // len(OTHER_SURNAMES)) % len(OTHER_GIVEN)]
    for member in doc["members"]:
        member["surnames"] = surname
        if k >= len(OTHER_SURNAMES):
            member["given_names"] = f"{prefix} {member['given_names']}"
    doc["phone"] = f"+52 664 {200 + k // 10000:03d} {k % 10000:04d}"
    for member in doc["members"]:
        if member.get("date_of_birth"):
            born = date.fromisoformat(member["date_of_birth"]) - timedelta(days=k)
            member["date_of_birth"] = born.isoformat()
    return doc


def confirm_contact(registration: Any, *, now: datetime | None = None) -> None:
    """Type back the code sent to a self-service family's phone or e-mail (issue 11: it joins
    the queue only then), as the family does on its confirmation page."""
    import re

    from asilo.web.appointments.models import OutboxMessage
    from asilo.web.registrations import services

    message = (
        OutboxMessage.objects.filter(registration=registration, kind="contact_code")
        .order_by("-id")
        .first()
    )
    if message is None:
        return
    code = re.search(r"\b(\d{6})\b", message.body)
    assert code, "no code in the message"
    # The code was delivered (through the test's in-memory backends, then forgotten there so
    # that a test sees only the messages it causes) and typed back.
    from django.core import mail

    from asilo.web.appointments.notifications import LocmemSmsBackend
    from asilo.web.appointments.services import outbox_deliver

    outbox_deliver(message_ids=[message.pk])
    LocmemSmsBackend.outbox[:] = [m for m in LocmemSmsBackend.outbox if m.body != message.body]
    if hasattr(mail, "outbox"):
        mail.outbox[:] = [m for m in mail.outbox if m.body != message.body]
    services.registration_contact_confirm(number=registration.number, code=code.group(1), now=now)
    registration.refresh_from_db()
