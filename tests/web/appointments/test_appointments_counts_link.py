"""Issue 10: every count on the appointments pages links to the list behind it, and that list
holds exactly what the count says."""

from __future__ import annotations

import html
import re

import pytest
import time_machine
from appointment_helpers import DAY, at

from asilo.web.appointments import services
from asilo.web.appointments.models import Appointment

pytestmark = pytest.mark.django_db

DAY_TEXT = DAY.isoformat()


@pytest.fixture
def day_with_families(register, set_capacity, run_allocation, officer) -> list[Appointment]:
    for size in (1, 2, 3):
        register(size=size, preferred_ports=["San Ysidro"])
    set_capacity({"San Ysidro": 10})
    run_allocation()
    appointments = list(Appointment.objects.order_by("priority_rank"))
    services.appointment_check_in(
        actor=officer, appointment_id=appointments[0].pk, now=at("2023-06-15 10:20")
    )
    return appointments


def _cells(page: str, row_start: str) -> list[str]:
    row = page[page.index(row_start) :]
    row = row[: row.index("</tr>")]
    return re.findall(r"<td>(.*?)</td>", row, flags=re.S)


def _link(cell: str) -> tuple[str, str]:
    found = re.fullmatch(r'<a href="([^"]+)">([^<]+)</a>', cell.strip())
    assert found, f"not a link: {cell}"
    return html.unescape(found.group(1)), found.group(2)


def _families_listed(page: str) -> list[str]:
    listed = page[page.index('id="families"') :]
    return re.findall(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", listed)


def test_every_count_of_the_day_links_to_exactly_its_families(
    day_with_families, supervisor, client_as
) -> None:
    staff = client_as(supervisor)
    with time_machine.travel(at("2023-06-15 12:00"), tick=False):
        page = staff.get("/appointments/day/", {"date": DAY_TEXT}).content.decode()
        cells = _cells(page, "<tbody><tr>")
        links = [_link(c) for c in cells]  # every cell, the port and each count, is a link
        expected = {
            "": 3,  # families
            "booked": 2,
            "checked_in": 1,
            "no_show": 0,
            "cancelled": 0,
            "rescheduled": 0,
        }
        for href, text in links[1:]:
            status = re.search(r"status=([a-z_]+)", href)
            target = staff.get("/appointments/day/" + href.split("#")[0])
            assert target.status_code == 200
            listed = _families_listed(target.content.decode())
            key = status.group(1) if status else ""
            assert len(listed) == expected[key], (href, listed)
            if status:
                assert int(text) == expected[key]


def test_the_capacities_counts_link_to_the_day_list(
    day_with_families, supervisor, client_as, program
) -> None:
    staff = client_as(supervisor)
    with time_machine.travel(at("2023-06-15 08:00"), tick=False):
        page = staff.get(
            "/appointments/capacities/", {"program": program.code, "start": DAY_TEXT}
        ).content.decode()
        cells = _cells(page, f"<tr><td>{DAY_TEXT}</td><td>San Ysidro</td>")
        booked_href, booked = _link(cells[3])
        checked_href, checked = _link(cells[4])
        _link(cells[5])  # no-shows
        # Persons: the checked-in family's, and the two booked families'.
        checked_in = day_with_families[0].family_size
        assert (int(booked), int(checked)) == (6 - checked_in, checked_in)
        booked_page = staff.get(booked_href.split("#")[0]).content.decode()
        booked_numbers = _families_listed(booked_page)
        persons = sum(
            a.family_size
            for a in Appointment.objects.filter(registration__number__in=booked_numbers)
        )
        assert persons == 6 - checked_in and "status=booked" in booked_href
        assert len(_families_listed(staff.get(checked_href.split("#")[0]).content.decode())) == 1


def test_the_runs_counts_link_to_the_runs_appointments(
    day_with_families, supervisor, client_as, program
) -> None:
    staff = client_as(supervisor)
    page = staff.get("/appointments/runs/", {"program": program.code}).content.decode()
    run = day_with_families[0].run
    assert f'href="/appointments/runs/{run.pk}/#appointments">3</a>' in page
    detail = staff.get(f"/appointments/runs/{run.pk}/").content.decode()
    assert '<a href="#appointments">3 (6' in detail and 'id="appointments"' in detail


def test_an_unknown_status_on_the_day_page_is_refused_by_name(
    day_with_families, supervisor, client_as
) -> None:
    staff = client_as(supervisor)
    answer = staff.get(
        "/appointments/day/", {"date": DAY_TEXT, "port": "San Ysidro", "status": "gone"}
    )
    assert answer.status_code == 400
    assert "There is no appointment status &quot;gone&quot;." in answer.content.decode()
