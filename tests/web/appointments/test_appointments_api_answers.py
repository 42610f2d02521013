"""The appointments API's answers, field by field: capacities (read and set), a run and its
verification, a day's appointments, one appointment and a check-in. The schemas read the
objects the selectors and services return; these answers must not move."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import time_machine
from appointment_helpers import DAY, at
from django.test import Client

from asilo.web.appointments.models import AllocationRun, Appointment
from asilo.web.registrations.models import Program, Registration

pytestmark = pytest.mark.django_db


def test_the_answers_of_capacities_runs_appointments_and_check_in(
    register: Callable[..., Registration],
    set_capacity: Callable[..., None],
    run_allocation: Callable[..., AllocationRun],
    supervisor: Any,
    officer: Any,
    bearer_as: Callable[..., dict[str, str]],
    program: Program,
) -> None:
    family = register(size=2, preferred_ports=["San Ysidro"])
    set_capacity({"San Ysidro": 6})
    run = run_allocation()
    appointment = Appointment.objects.get(registration=family)
    client = Client()
    api = bearer_as(supervisor)

    with time_machine.travel(at("2023-06-14 19:00"), tick=False):
        capacities = client.get(
            "/api/v1/appointments/capacities",
            {"program": program.code, "start": DAY.isoformat(), "days": 1},
            headers=api,
        )
        assert capacities.status_code == 200, capacities.content
        san_ysidro = next(c for c in capacities.json() if c["port"] == "San Ysidro")
        assert san_ysidro == {
            "port": "San Ysidro",
            "date": DAY.isoformat(),
            "capacity": 6,
            "booked": 2,
            "checked_in": 0,
            "no_shows": 0,
            "free": 4,
            "opens_at": san_ysidro["opens_at"],
            "closes_at": san_ysidro["closes_at"],
        }
        # The fields of the selector's ``CapacityRow``, in its order, to the byte.
        assert (
            b'{"port":"San Ysidro","date":"2023-06-15","capacity":6,"booked":2,"checked_in":0,'
            b'"no_shows":0,"free":4,"opens_at":"%s","closes_at":"%s"}'
            % (san_ysidro["opens_at"].encode(), san_ysidro["closes_at"].encode())
        ) in capacities.content
        put = client.put(
            "/api/v1/appointments/capacities",
            {"program": program.code, "port": "San Ysidro", "date": DAY.isoformat(), "capacity": 9},
            content_type="application/json",
            headers=api,
        )
        assert put.status_code == 200, put.content
        assert put.json() == {**san_ysidro, "capacity": 9, "free": 7}

        runs = client.get("/api/v1/appointments/runs", {"program": program.code}, headers=api)
        one = client.get(f"/api/v1/appointments/runs/{run.pk}", headers=api)
        assert runs.status_code == one.status_code == 200
        assert runs.json() == [one.json()]
        assert list(one.json()) == [
            "id",
            "program",
            "method",
            "seed",
            "input_digest",
            "registrations_digest",
            "capacity_digest",
            "start",
            "horizon_start",
            "horizon_end",
            "registrations",
            "allocated",
            "persons",
            "trigger",
            "run_by",
            "started_at",
        ]
        assert (one.json()["id"], one.json()["seed"], one.json()["allocated"]) == (run.pk, 7, 1)
        run.refresh_from_db()
        assert one.json() == {
            "id": run.pk,
            "program": program.code,
            "method": f"{run.method_name}-{run.method_version}",
            "seed": 7,
            "input_digest": run.input_digest,
            "registrations_digest": run.registrations_digest,
            "capacity_digest": run.capacity_digest,
            "start": run.start.isoformat(),
            "horizon_start": run.horizon_start.isoformat() if run.horizon_start else None,
            "horizon_end": run.horizon_end.isoformat() if run.horizon_end else None,
            "registrations": run.registrations_count,
            "allocated": 1,
            "persons": run.persons_allocated,
            "trigger": run.trigger,
            "run_by": run.run_by.username if run.run_by else None,
            "started_at": run.started_at.isoformat(),
        }

        verified = client.post(f"/api/v1/appointments/runs/{run.pk}/verify", headers=api)
        assert verified.status_code == 200, verified.content
        assert verified.json() == {
            "run": run.pk,
            "matches": True,
            "digest_matches": True,
            "input_digest_stored": run.input_digest,
            "input_digest_recomputed": run.input_digest,
            "appointments_stored": 1,
            "appointments_recomputed": 1,
            "differences": [],
        }

        expected = {
            "id": appointment.pk,
            "registration": family.number,
            "run": run.pk,
            "port": "San Ysidro",
            "date": DAY.isoformat(),
            "window_start": appointment.window_start.isoformat(),
            "window_end": appointment.window_end.isoformat(),
            "family_size": 2,
            "priority_rank": appointment.priority_rank,
            "tier": appointment.tier,
            "selected_by": appointment.selected_by,
            "status": "booked",
            "encounter": None,
            "checked_in_positions": [],
        }
        day = client.get("/api/v1/appointments", {"date": DAY.isoformat()}, headers=api)
        assert day.json() == [expected]
        single = client.get(f"/api/v1/appointments/{appointment.pk}", headers=api)
        assert single.json() == expected
        assert single.content == day.content[1:-1]

    arrival = datetime.combine(DAY, appointment.window_start, tzinfo=at("2023-06-15 09:00").tzinfo)
    with time_machine.travel(arrival, tick=False):
        checked = client.post(
            "/api/v1/appointments/check-in",
            {"code": family.number},
            content_type="application/json",
            headers=bearer_as(officer),
        )
    assert checked.status_code == 200, checked.content
    answer = checked.json()
    assert list(answer) == ["appointment", "encounter", "members"]
    assert answer["members"] == [0, 1]
    assert answer["appointment"] == {
        **expected,
        "status": "checked_in",
        "encounter": answer["encounter"],
        "checked_in_positions": [0, 1],
    }
