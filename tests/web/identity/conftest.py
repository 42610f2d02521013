"""Fixtures of the identity tests: recording encounters through the service."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from asilo.web.encounters import services as enc_services


def age_on(born: str, on: str) -> int:
    b, d = date.fromisoformat(born), date.fromisoformat(on)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


@pytest.fixture
def record() -> Any:
    return _record


def _record(officer: Any, on: str, **person: Any) -> int:
    """Record a one-person encounter through the service (no identity matching)."""
    person.setdefault("nationality", "HND")
    person.setdefault("sex", "female")
    if "date_of_birth" in person:
        person.setdefault("age", age_on(person["date_of_birth"], on))
    person.setdefault("age", 30)
    doc = {
        "date": on,
        "time": "08:10",
        "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
        "people": [person],
    }
    return enc_services.encounter_record(
        actor=officer, prepared=enc_services.prepare_encounter(doc)
    ).encounter.pk
