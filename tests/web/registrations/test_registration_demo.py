"""The demo loader: families on every channel, the 2021 phase change in the history, and
loading twice adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from asilo.web.registrations import demo
from asilo.web.registrations.models import Registration, Status

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent_and_shows_the_phase_change(
    make_user: Callable[..., Any],
) -> None:
    caseworker = make_user("caseworker", organisation="Albergue Senda de Vida")
    made = demo.load_families(caseworker=caseworker)
    assert [name for name, _, _ in made] == [name for name, _, _ in demo.FAMILIES]
    assert all(len(pin) == 6 for _, _, pin in made)
    numbers = dict((name, number) for name, number, _ in made)
    assert Registration.objects.get(number=numbers["gomez"]).channel == "assisted"
    terminated = Registration.objects.get(number=numbers["perez-mpp"])
    assert terminated.status == Status.WAITING
    assert [c.to_status for c in terminated.status_changes.order_by("at", "id")] == [
        "registered",
        "not_eligible",
        "waiting",
    ]
    assert demo.load() == "registrations: nothing new"
    assert Registration.objects.count() == len(demo.FAMILIES)


def test_the_platform_hook_uses_the_demo_caseworker(make_user: Callable[..., Any]) -> None:
    make_user("caseworker", "demo.caseworker", organisation="Casa del Migrante (demo)")
    summary = demo.load()
    assert summary.startswith("registrations: 5 families: R-")
    assert Registration.objects.filter(channel="assisted").count() == 1
