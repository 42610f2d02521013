"""Fixtures of the encounters tests: encounter documents (users and the API client are in
``tests/web/conftest.py``)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

FAMILY_DOC: dict[str, Any] = {
    "date": "2022-05-10",
    "time": "06:40",
    "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
    "people": [
        {
            "age": 31,
            "nationality": "HND",
            "role": "adult",
            "relationship": "parent",
            "given_names": "María José",
            "first_surname": "López",
            "second_surname": "Hernández",
            "date_of_birth": "1990-11-03",
            "sex": "female",
            "documents": [{"kind": "passport", "number": "F123456", "issuing_country": "HND"}],
            "languages": ["es"],
        },
        {
            "age": 7,
            "nationality": "HND",
            "role": "child",
            "given_names": "Dylan",
            "first_surname": "Martínez",
            "second_surname": "López",
            "sex": "male",
        },
    ],
    "manifests_fear": True,
}

CHILD_DOC: dict[str, Any] = {
    "date": "2022-05-10",
    "time": "09:15",
    "place": {"kind": "between_ports", "name": "El Paso"},
    "people": [{"age": 15, "nationality": "GTM", "given_names": "Ana", "first_surname": "Chuc"}],
}

ADULT_DOC: dict[str, Any] = {
    "date": "2022-05-10",
    "time": "11:00",
    "place": {"kind": "port_of_entry", "name": "San Ysidro"},
    "people": [{"age": 40, "nationality": "MEX", "given_names": "Jorge", "first_surname": "Paz"}],
}


@pytest.fixture
def family_doc() -> dict[str, Any]:
    return copy.deepcopy(FAMILY_DOC)


@pytest.fixture
def child_doc() -> dict[str, Any]:
    return copy.deepcopy(CHILD_DOC)


@pytest.fixture
def adult_doc() -> dict[str, Any]:
    return copy.deepcopy(ADULT_DOC)
