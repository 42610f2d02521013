"""The status page of a family still waiting shows the expected window of its appointment (from
the queue ahead and the capacities), in the family's language; a family with a booked
appointment sees the appointment instead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone
from registration_helpers import PORTS, at, distinct

from asilo.web.registrations.models import Status

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not apps.is_installed("asilo.web.appointments"),
        reason="the appointments app is not installed",
    ),
]


@pytest.fixture(autouse=True)
def replay_june_2023(programs: dict[str, Any]) -> None:
    """The 2023 process ended in 2025: eligibility is judged as of 1 June 2023."""
    programs[PORTS].rules_as_of = date(2023, 6, 1)
    programs[PORTS].save()


def client_in(language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    return client


def status_page(language: str, submission: Any) -> str:
    res = client_in(language).post(
        "/registrations/status/",
        {"number": submission.registration.number, "pin": submission.pin},
    )
    assert res.status_code == 200
    return str(res.content.decode())


@pytest.fixture
def set_room(programs: dict[str, Any], make_user: Callable[..., Any]) -> Callable[..., None]:
    """``set_room("San Ysidro", [4, 4, 4])``: persons per day from tomorrow on."""
    from asilo.web.appointments import services as appointments

    supervisor = make_user("supervisor")

    def run(port: str, per_day: list[int]) -> None:
        tomorrow = timezone.localdate() + timedelta(days=1)
        for k, persons in enumerate(per_day):
            appointments.capacity_set(
                actor=supervisor,
                program=programs[PORTS],
                port=port,
                day=tomorrow + timedelta(days=k),
                capacity=persons,
            )

    return run


@pytest.fixture
def three_families(family: Callable[..., dict[str, Any]], submit: Callable[..., Any]) -> list[Any]:
    """Three families of 3 (no vulnerability: tier 2), all for San Ysidro only, registered on
    1, 2 and 3 June 2023: that is their longest-waiting order."""
    # Each its own phone, place and dates of birth: families that look alike are held for
    # review (issue 11) and would not be in the queue.
    return [
        submit(
            distinct(family(preferred_ports=["San Ysidro"]), day),
            now=at(f"2023-06-0{day} 10:00"),
        )
        for day in (1, 2, 3)
    ]


def test_a_waiting_family_sees_the_range_of_days_in_its_language(
    three_families: list[Any], set_room: Callable[..., None]
) -> None:
    set_room("San Ysidro", [4, 4, 4])
    set_room("Calexico", [50, 50, 50])  # not one of their ports: never counted
    day = [timezone.localdate() + timedelta(days=k) for k in (1, 2, 3)]
    # The third family, half and half: at best it is drawn at the tier's first lottery place,
    # after the first longest-waiting family (3 persons: 1 left on day 1, too little for 3),
    # so day 2. At worst it comes after both (6 persons: 4 on day 1, 2 on day 2, leaving 2),
    # so day 3.
    text = status_page("es", three_families[2])
    assert 'id="expected"' in text and 'id="appointment"' not in text
    assert f"Entre el {day[1].isoformat()} y el {day[2].isoformat()}." in text
    assert "En uno de estos puertos de entrada: San Ysidro." in text
    assert "Esto es una estimación, no una promesa" in text
    # The first family has no one ahead: day 1 at best and at worst.
    text = status_page("ht", three_families[0])
    assert f"Anviwon {day[0].isoformat()}." in text
    assert "Sa a se yon estimasyon, se pa yon pwomès" in text
    # The second: best, after the first family (day 2); worst, the lottery place before its
    # longest-waiting place goes to the third: 6 persons ahead, day 3.
    text = status_page("en", three_families[1])
    assert f"Between {day[1].isoformat()} and {day[2].isoformat()}." in text
    assert "This is an estimate, not a promise" in text


def test_beyond_the_capacities_the_page_says_not_within_the_horizon(
    three_families: list[Any], set_room: Callable[..., None]
) -> None:
    text = status_page("ht", three_families[0])  # no capacity at all
    assert "Pa nan 60 jou k ap vini yo, dapre plas nou konnen jodi a." in text
    set_room("San Ysidro", [4])
    day_1 = (timezone.localdate() + timedelta(days=1)).isoformat()
    # The second family: at best the first family (3) leaves 1 place on day 1, too little;
    # there is no day 2. At worst, the same.
    assert "Pa nan 60 jou k ap vini yo" in status_page("ht", three_families[1])
    assert f"Anviwon {day_1}." in status_page("ht", three_families[0])
    set_room("San Ysidro", [4, 3])
    # Third family: best after the first (day 2 keeps 3), worst after both (6: day 1 4,
    # day 2 2, 1 left): not within the capacities known.
    text = status_page("en", three_families[2])
    day_2 = (timezone.localdate() + timedelta(days=2)).isoformat()
    assert f"From {day_2}, perhaps later than the next 60 days." in text


def test_a_family_with_a_booked_appointment_sees_it_instead(
    three_families: list[Any], set_room: Callable[..., None], programs: dict[str, Any]
) -> None:
    from asilo.web.appointments import services as appointments

    set_room("San Ysidro", [3])
    tomorrow = timezone.localdate() + timedelta(days=1)
    appointments.allocation_run(actor=None, program=programs[PORTS], start=tomorrow, seed=7)
    texts = [status_page("es", s) for s in three_families]
    booked = [t for t in texts if 'id="appointment"' in t]
    waiting = [t for t in texts if 'id="expected"' in t]
    assert len(booked) == 1 and len(waiting) == 2  # 3 places: one family of 3
    assert 'id="expected"' not in booked[0]
    assert tomorrow.isoformat() in booked[0] and "Toda la familia viene junta." in booked[0]
    # The two still waiting: the room of tomorrow is taken, and nothing comes after it.
    for text in waiting:
        assert "No en los próximos 60 días" in text


def test_a_family_not_in_the_queue_sees_no_window(
    three_families: list[Any], set_room: Callable[..., None]
) -> None:
    from asilo.web.appointments.selectors import expected_window

    set_room("San Ysidro", [4, 4, 4])
    registration = three_families[0].registration
    assert expected_window(registration) is not None
    registration.status = Status.NOT_ELIGIBLE
    registration.save(update_fields=["status"])
    assert expected_window(registration) is None
    assert 'id="expected"' not in status_page("en", three_families[0])
