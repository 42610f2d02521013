"""Fixtures of the appointments tests: the programs, registered families, capacities, runs.

Time is simulated by passing ``now=`` to the services (see ``appointment_helpers``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from appointment_helpers import (
    DAY,
    NOW,
    PORTS,
    REGISTERED,
    at,
    confirm_contact,
    distinct,
    family_doc,
)

from asilo.web.appointments import services
from asilo.web.appointments.models import AllocationRun
from asilo.web.appointments.notifications import LocmemSmsBackend
from asilo.web.registrations.models import Program, Registration
from asilo.web.registrations.programs import ensure_default_programs
from asilo.web.registrations.services import registration_submit

_sources = itertools.count(1)


@pytest.fixture(autouse=True)
def _sms_in_memory(settings: Any) -> None:
    settings.ASILO_SMS_BACKEND = "asilo.web.appointments.notifications.LocmemSmsBackend"
    settings.ASILO_FAIRNESS_MIN_CELL = 1
    LocmemSmsBackend.outbox.clear()


@pytest.fixture
def program(db: None) -> Program:
    ensure_default_programs()
    return Program.objects.get(code=PORTS)


@pytest.fixture
def register(program: Program) -> Callable[..., Registration]:
    """``register(size=3, registered=REGISTERED, **changes)``: a self-service family."""

    calls = itertools.count()

    def make(size: int = 3, registered: str = REGISTERED, **changes: Any) -> Registration:
        doc = distinct(family_doc(size, **changes), next(calls))
        for given in ("phone", "members"):
            if given in changes:
                doc[given] = changes[given]
        n = next(_sources)
        submission = registration_submit(
            actor=None,
            data=doc,
            # Each family from its own network (many from one network are held, issue 11).
            source=f"10.{n // 250 % 250}.{n % 250}.9",
            now=at(registered),
        )
        registration = submission.registration
        confirm_contact(registration, now=at(registered))  # the code sent to its phone
        assert registration.status == "waiting", registration.status
        registration.pin = submission.pin  # type: ignore[attr-defined]
        return registration

    return make


@pytest.fixture
def supervisor(make_user: Callable[..., Any]) -> Any:
    return make_user("supervisor", "port-supervisor")


@pytest.fixture
def officer(make_user: Callable[..., Any]) -> Any:
    return make_user("officer", "port-officer")


@pytest.fixture
def set_capacity(program: Program, supervisor: Any) -> Callable[..., None]:
    """``set_capacity({"San Ysidro": 10}, day=DAY)``."""

    def run(per_port: dict[str, int], day: date = DAY) -> None:
        for port, persons in per_port.items():
            services.capacity_set(
                actor=supervisor, program=program, port=port, day=day, capacity=persons, now=NOW
            )

    return run


@pytest.fixture
def run_allocation(program: Program, supervisor: Any) -> Callable[..., AllocationRun]:
    def run(seed: int = 7, start: date = DAY, now: datetime = NOW) -> AllocationRun:
        return services.allocation_run(
            actor=supervisor, program=program, start=start, seed=seed, now=now
        )

    return run
