"""Issue 11, finding 2 (one client took the queue): the signals gate by default. A shared
phone, the same person in two registrations and a burst hold their families out of
allocation until a person reviews them; a held family is never rejected, stays in a review
queue (a supervisor's, and its own organisation's caseworkers'), and joins the next run once
a person releases it.

Before this change only a burst held (``ASILO_HOLDING_KINDS`` had to name the others): the
families behind one phone and the duplicates were allocated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from asilo.web.registrations import selectors, services
from asilo.web.registrations.fraud import held_registrations, holding_kinds
from asilo.web.registrations.models import Registration, ReviewTask, TaskKind

pytestmark = pytest.mark.django_db
SHARED_PHONE = "+52 664 555 7000"


def _booked(run: Any) -> set[str]:
    return set(run.appointments.values_list("registration__number", flat=True))


def _held() -> set[str]:
    return set(
        Registration.objects.filter(id__in=held_registrations()).values_list("number", flat=True)
    )


def test_every_signal_holds_by_default() -> None:
    # Issue 14 adds a family registered again (identity resolution), holding by default too;
    # issue 11 many self-service registrations from one device or one network.
    assert set(holding_kinds()) == {
        "burst",
        "shared_phone",
        "shared_place",
        "duplicate_person",
        "duplicate_family",
        "shared_device",
        "shared_network",
    }


def test_families_behind_one_phone_are_held_until_a_supervisor_releases_them(
    register: Callable[..., Any],
    set_capacity: Callable[..., None],
    run_allocation: Callable[..., Any],
    supervisor: Any,
) -> None:
    alone = register(size=1)
    sharing = [register(size=1, phone=SHARED_PHONE) for _ in range(5)]
    numbers = {r.number for r in sharing}
    set_capacity({"San Ysidro": 50})
    first = run_allocation(seed=1)
    assert _booked(first) == {alone.number}  # room for all: the five are held, not rejected
    assert _held() == numbers
    assert all(r.status == "waiting" for r in Registration.objects.filter(number__in=numbers))
    # The supervisor's review queue shows them, in one shared-phone task.
    (task,) = selectors.review_tasks_for(supervisor, kind=TaskKind.SHARED_PHONE)
    assert {r.number for r in task.registrations.all()} == numbers
    services.review_task_close(actor=supervisor, task_id=task.pk, outcome="no_abuse")
    assert _held() == set()
    second = run_allocation(seed=2)
    assert _booked(second) == numbers


def test_the_same_person_twice_is_held_and_the_copy_closed_on_review(
    register: Callable[..., Any],
    set_capacity: Callable[..., None],
    run_allocation: Callable[..., Any],
    supervisor: Any,
) -> None:
    person = {
        "given_names": "María José",
        "surnames": "López Hernández",
        "date_of_birth": "1990-11-03",
        "sex": "female",
        "nationality": "HND",
    }
    first = register(size=1, members=[person], phone="+52 55 1234 0001")
    copy = register(
        size=1,
        members=[{**person, "given_names": "MARIA JOSE", "surnames": "Lopes Hernandez"}],
        phone="+52 55 1234 0002",
    )
    set_capacity({"San Ysidro": 50})
    assert _booked(run_allocation(seed=1)) == set()
    assert _held() == {first.number, copy.number}
    (task,) = ReviewTask.objects.filter(kind=TaskKind.DUPLICATE_PERSON)
    assert task in selectors.review_tasks_for(supervisor, kind=TaskKind.DUPLICATE_PERSON)
    services.review_task_close(
        actor=supervisor, task_id=task.pk, outcome="confirmed_duplicate", note="same passport"
    )
    copy.refresh_from_db()
    assert copy.status == "closed" and copy.closed_reason == "duplicate"
    assert _booked(run_allocation(seed=2)) == {first.number}


def test_a_held_family_is_in_its_own_organisations_queue_only(
    programs_and_caseworkers: tuple[Any, Any],
    submit_assisted: Callable[..., Any],
) -> None:
    ours, theirs = programs_and_caseworkers
    held = [submit_assisted(ours, k) for k in range(5)]
    tasks = list(selectors.review_tasks_for(ours, kind=TaskKind.SHARED_PHONE))
    assert len(tasks) == 1
    assert {r.pk for r in tasks[0].registrations.all()} == {r.pk for r in held}
    assert list(selectors.review_tasks_for(theirs, kind=TaskKind.SHARED_PHONE)) == []


@pytest.fixture
def programs_and_caseworkers(program: Any, make_user: Callable[..., Any]) -> tuple[Any, Any]:
    return (
        make_user("caseworker", organisation="Casa del Migrante (test)"),
        make_user("caseworker", organisation="Otra Organización (test)"),
    )


@pytest.fixture
def submit_assisted() -> Callable[..., Any]:
    from appointment_helpers import at, distinct, family_doc

    def run(caseworker: Any, k: int) -> Any:
        doc = distinct(family_doc(1), k + 1)
        doc["phone"] = SHARED_PHONE
        return services.registration_submit(
            actor=caseworker, data=doc, source="x", now=at("2023-06-01 10:00")
        ).registration

    return run
