"""On PostgreSQL: 50 concurrent registrations and check-ins with allocations running — nothing
lost, nothing double-booked, no capacity exceeded; a second run while one holds the lock is
refused. Threads with their own connections; skipped on SQLite."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from appointment_helpers import DAY, NOW, at, family_doc
from django.db import connection, connections, transaction

from asilo.web.appointments import services
from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.models import (
    ACTIVE_STATUSES,
    AllocationLock,
    Appointment,
    AppointmentStatus,
    PortCapacity,
)
from asilo.web.encounters.models import Encounter
from asilo.web.registrations.models import Registration
from asilo.web.registrations.services import registration_submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (python tests/pg_cluster.py -- pytest ...)")


def test_second_run_refused_while_one_holds_the_lock(program, supervisor, set_capacity) -> None:
    set_capacity({"San Ysidro": 5})
    AllocationLock.objects.get_or_create(program=program)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                AllocationLock.objects.select_for_update().get(program=program)
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    try:
        with pytest.raises(AppointmentError) as err:
            services.allocation_run(actor=supervisor, program=program, start=DAY, seed=1, now=NOW)
        assert err.value.code == "allocation_running" and err.value.status == 409
    finally:
        release.set()
        holder.join(10)
    run = services.allocation_run(actor=supervisor, program=program, start=DAY, seed=1, now=NOW)
    assert run.pk is not None


def test_concurrent_registrations_check_ins_and_runs(
    program, register, set_capacity, supervisor, officer, at_once: Callable[..., list[Any]]
) -> None:
    day2 = DAY + timedelta(days=1)
    first = [register(size=1 + k % 3) for k in range(25)]
    set_capacity({"San Ysidro": 40, "Calexico": 20})
    set_capacity({"San Ysidro": 30, "Calexico": 10}, day=day2)
    services.allocation_run(actor=supervisor, program=program, start=DAY, seed=1, now=NOW)
    booked = list(
        Appointment.objects.filter(status=AppointmentStatus.BOOKED, date=DAY).order_by("id")
    )
    assert len(booked) == 25

    def registration(i: int) -> Callable[[], Any]:
        return lambda: (
            registration_submit(
                actor=None,
                data=family_doc(1 + i % 4),
                source=f"192.0.2.{i}",
                now=at("2023-06-15 08:00"),
            ).registration.pk
        )

    def check_in(appointment_id: int) -> Callable[[], Any]:
        return lambda: (
            services.appointment_check_in(
                actor=officer, appointment_id=appointment_id, now=at("2023-06-15 09:30")
            ).encounter.pk
        )

    def allocation(seed: int) -> Callable[[], Any]:
        return lambda: (
            services.allocation_run(
                actor=supervisor, program=program, start=day2, seed=seed, now=at("2023-06-15 08:00")
            ).pk
        )

    works = [registration(i) for i in range(25)] + [check_in(a.pk) for a in booked]
    works[10:10] = [allocation(100)]
    works[40:40] = [allocation(200)]
    results = at_once(works)
    errors = [r for r in results if isinstance(r, Exception)]
    refused = [
        e for e in errors if isinstance(e, AppointmentError) and e.code == "allocation_running"
    ]
    assert errors == refused, errors  # the only refusals are overlapping runs
    assert len(refused) <= 1
    # Nothing lost: every registration and every check-in is there.
    assert Registration.objects.filter(program=program).count() == 50
    assert Appointment.objects.filter(status=AppointmentStatus.CHECKED_IN).count() == 25
    assert Encounter.objects.count() == 25
    assert set(Appointment.objects.exclude(encounter=None).values_list("encounter", flat=True)) == (
        set(Encounter.objects.values_list("id", flat=True))
    )
    # A last run books whoever is still waiting.
    services.allocation_run(actor=supervisor, program=program, start=day2, seed=300, now=NOW)
    # Nothing double-booked: one active appointment per family at most.
    active = Counter(
        Appointment.objects.filter(status__in=ACTIVE_STATUSES).values_list(
            "registration", flat=True
        )
    )
    assert max(active.values()) == 1
    assert {r.pk for r in first} <= set(active)
    # No port-day over its capacity.
    used: Counter[tuple[str, Any]] = Counter()
    for a in Appointment.objects.filter(status__in=ACTIVE_STATUSES):
        used[(a.port, a.date)] += a.family_size
    for c in PortCapacity.objects.all():
        assert used[(c.port, c.date)] <= c.capacity, (c.port, c.date)
