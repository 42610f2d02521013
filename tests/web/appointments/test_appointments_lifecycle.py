"""Issue 10: one status lifecycle shown identically everywhere, and windows never in the past.

Each test here failed before the change (the defects of the issue's "Why"): a run at 20:02
gave today's ended windows; the status never changed from "eligible"; the runs page counted
no waiting families; today could not be closed even after its last window.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from appointment_helpers import DAY, at

from asilo.web.appointments import selectors, services
from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.models import Appointment
from asilo.web.appointments.ports import zone_of
from asilo.web.registrations.models import Registration

LATE = at("2023-06-15 20:02")  # the evening of DAY in New York


#: A self-service family's history once it typed back the code sent to its phone.
CONFIRMED = ["registered", "waiting", "needs_verification", "waiting"]


def _window_end(a: Appointment) -> datetime:
    return datetime.combine(a.date, a.window_end, tzinfo=zone_of(a.port))


def _window_start(a: Appointment) -> datetime:
    return datetime.combine(a.date, a.window_start, tzinfo=zone_of(a.port))


def test_a_run_at_20_02_offers_nothing_before_tomorrows_first_window(
    register, set_capacity, run_allocation
) -> None:
    families = [register(size=1) for _ in range(18)]
    # Capacity today (DAY) and tomorrow at a Central-time and a Pacific-time port.
    set_capacity({"Brownsville": 10, "San Ysidro": 10}, day=DAY)
    set_capacity({"Brownsville": 10, "San Ysidro": 10}, day=DAY + timedelta(days=1))
    set_capacity({"Brownsville": 10, "San Ysidro": 10}, day=DAY + timedelta(days=2))
    run = run_allocation(start=DAY, now=LATE)
    appointments = list(run.appointments.all())
    assert len(appointments) == len(families)
    assert all(a.date > DAY for a in appointments)
    assert all(_window_start(a) > LATE for a in appointments)
    assert all(_window_end(a) > LATE for a in appointments)
    first = min(appointments, key=lambda a: (a.date, a.window_start))
    assert (first.date, first.window_start) == (DAY + timedelta(days=1), time(7, 0))


def test_a_run_in_the_morning_skips_the_windows_already_begun(
    register, set_capacity, run_allocation, program
) -> None:
    for _ in range(4):
        register(size=1, preferred_ports=["San Ysidro"])
    set_capacity({"San Ysidro": 8}, day=DAY)  # 8 windows of one person, 07:00-15:00 Pacific
    moment = at("2023-06-15 11:30")  # 08:30 in San Ysidro: the 07:00 and 08:00 windows began

    def room() -> int:
        plan = selectors.capacity_plan(program, DAY, 1, now=moment)
        (row,) = [r for r in plan.rows if r.port == "San Ysidro"]
        return row.capacity

    assert room() == 6  # only the six windows still ahead, not 8
    run = run_allocation(start=DAY, now=moment)
    starts = sorted(a.window_start for a in run.appointments.all())
    assert starts == [time(9, 0), time(10, 0), time(11, 0), time(12, 0)]
    assert room() == 2  # 13:00 and 14:00 are left


def test_capacity_for_hours_already_over_is_refused(program, supervisor) -> None:
    with pytest.raises(AppointmentError) as err:
        services.capacity_set(
            actor=supervisor, program=program, port="Brownsville", day=DAY, capacity=5, now=LATE
        )
    assert err.value.code == "hours_over"
    assert "15:00" in err.value.message
    # The same day is still open in the morning.
    services.capacity_set(
        actor=supervisor,
        program=program,
        port="Brownsville",
        day=DAY,
        capacity=5,
        now=at("2023-06-15 06:00"),
    )


def test_no_notice_is_sent_again_for_an_ended_window(
    register, set_capacity, run_allocation
) -> None:
    family = register(size=1)
    set_capacity({"San Ysidro": 5})
    run_allocation()
    with pytest.raises(AppointmentError) as err:
        services.notice_resend(actor=None, registration=family, now=at("2023-06-15 23:00"))
    assert err.value.code == "window_over"


def test_close_the_day_works_for_today_once_its_last_window_is_over(
    register, set_capacity, run_allocation, supervisor
) -> None:
    register(size=1, preferred_ports=["Brownsville"])
    set_capacity({"Brownsville": 5})
    run_allocation()
    with pytest.raises(AppointmentError) as err:  # 14:30 in Brownsville: not over
        services.appointments_close_day(actor=supervisor, day=DAY, now=at("2023-06-15 15:30"))
    assert err.value.code == "day_not_over"
    # 15:05 in Brownsville: the last window (14:00-15:00) is over, today can be closed.
    closed = services.appointments_close_day(actor=supervisor, day=DAY, now=at("2023-06-15 16:05"))
    assert len(closed.no_shows) == 1


def _status_on_page(html: str) -> tuple[str, str]:
    found = re.search(r'id="status" data-status="([a-z_]+)">([^<]+)<', html)
    assert found, html[:2000]
    return found.group(1), found.group(2).strip()


def _history_on_page(html: str) -> list[str]:
    return [s.strip() for s in re.findall(r"<strong>[^<]*· ([^<]+)</strong>", html)]


def test_status_moves_waiting_offered_checked_in_closed_processed_the_same_everywhere(
    register,
    set_capacity,
    run_allocation,
    officer,
    make_user,
    client_as,
    bearer_as,
    client,
) -> None:
    family = register(size=2)
    pin = family.pin  # type: ignore[attr-defined]
    supervisor = make_user("supervisor")
    staff = client_as(supervisor)
    api = bearer_as(supervisor)

    def everywhere() -> dict[str, Any]:
        answer = client.get(f"/api/v1/registrations/{family.number}", headers=api)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        family_page = client.post("/registrations/status/", {"number": family.number, "pin": pin})
        detail = staff.get(f"/registrations/staff/{family.number}/")
        listing = staff.get("/registrations/staff/", {"status": body["status"]})
        assert family.number in listing.content.decode()
        return {
            "api": (body["status"], body["status_label"]),
            "family": _status_on_page(family_page.content.decode()),
            "staff": _status_on_page(detail.content.decode()),
            "history": [h["to_status"] for h in body["status_history"]],
            "history_labels": [h["status_label"] for h in body["status_history"]],
            "family_history": _history_on_page(family_page.content.decode()),
        }

    with time_machine.travel(at("2023-06-14 17:00"), tick=False):
        seen = everywhere()
        assert (
            seen["api"]
            == seen["family"]
            == seen["staff"]
            == (
                "waiting",
                "Eligible: waiting for an appointment",
            )
        )
        # The engine's answer, the code sent to the family's phone, typed back (issue 11).
        assert seen["history"] == CONFIRMED
    set_capacity({"San Ysidro": 5})
    run_allocation()
    with time_machine.travel(at("2023-06-14 19:00"), tick=False):
        seen = everywhere()
        assert seen["api"] == seen["family"] == seen["staff"] == ("offered", "Appointment offered")
        assert seen["history"] == [*CONFIRMED, "offered"]
        assert seen["family_history"] == seen["history_labels"]
        body = client.get(f"/api/v1/registrations/{family.number}", headers=api).json()
        assert body["appointment"]["port"] == "San Ysidro"
        assert body["appointment"]["date"] == DAY.isoformat()
    appointment = Appointment.objects.get(registration=family)
    services.appointment_check_in(
        actor=officer, appointment_id=appointment.pk, now=at("2023-06-15 10:20")
    )
    with time_machine.travel(at("2023-06-15 12:00"), tick=False):
        seen = everywhere()
        assert (
            seen["api"]
            == seen["family"]
            == seen["staff"]
            == (
                "checked_in",
                "Checked in at the port",
            )
        )
        assert seen["history"] == [*CONFIRMED, "offered", "checked_in"]
        assert seen["family_history"] == seen["history_labels"]
    # The officer confirms the decision of the encounter the check-in started (through the
    # encounters API): the registration closes as processed, the same everywhere.
    appointment.refresh_from_db()
    confirmed = client.post(
        f"/api/v1/encounters/{appointment.encounter_id}/confirm", headers=bearer_as(officer)
    )
    assert confirmed.status_code == 200, confirmed.content
    with time_machine.travel(at("2023-06-15 13:00"), tick=False):
        seen = everywhere()
        assert (
            seen["api"]
            == seen["family"]
            == seen["staff"]
            == ("closed", "Closed: processed at the port")
        )
        assert seen["history"] == [*CONFIRMED, "offered", "checked_in", "closed"]
        assert seen["family_history"] == seen["history_labels"]
        body = client.get(f"/api/v1/registrations/{family.number}", headers=api).json()
        assert body["closed_reason"] == "processed"
        assert body["status_history"][-1]["closed_reason"] == "processed"
        assert body["status_history"][-1]["reason_code"] == "processed"


def test_no_show_then_back_in_queue_then_closed_out(
    register, set_capacity, run_allocation, supervisor
) -> None:
    family = register(size=1)
    set_capacity({"San Ysidro": 5})
    set_capacity({"San Ysidro": 5}, day=DAY + timedelta(days=1))
    run_allocation()
    services.appointments_close_day(actor=supervisor, day=DAY, now=at("2023-06-16 01:00"))
    family.refresh_from_db()
    assert family.status == "waiting"
    assert [c.to_status for c in family.status_changes.order_by("at", "id")][-2:] == [
        "no_show",
        "waiting",
    ]


def test_the_runs_page_counts_the_same_waiting_families_as_the_list(
    register, set_capacity, run_allocation, supervisor, client_as, program
) -> None:
    for _ in range(3):
        register(size=1)
    staff = client_as(supervisor)
    with time_machine.travel(at("2023-06-14 17:00"), tick=False):
        page = staff.get("/appointments/runs/", {"program": program.code}).content.decode()
        assert "3 families are waiting for an appointment" in page
        # The count links to the same families in the registrations list.
        link = re.search(r'href="([^"]+)" id="waiting-count"', page).group(1).replace("&amp;", "&")
        assert "3 registrations." in staff.get(link).content.decode()
        listing = staff.get("/registrations/staff/", {"status": "waiting"}).content.decode()
        assert "3 registrations." in listing
        assert (
            selectors.families_waiting(program)
            == Registration.objects.filter(status="waiting").count()
        )
    set_capacity({"San Ysidro": 2})
    run_allocation()
    with time_machine.travel(at("2023-06-14 19:00"), tick=False):
        page = staff.get("/appointments/runs/", {"program": program.code}).content.decode()
        assert "1 family is waiting for an appointment" in page
        listing = staff.get("/registrations/staff/", {"status": "waiting"}).content.decode()
        assert "1 registration." in listing
        counts = staff.get("/registrations/staff/").content.decode()
        assert re.search(r'href="\?status=offered" data-status="offered">[^<]+<span', counts)


def test_a_run_queued_through_the_api_at_20_00_offers_nothing_before_tomorrow(
    register, set_capacity, supervisor, bearer_as, client, settings, program
) -> None:
    """Issue 10, "Done when": through the API and pages, a run queued at 20:00 local time
    (San Ysidro, Pacific) offers nothing earlier than tomorrow's first window."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    families = [register(size=1, preferred_ports=["San Ysidro"]) for _ in range(4)]
    set_capacity({"San Ysidro": 8}, day=DAY)
    set_capacity({"San Ysidro": 8}, day=DAY + timedelta(days=1))
    api = bearer_as(supervisor)
    evening = datetime(2023, 6, 15, 20, 0, tzinfo=zone_of("San Ysidro"))
    with time_machine.travel(evening, tick=False):
        queued = client.post(
            "/api/v1/appointments/runs",
            {"program": program.code, "start": DAY.isoformat(), "seed": 11},
            content_type="application/json",
            headers=api,
        )
        assert queued.status_code == 202, queued.content
        today = client.get("/api/v1/appointments", {"date": DAY.isoformat()}, headers=api)
        tomorrow = client.get(
            "/api/v1/appointments", {"date": (DAY + timedelta(days=1)).isoformat()}, headers=api
        )
        assert today.json() == []
        windows = sorted(a["window_start"] for a in tomorrow.json())
        assert len(windows) == len(families) and windows[0] == "07:00:00"
        # The family's status page shows the same day and window.
        first = Appointment.objects.get(window_start=time(7, 0)).registration
        pin = next(f.pin for f in families if f.pk == first.pk)  # type: ignore[attr-defined]
        page = client.post("/registrations/status/", {"number": first.number, "pin": pin})
        html = page.content.decode()
        assert (DAY + timedelta(days=1)).isoformat() in html and "07:00" in html
        assert all(_window_end(a) > evening for a in Appointment.objects.all())
