"""Reference data of the eight ports of entry where families are received: where the
pedestrian crossing is, the port's time zone (a window's hours are the port's local time)
and when the crossing is open. Printed on the notice and used to place a run's first day.

The addresses and hours were written from general public knowledge of each crossing. A port
counts as verified only when checked against CBP's own page of that port
(``https://www.cbp.gov/contact/ports/...``): then ``verified_on`` is the day of the check and
``source`` that page's address. On 2026-12-02 none of the eight CBP port pages could be
reached from where this was written (only a store of public pages, which holds none of them),
so every ``verified_on`` is still ``None``; :data:`CHECKS` says, port by port, what was found
instead and where it disagrees. Check each port on CBP's page before use in the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Port:
    name: str
    crossing: str
    address: str
    city: str
    state: str
    time_zone: str
    hours: str  # "24 hours" or "HH:MM-HH:MM", local time
    verified_on: date | None = None
    #: CBP's page of the port the address and hours were checked against (with verified_on).
    source: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def open_all_day(self) -> bool:
        return self.hours == "24 hours"

    @property
    def map_query(self) -> str:
        return f"{self.crossing}, {self.address}, {self.city}, {self.state}"


PORTS: dict[str, Port] = {
    p.name: p
    for p in (
        Port(
            "San Ysidro",
            "San Ysidro Port of Entry (PedEast)",
            "720 East San Ysidro Boulevard",
            "San Ysidro",
            "CA 92173",
            "America/Los_Angeles",
            "24 hours",
        ),
        Port(
            "Calexico",
            "Calexico West Port of Entry",
            "200 East First Street",
            "Calexico",
            "CA 92231",
            "America/Los_Angeles",
            "24 hours",
        ),
        Port(
            "Nogales",
            "Nogales DeConcini Port of Entry",
            "9 North Grand Avenue",
            "Nogales",
            "AZ 85621",
            "America/Phoenix",
            "24 hours",
        ),
        Port(
            "El Paso",
            "Paso del Norte Bridge",
            "1000 South El Paso Street",
            "El Paso",
            "TX 79901",
            "America/Denver",
            "24 hours",
        ),
        Port(
            "Eagle Pass",
            "Eagle Pass Bridge I",
            "500 Adams Street",
            "Eagle Pass",
            "TX 78852",
            "America/Chicago",
            "24 hours",
        ),
        Port(
            "Laredo",
            "Gateway to the Americas Bridge (Bridge I)",
            "1 Convent Avenue",
            "Laredo",
            "TX 78040",
            "America/Chicago",
            "24 hours",
        ),
        Port(
            "Hidalgo",
            "Hidalgo International Bridge",
            "1100 South International Boulevard",
            "Hidalgo",
            "TX 78557",
            "America/Chicago",
            "24 hours",
        ),
        Port(
            "Brownsville",
            "Gateway International Bridge",
            "1 East Elizabeth Street",
            "Brownsville",
            "TX 78520",
            "America/Chicago",
            "24 hours",
        ),
    )
}

DEFAULT_ZONE = "America/Chicago"

#: What a search for each port's CBP page found on 2026-12-02 (none of CBP's port pages was in
#: reach; the pages named here are secondary and are not a verification).
CHECKS: dict[str, str] = {
    "San Ysidro": (
        "CBP port page not found. A CBP news release (cbp.gov/newsroom, 2023-01-04) and later"
        " reports give limited hours for the Pedestrian West facility (06:00-14:00); secondary"
        " pages give 720 East San Ysidro Boulevard, 92173, open 24 hours (PedEast)."
    ),
    "Calexico": (
        "CBP port page not found. A CBP news release (cbp.gov/newsroom, 2010) says the"
        " downtown (Calexico West) port is open 24 hours; the address was not found."
    ),
    "Nogales": "CBP port page not found; nothing found on the DeConcini crossing's address.",
    "El Paso": (
        "CBP port page not found. A secondary page (an encyclopedia copy citing CBP's former"
        " port page 2402) gives 1000 South El Paso Street, 79901, open 24 hours."
    ),
    "Eagle Pass": (
        "CBP port page not found. A secondary list gives 160 East Garrison Street, 78852, for"
        " the Eagle Pass port: it DISAGREES with the address above; check before use."
    ),
    "Laredo": "CBP port page not found; nothing found on the Bridge I crossing's address.",
    "Hidalgo": (
        "CBP port page not found. A secondary page gives 1026 South International Boulevard,"
        " 78557, and hours of 24 hours Monday to Saturday, 06:00-16:00 on Sunday: it DISAGREES"
        " with the address and hours above; check before use."
    ),
    "Brownsville": (
        "CBP port page not found; a CBP release (2024) confirms the Gateway International"
        " Bridge is a crossing of the Brownsville port, not its address or hours."
    ),
}


def port_info(name: str) -> Port | None:
    return PORTS.get(name)


def zone_of(name: str) -> ZoneInfo:
    port = PORTS.get(name)
    return port.zone if port is not None else ZoneInfo(DEFAULT_ZONE)
