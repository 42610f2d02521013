"""A family that matches an existing registration is held for review ("possible duplicate
registration", the registrations' review-task mechanism) instead of joining the queue twice."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from asilo.web.registrations import services
from asilo.web.registrations.fraud import held_registrations
from asilo.web.registrations.models import Registration, ReviewTask, TaskKind, TaskState
from asilo.web.registrations.programs import ensure_default_programs

pytestmark = pytest.mark.django_db

FAMILY: dict[str, Any] = {
    "program": "port-appointments-2023",
    "members": [
        {
            "given_names": "José",
            "surnames": "López Hernández",
            "date_of_birth": "1988-02-14",
            "sex": "male",
            "nationality": "MEX",
        },
        {
            "given_names": "Lucía",
            "surnames": "Ramírez Cruz",
            "date_of_birth": "1990-09-30",
            "sex": "female",
            "nationality": "MEX",
            "relationship": "spouse",
        },
    ],
    "phone": "+52 664 555 0101",
    "waiting_city": "Tijuana",
    "preferred_ports": ["San Ysidro"],
    "languages": ["es"],
    "vulnerabilities": [],
    "language": "es",
}


def submit(doc: dict[str, Any], crid: str, source: str) -> Registration:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    data = copy.deepcopy(doc)
    data["client_request_id"] = crid
    return services.registration_submit(
        actor=None,
        data=data,
        source=source,
        now=datetime(2023, 6, 1, 10, 0, tzinfo=ZoneInfo("America/New_York")),
    ).registration


def test_the_same_family_registered_again_is_held() -> None:
    ensure_default_programs()
    first = submit(FAMILY, "2f1d7a52-5a0e-4c55-9a59-6d1c0c1b0001", "198.51.100.1")
    assert not ReviewTask.objects.filter(kind=TaskKind.DUPLICATE_REGISTRATION).exists()
    # Registered again through another channel, with the accents lost and a surname dropped.
    again = copy.deepcopy(FAMILY)
    again["members"][0].update(given_names="Jose", surnames="Lopez")
    again["members"][1].update(given_names="Lucia", surnames="Ramirez")
    again["phone"] = "+52 664 555 0199"
    second = submit(again, "2f1d7a52-5a0e-4c55-9a59-6d1c0c1b0002", "198.51.100.2")
    task = ReviewTask.objects.get(kind=TaskKind.DUPLICATE_REGISTRATION)
    assert task.state == TaskState.OPEN
    assert set(task.registrations.values_list("id", flat=True)) == {first.pk, second.pk}
    assert task.detail["members_matched"] == 2
    assert task.detail["members"] == {first.number: 0, second.number: 0}
    assert task.detail["match_probability"] >= 0.99
    held = set(
        Registration.objects.filter(id__in=held_registrations()).values_list("id", flat=True)
    )
    assert {first.pk, second.pk} <= held


def test_another_family_is_not_held() -> None:
    ensure_default_programs()
    submit(FAMILY, "2f1d7a52-5a0e-4c55-9a59-6d1c0c1b0011", "198.51.100.1")
    other = copy.deepcopy(FAMILY)
    other["members"][0].update(given_names="Wilmer", surnames="Orellana Mejía",
                               date_of_birth="1979-01-05", nationality="HND")  # fmt: skip
    other["members"][1].update(given_names="Karla", surnames="Chávez",
                               date_of_birth="1983-11-11", nationality="HND")  # fmt: skip
    other["phone"] = "+52 664 555 0177"
    submit(other, "2f1d7a52-5a0e-4c55-9a59-6d1c0c1b0012", "198.51.100.2")
    assert not ReviewTask.objects.filter(kind=TaskKind.DUPLICATE_REGISTRATION).exists()
