"""Reference data of the eight ports of entry where families are received: where the
pedestrian crossing is, the port's time zone (a window's hours are the port's local time)
and when the crossing is open. Printed on the notice and used to place a run's first day.

The addresses and hours were written from general public knowledge of each crossing; they
have NOT yet been checked against CBP's page of each port (https://www.cbp.gov/contact/ports).
Check each one there before use in the field and record the day in ``verified_on`` (``None``
means not yet checked).
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


def port_info(name: str) -> Port | None:
    return PORTS.get(name)


def zone_of(name: str) -> ZoneInfo:
    port = PORTS.get(name)
    return port.zone if port is not None else ZoneInfo(DEFAULT_ZONE)
