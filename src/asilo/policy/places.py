"""Southwest-border places as CBP names them: Border Patrol sectors, OFO field offices, land ports.

Sectors and field offices carry CBP's area-of-responsibility (AOR) name and abbreviation as they
appear in CBP's Nationwide Encounters data (``data/real/reference/*.csv`` in the repository).
Each port of entry belongs to a field office and lies inside a Border Patrol sector.
``mexican_states`` names the Mexican state(s) across the line, which decides where a land
expulsion lands (the Tamaulipas practice of 2021, fact T42-23).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PlaceKind = Literal["between_ports", "port_of_entry"]
Component = Literal["USBP", "OFO"]
Level = Literal["sector", "field_office", "port"]


@dataclass(frozen=True, slots=True)
class Place:
    """A southwest-border sector, field office or land port of entry."""

    name: str
    kind: PlaceKind
    component: Component
    level: Level
    aor: str
    aor_abbv: str
    state: str
    mexican_states: tuple[str, ...]
    sector: str
    field_office: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def is_place_of_encounter(self) -> bool:
        """Sectors (between ports) and ports are places of encounter; a field office is not."""
        return self.level != "field_office"


def _in_area(
    name: str,
    component: Component,
    level: Level,
    area: str,
    abbv: str,
    state: str,
    mexican_states: tuple[str, ...],
    sector: str,
    aliases: tuple[str, ...] = (),
) -> Place:
    """A place in the area of responsibility of the sector or field office ``area``: Border
    Patrol places lie between ports, OFO places at a port (a field office's AOR is named for
    it)."""
    usbp = component == "USBP"
    aor = f"{area} Sector" if usbp else f"{area} Field Office"
    return Place(
        name=name,
        kind="between_ports" if usbp else "port_of_entry",
        component=component,
        level=level,
        aor=aor,
        aor_abbv=abbv,
        state=state,
        mexican_states=mexican_states,
        sector=sector,
        field_office=None if usbp else aor,
        aliases=aliases,
    )


def _sector(
    name: str, abbv: str, state: str, mexican_states: tuple[str, ...], *aliases: str
) -> Place:
    return _in_area(
        name,
        "USBP",
        "sector",
        name,
        abbv,
        state,
        mexican_states,
        name,
        (f"{name} Sector", abbv, *aliases),
    )


def _field_office(name: str, state: str, mexican_states: tuple[str, ...], sector: str) -> Place:
    return _in_area(
        f"{name} Field Office", "OFO", "field_office", name, name, state, mexican_states, sector
    )


def _port(
    name: str, field_office: str, state: str, mexican_state: str, sector: str, *aliases: str
) -> Place:
    return _in_area(
        name, "OFO", "port", field_office, field_office, state, (mexican_state,), sector, aliases
    )


_BC, _SON, _CHIH, _COAH, _NL, _TAMPS = (
    "Baja California",
    "Sonora",
    "Chihuahua",
    "Coahuila",
    "Nuevo León",
    "Tamaulipas",
)

PLACES: tuple[Place, ...] = (
    # U.S. Border Patrol sectors (between ports of entry), west to east.
    _sector("San Diego", "SDC", "CA", (_BC,)),
    _sector("El Centro", "ELC", "CA", (_BC,)),
    _sector("Yuma", "YUM", "AZ", (_SON, _BC)),
    _sector("Tucson", "TCA", "AZ", (_SON,)),
    _sector("El Paso", "EPT", "TX", (_CHIH,)),
    _sector("Big Bend", "BBT", "TX", (_CHIH, _COAH)),
    _sector("Del Rio", "DRT", "TX", (_COAH,)),
    _sector("Laredo", "LRT", "TX", (_TAMPS, _NL, _COAH)),
    _sector("Rio Grande Valley", "RGV", "TX", (_TAMPS,)),
    # OFO field offices (areas of responsibility; not places of encounter themselves).
    _field_office("San Diego", "CA", (_BC,), "San Diego"),
    _field_office("Tucson", "AZ", (_SON,), "Tucson"),
    _field_office("El Paso", "TX", (_CHIH, _COAH), "El Paso"),
    _field_office("Laredo", "TX", (_TAMPS, _NL, _COAH), "Laredo"),
    # Land ports of entry, San Diego Field Office.
    _port("San Ysidro", "San Diego", "CA", _BC, "San Diego", "San Ysidro Port of Entry"),
    _port("Otay Mesa", "San Diego", "CA", _BC, "San Diego"),
    _port("Tecate", "San Diego", "CA", _BC, "San Diego"),
    _port("Calexico", "San Diego", "CA", _BC, "El Centro", "Calexico West"),
    _port("Calexico East", "San Diego", "CA", _BC, "El Centro"),
    _port("Andrade", "San Diego", "CA", _BC, "Yuma"),
    # Tucson Field Office.
    _port("San Luis", "Tucson", "AZ", _SON, "Yuma"),
    _port("Lukeville", "Tucson", "AZ", _SON, "Tucson"),
    _port("Sasabe", "Tucson", "AZ", _SON, "Tucson"),
    _port("Nogales", "Tucson", "AZ", _SON, "Tucson", "DeConcini", "Mariposa"),
    _port("Naco", "Tucson", "AZ", _SON, "Tucson"),
    _port("Douglas", "Tucson", "AZ", _SON, "Tucson"),
    # El Paso Field Office.
    _port("Santa Teresa", "El Paso", "NM", _CHIH, "El Paso"),
    _port("Columbus", "El Paso", "NM", _CHIH, "El Paso"),
    _port("Antelope Wells", "El Paso", "NM", _CHIH, "El Paso"),
    _port(
        "El Paso",
        "El Paso",
        "TX",
        _CHIH,
        "El Paso",
        "Paso del Norte",
        "El Paso (Paso del Norte)",
        "Bridge of the Americas",
        "Ysleta",
    ),
    _port("Tornillo", "El Paso", "TX", _CHIH, "El Paso", "Tornillo-Fabens", "Marcelino Serna"),
    _port("Presidio", "El Paso", "TX", _CHIH, "Big Bend"),
    _port("Boquillas", "El Paso", "TX", _COAH, "Big Bend"),
    # Laredo Field Office.
    _port("Del Rio", "Laredo", "TX", _COAH, "Del Rio"),
    _port("Eagle Pass", "Laredo", "TX", _COAH, "Del Rio"),
    _port("Laredo", "Laredo", "TX", _TAMPS, "Laredo"),
    _port("Falcon Heights", "Laredo", "TX", _TAMPS, "Rio Grande Valley", "Falcon Dam"),
    _port("Roma", "Laredo", "TX", _TAMPS, "Rio Grande Valley"),
    _port("Rio Grande City", "Laredo", "TX", _TAMPS, "Rio Grande Valley"),
    _port("Hidalgo", "Laredo", "TX", _TAMPS, "Rio Grande Valley", "Hidalgo/Pharr"),
    _port("Pharr", "Laredo", "TX", _TAMPS, "Rio Grande Valley"),
    _port("Donna", "Laredo", "TX", _TAMPS, "Rio Grande Valley"),
    _port("Progreso", "Laredo", "TX", _TAMPS, "Rio Grande Valley"),
    _port("Los Indios", "Laredo", "TX", _TAMPS, "Rio Grande Valley"),
    _port("Brownsville", "Laredo", "TX", _TAMPS, "Rio Grande Valley", "Gateway", "B&M"),
)


def _normal(name: str) -> str:
    return " ".join(name.casefold().split())


_INDEX: dict[tuple[str, str], Place] = {}
for _place in PLACES:
    for _label in (_place.name, *_place.aliases):
        _INDEX.setdefault((_place.kind, _normal(_label)), _place)


def find_place(kind: str, name: str) -> Place | None:
    """The place of this kind called ``name`` (CBP name, AOR name or abbreviation), if any."""
    return _INDEX.get((kind, _normal(name)))


def place_named(kind: str, name: str) -> Place:
    """Like :func:`find_place` but raises ``KeyError`` for an unknown place."""
    place = find_place(kind, name)
    if place is None:
        raise KeyError(f"unknown {kind} place {name!r}")
    return place


def place_names(kind: str) -> list[str]:
    """Canonical names of every place of encounter of this kind."""
    return [p.name for p in PLACES if p.kind == kind and p.is_place_of_encounter]
