"""The fairness report: outcomes and waiting time by nationality, family size, channel and
tier — aggregates only, small groups suppressed."""

from __future__ import annotations

from appointment_helpers import DAY

from asilo.web.appointments import selectors
from asilo.web.appointments.models import Appointment


def _cell(report, dimension: str, group: str):
    return next(c for c in report[dimension] if c.group == group)


def test_outcomes_and_waiting_by_group(register, set_capacity, run_allocation, program, settings):
    early = [register(size=1, registered="2023-05-01 09:00") for _ in range(3)]
    for _ in range(2):
        register(size=4, registered="2023-06-01 09:00")
    set_capacity({"San Ysidro": 3})  # room for the three single adults only
    run_allocation()
    assert set(Appointment.objects.values_list("registration", flat=True)) == {r.pk for r in early}
    report = selectors.fairness_report(program)
    assert set(report) == {"nationality", "family_size", "channel", "tier"}
    singles = _cell(report, "family_size", "1")
    assert (singles.registrations, singles.allocated, singles.allocated_share) == (3, 3, 1.0)
    assert singles.median_wait_days == (DAY - early[0].registered_on.date()).days == 45
    large = _cell(report, "family_size", "3-4")
    assert (large.registrations, large.allocated, large.median_wait_days) == (2, 0, None)
    haiti = _cell(report, "nationality", "HTI")
    assert (haiti.registrations, haiti.allocated) == (5, 3)
    assert _cell(report, "channel", "self_service").registrations == 5
    assert _cell(report, "tier", "2").registrations == 5
    # Groups below the threshold show nothing but that they are small.
    settings.ASILO_FAIRNESS_MIN_CELL = 3
    report = selectors.fairness_report(program)
    large = _cell(report, "family_size", "3-4")
    assert large.suppressed and large.allocated_share is None and large.allocated == 0
    assert not _cell(report, "family_size", "1").suppressed
