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


def test_family_sizes_in_order_and_nationalities_by_name(
    register, program, client_as, make_user
) -> None:
    """Issue 10: sizes were ordered "3-4, 1, 2, 5+" (by count) and nationalities were codes."""
    import re

    for size in (4, 4, 4, 1, 2, 5):
        register(size=min(size, 3)) if size < 5 else register(size=5)
    register(size=4)
    report = selectors.fairness_report(program)
    assert [c.group for c in report["family_size"]] == ["1", "2", "3-4", "5+"]
    analyst = client_as(make_user("analyst"))
    analyst.cookies["django_language"] = "es"
    html = analyst.get("/appointments/fairness/", {"program": program.code}).content.decode()
    sizes = re.search(r'data-dimension="family_size">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'data-group="([^"]+)"', sizes) == ["1", "2", "3-4", "5+"]
    assert "3–4" in sizes
    assert "Haití (HTI)" in html
