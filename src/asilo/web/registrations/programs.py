"""The programs asilo ships with: each an eligibility rule of the policy catalogue, its ports
(as the catalogue lists them) and the published allocation method it uses."""

from __future__ import annotations

from typing import Any

from asilo.web.registrations.models import EligibilityRule, Program

DEFAULT_PROGRAMS: tuple[dict[str, Any], ...] = (
    {
        "code": "mpp-wind-down-2021",
        "name": "2021 MPP wind-down",
        "rule": EligibilityRule.MPP_WIND_DOWN.value,
        "ports": ["San Ysidro", "Brownsville", "El Paso"],
        "allocation_method": "fair-2023.1",
    },
    {
        "code": "port-appointments-2023",
        "name": "2023 port appointment process",
        "rule": EligibilityRule.PORT_APPOINTMENTS.value,
        "ports": [
            "Nogales",
            "Brownsville",
            "Eagle Pass",
            "Hidalgo",
            "Laredo",
            "El Paso",
            "Calexico",
            "San Ysidro",
        ],
        "allocation_method": "fair-2023.1",
    },
)


def ensure_default_programs(model: type[Program] = Program) -> list[Program]:
    """Create the default programs that are missing (existing ones are left as they are).

    ``model`` is the registrations app's migration state's ``Program`` when a migration seeds
    a fresh database with them."""
    return [
        model.objects.get_or_create(code=spec["code"], defaults=dict(spec))[0]
        for spec in DEFAULT_PROGRAMS
    ]
