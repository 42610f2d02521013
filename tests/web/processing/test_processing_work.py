"""The officer's day: the work queue (every count a link to its list), the encounter list
with filters, search by name (accent-insensitive), A-number and encounter number, pages of 50."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from asilo.web.audit.models import AuditEntry
from asilo.web.encounters import services

pytestmark = pytest.mark.django_db


def _doc(time: str, given: str, surname: str, **extra: Any) -> dict[str, Any]:
    return {
        "date": "2022-05-10",
        "time": time,
        "place": {"kind": "between_ports", "name": "El Paso"},
        "people": [
            {
                "age": 30,
                "nationality": "MEX",
                "given_names": given,
                "first_surname": surname,
                **extra,
            }
        ],
    }


def test_every_count_of_the_work_queue_is_a_link_to_its_list(
    record: Callable[..., Any], make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    officer = make_user("officer", "queue-officer")
    record()  # a family awaiting confirmation
    client = client_as(officer)
    page = client.get(reverse("processing:work_queue")).content.decode()
    items = re.findall(
        r'<li class="ap-card"><a href="([^"]+)"><span class="ap-figure">(\d+)</span>', page
    )
    assert len(items) >= 8
    assert all(href.startswith("/processing/") for href, _ in items)
    decided = next(href for href, n in items if "status=decided" in href)
    assert dict(items)[decided] == "1"
    listed = client.get(decided.replace("&amp;", "&")).content.decode()
    assert len(re.findall(r'data-encounter="\d+"', listed)) == 1
    for href, _count in items:
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href


def test_search_by_name_a_number_and_encounter_number(
    make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    officer = make_user("officer", "search-officer")
    lopez = services.encounter_record(
        actor=officer,
        prepared=services.prepare_encounter(_doc("08:00", "Ana", "López", a_number="A012345678")),
    ).encounter
    paz = services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(_doc("09:00", "Jorge", "Paz"))
    ).encounter
    client = client_as(officer)
    url = reverse("processing:encounter_list")

    def found(q: str) -> list[str]:
        return re.findall(r'data-encounter="(\d+)"', client.get(url, {"q": q}).content.decode())

    assert found("Lopez") == [str(lopez.pk)]  # without the accent
    assert found("Lpez") == [str(lopez.pk)]  # a letter missing
    assert found("A012345678") == [str(lopez.pk)]
    assert found(f"#{paz.pk}") == [str(paz.pk)]
    assert found("Martínez") == []
    views = AuditEntry.objects.filter(action="view", note__in=["search result", "a-number search"])
    assert views.count() >= 3


def test_encounter_list_pages_of_fifty(
    make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    officer = make_user("officer", "pages-officer")
    for i in range(51):
        services.encounter_record(
            actor=officer,
            prepared=services.prepare_encounter(
                _doc(f"{i // 60:02d}:{i % 60:02d}", "Luis", "Cruz")
            ),
        )
    client = client_as(officer)
    first = client.get(reverse("processing:encounter_list")).content.decode()
    assert len(re.findall(r'data-encounter="\d+"', first)) == 50 and 'rel="next"' in first
    second = client.get(reverse("processing:encounter_list"), {"page": 2}).content.decode()
    assert len(re.findall(r'data-encounter="\d+"', second)) == 1
