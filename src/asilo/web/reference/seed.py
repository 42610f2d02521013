"""The seed of the reference data, built from the policy engine's place list.

Sectors, field offices and ports come from ``asilo.policy.places.PLACES`` (CBP's names and
AOR abbreviations, as in CBP's Nationwide Encounters data). Daily capacities: CBP published
the total of its 2023 appointment process (1,450 a day from 30 June 2023, across eight ports:
https://cbp.gov/newsroom/national-media-release/cbp-one-appointments-increased-1450-day) but
not the split by port; the seed divides that total evenly among the eight ports (an
assumption, editable in the admin). Other ports start at 0 (not set).
"""

from __future__ import annotations

from typing import Any

from asilo.policy.places import PLACES

#: The eight ports of the 2023 CBP One appointment process.
CBP_ONE_PORTS = (
    "San Ysidro",
    "Calexico",
    "Nogales",
    "El Paso",
    "Eagle Pass",
    "Laredo",
    "Hidalgo",
    "Brownsville",
)
CBP_ONE_DAILY_TOTAL = 1450


def default_capacities() -> dict[str, int]:
    share, extra = divmod(CBP_ONE_DAILY_TOTAL, len(CBP_ONE_PORTS))
    return {port: share + (1 if i < extra else 0) for i, port in enumerate(CBP_ONE_PORTS)}


def sectors() -> list[dict[str, Any]]:
    return [
        {
            "name": p.name,
            "aor_name": p.aor,
            "abbreviation": p.aor_abbv,
            "state": p.state,
            "mexican_states": list(p.mexican_states),
        }
        for p in PLACES
        if p.level == "sector"
    ]


def field_offices() -> list[dict[str, Any]]:
    return [
        {"name": p.name, "abbreviation": p.aor_abbv, "state": p.state}
        for p in PLACES
        if p.level == "field_office"
    ]


def ports() -> list[dict[str, Any]]:
    capacities = default_capacities()
    return [
        {
            "name": p.name,
            "field_office": p.field_office,
            "sector": p.sector,
            "state": p.state,
            "mexican_state": p.mexican_states[0],
            "aliases": list(p.aliases),
            "daily_capacity": capacities.get(p.name, 0),
        }
        for p in PLACES
        if p.level == "port"
    ]


def load(sector_model: Any, field_office_model: Any, port_model: Any) -> int:
    """Create the places that are missing (existing rows, maybe edited, are kept as they are).

    Takes the model classes so that a data migration can pass its historical models.
    Returns how many rows were created.
    """
    created = 0
    for row in sectors():
        _obj, new = sector_model.objects.get_or_create(name=row["name"], defaults=row)
        created += new
    for row in field_offices():
        _obj, new = field_office_model.objects.get_or_create(name=row["name"], defaults=row)
        created += new
    for row in ports():
        defaults = dict(row)
        defaults["field_office"] = field_office_model.objects.get(name=row["field_office"])
        defaults["sector"] = sector_model.objects.get(name=row["sector"])
        _obj, new = port_model.objects.get_or_create(name=row["name"], defaults=defaults)
        created += new
    return created
