"""Fixtures of the border-processing page tests: recorded encounters through the services."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from asilo.web.encounters import services
from asilo.web.encounters.models import Encounter

FAMILY: dict[str, Any] = {
    "date": "2022-05-10",
    "time": "06:40",
    "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
    "manifests_fear": True,
    "people": [
        {
            "age": 31,
            "nationality": "HND",
            "relationship": "parent",
            "given_names": "María José",
            "first_surname": "López",
            "second_surname": "Hernández",
            "sex": "female",
        },
        {"age": 7, "nationality": "HND", "given_names": "Dylan", "first_surname": "Martínez"},
    ],
}

CHILD: dict[str, Any] = {
    "date": "2022-05-10",
    "time": "09:15",
    "place": {"kind": "between_ports", "name": "El Paso"},
    "people": [{"age": 15, "nationality": "GTM", "given_names": "Ana", "first_surname": "Chuc"}],
}


@pytest.fixture
def record(make_user: Callable[..., Any]) -> Callable[..., Encounter]:
    """``record(doc, actor=None)`` records an encounter through the service (default: FAMILY)."""
    officer = make_user("officer", "recording-officer")

    def make(doc: dict[str, Any] | None = None, actor: Any = None) -> Encounter:
        return services.encounter_record(
            actor=actor or officer,
            prepared=services.prepare_encounter(copy.deepcopy(doc or FAMILY)),
        ).encounter

    return make


@pytest.fixture
def child_document() -> dict[str, Any]:
    return copy.deepcopy(CHILD)


@pytest.fixture
def family_document() -> dict[str, Any]:
    return copy.deepcopy(FAMILY)
