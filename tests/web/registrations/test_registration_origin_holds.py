"""Issue 11: "many registrations sharing a contact, device or network ... are held out of
allocation until a person reviews them (never silently rejected)". A device is the family's
browser (a first-party cookie the form sets); a network is the client's /24 (IPv4) or /48
(IPv6), kept as a keyed digest. A caseworker's registrations are never counted."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from registration_helpers import PORTS, at, distinct

from asilo.web.registrations import services
from asilo.web.registrations.devices import COOKIE
from asilo.web.registrations.fraud import held_registrations
from asilo.web.registrations.models import Registration, ReviewTask, TaskKind
from asilo.web.registrations.reasons import task_details

pytestmark = pytest.mark.django_db
DEVICE = "AbCdEfGhIjKlMnOpQrStUv"


@pytest.fixture(autouse=True)
def replay_june_2023(programs: dict[str, Any]) -> None:
    programs[PORTS].rules_as_of = date(2023, 6, 1)
    programs[PORTS].save()
    cache.clear()


def held() -> set[str]:
    return set(
        Registration.objects.filter(id__in=held_registrations()).values_list("number", flat=True)
    )


def register_from(doc: dict[str, Any], *, address: str, device: str | None) -> str:
    client = Client(REMOTE_ADDR=address)
    if device:
        client.cookies[COOKIE] = device
    response = client.post(
        "/api/v1/registrations", data=json.dumps(doc), content_type="application/json"
    )
    assert response.status_code == 201, response.content[:300]
    return str(response.json()["number"])


def test_the_form_gives_the_browser_a_device_id() -> None:
    response = Client().get("/registrations/new/", {"program": PORTS, "size": "1"})
    assert response.status_code == 200
    cookie = response.cookies[COOKIE]
    assert len(cookie.value) == 22 and cookie["httponly"] and cookie["samesite"] == "Lax"
    # A browser that has one keeps it.
    again = Client()
    again.cookies[COOKIE] = DEVICE
    assert COOKIE not in again.get("/registrations/new/", {"program": PORTS, "size": "1"}).cookies


@time_machine.travel(at("2023-06-01 10:00"), tick=True)
def test_three_families_from_one_device_are_held_until_a_person_releases_them(
    family: Callable[..., dict[str, Any]], make_user: Callable[..., Any]
) -> None:
    numbers = [
        register_from(distinct(family(), k), address=f"198.51.{k}.9", device=DEVICE)
        for k in range(1, 3)
    ]
    assert held() == set()  # two families from one phone: a neighbour's, not held
    numbers.append(register_from(distinct(family(), 3), address="198.51.3.9", device=DEVICE))
    task = ReviewTask.objects.get(kind=TaskKind.SHARED_DEVICE)
    assert {r.number for r in task.registrations.all()} == set(numbers)
    assert held() == set(numbers)
    # Nothing rejected: each keeps its registration and status.
    assert Registration.objects.filter(number__in=numbers).count() == 3
    with translation.override("es"):
        assert str(TaskKind.SHARED_DEVICE.label) == "Muchos registros desde un mismo dispositivo"
        assert task_details(task.kind, task.detail) == ["3 registros en 24 horas (umbral 3)."]
    with translation.override("ht"):
        assert str(TaskKind.SHARED_NETWORK.label) == "Anpil enskripsyon ki soti nan yon sèl rezo"
    # Other devices are not held.
    other = register_from(distinct(family(), 4), address="198.51.4.9", device=None)
    assert other not in held()
    # A supervisor reviews: the families are released, and not held again by the next one.
    supervisor = make_user("supervisor")
    services.review_task_close(actor=supervisor, task_id=task.pk, outcome="no_abuse")
    assert held() == set()
    fourth = register_from(distinct(family(), 5), address="198.51.5.9", device=DEVICE)
    assert held() == set()
    assert fourth not in held()


def test_the_review_queue_shows_the_device_hold_in_words(
    family: Callable[..., dict[str, Any]],
    make_user: Callable[..., Any],
    client_as: Callable[..., Client],
) -> None:
    with time_machine.travel(at("2023-06-01 10:00"), tick=True):
        for k in range(1, 4):
            register_from(distinct(family(), k), address=f"198.51.{k}.9", device=DEVICE)
    client = client_as(make_user("supervisor"))
    client.cookies["django_language"] = "es"
    page = client.get("/registrations/staff/tasks/").content.decode()
    assert "Muchos registros desde un mismo dispositivo" in page
    assert "shared_device" not in page.replace('value="shared_device"', "")


def test_a_caseworker_registering_many_families_from_one_shelter_is_not_held(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    start = at("2023-06-01 08:00")
    for k in range(1, 23):  # one a minute and a half: no burst either
        services.registration_submit(
            actor=caseworker,
            data=distinct(family(waiting_place=None), k),
            source="192.0.2.50",
            device=DEVICE,
            now=start + timedelta(seconds=90 * k),
        )
    assert Registration.objects.count() == 22
    assert not ReviewTask.objects.filter(
        kind__in=[TaskKind.SHARED_DEVICE, TaskKind.SHARED_NETWORK, TaskKind.BURST]
    ).exists()
    assert held() == set()
    assert set(Registration.objects.values_list("device_digest", "network_digest")) == {
        (None, None)
    }
