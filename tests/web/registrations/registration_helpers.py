"""Constants and helpers shared by the registrations tests (importable by name)."""

from __future__ import annotations

from datetime import datetime
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
