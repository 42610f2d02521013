"""Issue 11, finding 2, from one network instead of one client: "many registrations sharing a
contact, device or network ... are held out of allocation until a person reviews them".

``test_appointments_flood.py`` sends the 500 families from one address: the per-client limit
and the burst signal stop it. Here the same flood comes from 60 addresses of one /24 network,
four families each (under the per-client burst threshold), as a script on one rented server
block would: the network limit (60 an hour) lets 60 in, and they must be held for review, not
allocated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from appointment_helpers import at
from django.core.cache import cache
from django.test import Client
from test_appointments_flood import SLOTS, _doc, confirm_contact

from asilo.web.registrations.fraud import held_registrations
from asilo.web.registrations.models import Registration

FLOOD = 240
PER_ADDRESS = 4
LEGITIMATE = 150


@pytest.mark.django_db
def test_a_flood_from_one_network_is_held_out_of_the_run(
    program: Any,
    set_capacity: Callable[..., None],
    run_allocation: Callable[..., Any],
) -> None:
    cache.clear()
    flood: set[str] = set()
    with time_machine.travel(at("2023-06-01 09:00"), tick=True):
        for i in range(FLOOD):
            client = Client(REMOTE_ADDR=f"203.0.113.{1 + i // PER_ADDRESS}")
            response = client.post(
                "/api/v1/registrations",
                data=json.dumps(_doc(i, prefix="Flood", size=2)),
                content_type="application/json",
            )
            assert response.status_code in (201, 429), response.content[:300]
            if response.status_code == 201:
                flood.add(response.json()["number"])
                confirm_contact(client, response.json()["number"])
    assert flood  # the network limit lets some in: those are the ones to hold
    with time_machine.travel(at("2023-06-01 10:00"), tick=True):
        for i in range(LEGITIMATE):
            client = Client(REMOTE_ADDR=f"10.{i // 200}.{i % 200}.7")
            response = client.post(
                "/api/v1/registrations",
                data=json.dumps(_doc(i, prefix="Familia", size=1 + i % 3)),
                content_type="application/json",
            )
            assert response.status_code == 201, response.content[:300]
            confirm_contact(client, response.json()["number"])
    set_capacity({"San Ysidro": SLOTS})
    run = run_allocation()
    booked = list(run.appointments.values_list("registration__number", flat=True))
    assert booked
    held = set(
        Registration.objects.filter(id__in=held_registrations()).values_list("number", flat=True)
    )
    share = sum(1 for n in booked if n in flood) / len(booked)
    assert share < 0.05, f"the flood holds {share:.0%} of the appointments"
    assert flood - set(booked) <= held
