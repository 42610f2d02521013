"""Constants and helpers shared by the registrations tests (importable by name)."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
MPP = "mpp-wind-down-2021"
PORTS = "port-appointments-2023"

FAMILY: dict[str, Any] = {
    "program": PORTS,
    "members": [
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
            "nationality": "CHL",
            "relationship": "child",
        },
    ],
    "phone": "+52 664 123 4567",
    "waiting_city": "Tijuana",
    "waiting_place": "Albergue Embajadores de Jesús",
    "preferred_ports": ["San Ysidro", "Calexico"],
    "languages": ["ht", "fr"],
    "vulnerabilities": [],
    "language": "ht",
}


def at(text: str) -> datetime:
    """``at("2023-06-01 10:00")``: an aware moment, U.S. Eastern."""
    return datetime.fromisoformat(text).replace(tzinfo=EASTERN)


_SURNAMES = (
    "Dorvil", "Étienne", "Charles", "Alcindor", "Bien-Aimé", "Cadet", "Desir", "Fleurant",
    "Guerrier", "Hilaire", "Jacques", "Laguerre", "Moïse", "Noël", "Octave", "Saintil",
    "Toussaint", "Valcourt", "Zamor", "Augustin", "Beauvais", "Célestin", "Dieudonné",
    "Exantus", "Florestal", "Gédéon", "Hyppolite", "Innocent", "Jolicoeur", "Kernizan",
)  # fmt: skip


def distinct(doc: dict[str, Any], k: int) -> dict[str, Any]:
    """The family ``doc`` made its own (``k`` > 0): another surname, phone, shelter and dates
    of birth.
    Shared contacts and the same person twice hold families out of allocation (issue 11)."""
    doc = copy.deepcopy(doc)
    # Another surname too: identity resolution holds a family whose members match those of
    # another registration (issue 14), and names alike with dates of birth a few days apart
    # are the same people to it.
    surname = _SURNAMES[k % len(_SURNAMES)]
    for member in doc["members"]:
        member["surnames"] = surname
    doc["phone"] = f"+52 664 300 {k:04d}"
    if doc.get("waiting_place"):
        doc["waiting_place"] = f"{doc['waiting_place']} {k}"
    for member in doc["members"]:
        if member.get("date_of_birth"):
            born = date.fromisoformat(member["date_of_birth"]) - timedelta(days=k)
            member["date_of_birth"] = born.isoformat()
    return doc


def confirm_contact(registration: Any, *, now: datetime | None = None) -> None:
    """Type back the code sent to a self-service family's contact (when one was sent): the
    family joins the queue, as it would on its confirmation page."""
    import re

    from django.apps import apps

    from asilo.web.registrations import services

    if not apps.is_installed("asilo.web.appointments"):
        return
    from asilo.web.appointments.models import OutboxMessage

    message = (
        OutboxMessage.objects.filter(registration=registration, kind="contact_code")
        .order_by("-id")
        .first()
    )
    if message is None:
        return
    code = re.search(r"\b(\d{6})\b", message.body)
    assert code, "no code in the message"
    services.registration_contact_confirm(number=registration.number, code=code.group(1), now=now)
    registration.refresh_from_db()
