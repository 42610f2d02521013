"""Fixtures of the identity tests: a background of synthetic people (so that the model's
prior is that of a population, not of three records) and recording helpers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from asilo.linkage import synth
from asilo.web.encounters import services as enc_services

SEXES = {"F": "female", "M": "male", "X": "x"}


@pytest.fixture
def background(db: None) -> int:
    """150 people of the synthetic population (records of the repository's generator)."""
    from asilo.web.people.models import Person

    people = []
    for r in synth.generate(150, 11):
        born = date.fromisoformat(r.date_of_birth) if len(r.date_of_birth) == 10 else None
        people.append(
            Person(
                given_names=r.given_names or None,
                first_surname=r.first_surname or None,
                second_surname=r.second_surname or None,
                date_of_birth=born,
                sex=SEXES.get(r.sex, "unknown"),
                nationality=r.nationality or "MEX",
            )
        )
    Person.objects.bulk_create(people)
    return len(people)


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
    return enc_services.encounter_record(actor=officer, document=doc).encounter.pk
