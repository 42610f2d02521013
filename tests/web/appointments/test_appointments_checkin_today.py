"""Issue 8: a family booked for today can be checked in today. Check-in starts the family's
encounter, which the policy engine now decides for today's date (by the rules last in force,
flagged as not verified after the catalogue's date) instead of refusing it as outside the
catalogue."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from asilo.policy import load_catalogue
from asilo.policy.catalogue import EASTERN, today_eastern
from asilo.web.appointments import services
from asilo.web.appointments.models import Appointment, AppointmentStatus
from asilo.web.encounters.models import Encounter


def test_a_family_booked_today_is_checked_in_today(
    register, set_capacity, run_allocation, officer
) -> None:
    today = today_eastern()
    registration = register(size=3)
    set_capacity({"San Ysidro": 10}, day=today)
    run_allocation(
        start=today, now=datetime.combine(today - timedelta(days=1), time(18, 0), EASTERN)
    )
    appointment = Appointment.objects.get(registration=registration)
    assert appointment.date == today
    at_port = datetime.combine(today, appointment.window_start, EASTERN) + timedelta(minutes=10)
    done = services.appointment_check_in(actor=officer, appointment_id=appointment.pk, now=at_port)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    encounter = Encounter.objects.get(pk=done.encounter.pk)
    assert encounter.encounter_date == today
    result = encounter.decision.result
    assert result["authority"] == "title_8"
    assert "after_verified_coverage" in result["flags"]
    assert result["catalogue_verified_through"] == load_catalogue().verified_through.isoformat()
