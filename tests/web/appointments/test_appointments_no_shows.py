"""No-shows return to the queue once with their original priority; a second does not. The
family can cancel or ask for another date (once)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from appointment_helpers import DAY, NOW, at

from asilo.web.appointments import selectors, services
from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.models import Appointment, AppointmentStatus, OutboxMessage

AFTER_DAY_1 = at("2023-06-16 01:00")
DAY2 = DAY + timedelta(days=1)
AFTER_DAY_2 = at("2023-06-17 01:00")


def test_no_show_returns_once_with_original_priority(
    register, set_capacity, run_allocation, supervisor, program
) -> None:
    family = register(size=2, registered="2023-05-20 08:00")
    set_capacity({"San Ysidro": 5})
    set_capacity({"San Ysidro": 5}, day=DAY2)
    set_capacity({"San Ysidro": 5}, day=DAY2 + timedelta(days=1))
    run_allocation()
    # Issue 10: today can be closed once its last window is over, in the port's time zone:
    # San Ysidro's 15:00 (Pacific) is 18:00 in New York.
    with pytest.raises(AppointmentError) as err:
        services.appointments_close_day(actor=supervisor, day=DAY, now=at("2023-06-15 17:30"))
    assert err.value.code == "day_not_over"
    closed = services.appointments_close_day(actor=supervisor, day=DAY, now=AFTER_DAY_1)
    assert closed.back_in_queue == 1 and len(closed.no_shows) == 1
    assert Appointment.objects.get(pk=closed.no_shows[0]).status == AppointmentStatus.NO_SHOW
    assert OutboxMessage.objects.filter(kind="no_show", registration=family).exists()
    # Back in the queue with the date it first registered on.
    families, _ = selectors.queued_families(program, program.ports)
    (queued,) = families
    assert queued.registration_id == family.number
    assert queued.registered_on.isoformat() == "2023-05-20"
    second_run = services.allocation_run(
        actor=supervisor, program=program, start=DAY2, seed=5, now=AFTER_DAY_1
    )
    assert second_run.appointments.get().registration_id == family.pk
    closed = services.appointments_close_day(actor=supervisor, day=DAY2, now=AFTER_DAY_2)
    assert closed.back_in_queue == 0
    assert selectors.allocation_queue(program).count() == 0
    third_run = services.allocation_run(
        actor=supervisor,
        program=program,
        start=DAY2 + timedelta(days=1),
        seed=5,
        now=AFTER_DAY_2,
    )
    assert third_run.registrations_count == 0 and third_run.allocated_count == 0
    assert Appointment.objects.filter(registration=family).count() == 2


def test_checked_in_family_is_not_a_no_show(register, set_capacity, run_allocation, officer):
    family = register(size=1)
    other = register(size=1)
    set_capacity({"San Ysidro": 5})
    run_allocation()
    mine = Appointment.objects.get(registration=family)
    services.appointment_check_in(actor=officer, appointment_id=mine.pk, now=at("2023-06-15 10:00"))
    closed = services.appointments_close_day(actor=None, day=DAY, now=AFTER_DAY_1)
    assert closed.no_shows == [Appointment.objects.get(registration=other).pk]
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.CHECKED_IN


def test_cancel_leaves_the_queue(register, set_capacity, run_allocation, program) -> None:
    family = register()
    set_capacity({"San Ysidro": 5})
    run_allocation()
    services.appointment_change(actor=None, registration=family, action="cancel", now=NOW)
    assert Appointment.objects.get(registration=family).status == AppointmentStatus.CANCELLED
    assert selectors.allocation_queue(program).count() == 0
    with pytest.raises(AppointmentError) as err:
        services.appointment_change(actor=None, registration=family, action="cancel", now=NOW)
    assert err.value.code == "no_booked_appointment"


def test_another_date_once(register, set_capacity, run_allocation, program) -> None:
    family = register()
    set_capacity({"San Ysidro": 5})
    set_capacity({"San Ysidro": 5}, day=DAY2)
    run_allocation()
    services.appointment_change(actor=None, registration=family, action="another_date", now=NOW)
    assert selectors.allocation_queue(program).get() == family
    run_allocation(seed=11)
    with pytest.raises(AppointmentError) as err:
        services.appointment_change(actor=None, registration=family, action="another_date", now=NOW)
    assert err.value.code == "reschedule_used"
    with pytest.raises(AppointmentError) as err:
        services.appointment_change(actor=None, registration=family, action="later", now=NOW)
    assert err.value.code == "action_invalid"


def test_too_late_to_change(register, set_capacity, run_allocation) -> None:
    family = register()
    set_capacity({"San Ysidro": 5})
    run_allocation()
    with pytest.raises(AppointmentError) as err:
        services.appointment_change(
            actor=None, registration=family, action="cancel", now=AFTER_DAY_1
        )
    assert err.value.code == "too_late_to_change"
