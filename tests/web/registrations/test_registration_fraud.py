"""Duplicate and abuse signals: each opens a review task; no registration is rejected."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from registration_helpers import at, distinct

from asilo.web.registrations import services
from asilo.web.registrations.assignment import registration_assign
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.fraud import held_registrations, name_score, normalise_name
from asilo.web.registrations.models import (
    Registration,
    ReviewTask,
    Status,
    TaskKind,
    TaskState,
)

pytestmark = pytest.mark.django_db


def tasks(kind: str) -> list[ReviewTask]:
    return list(ReviewTask.objects.filter(kind=kind).order_by("id"))


def held() -> set[str]:
    return set(
        Registration.objects.filter(id__in=held_registrations()).values_list("number", flat=True)
    )


def one_person(given: str, surnames: str, born: str, **changes: Any) -> dict[str, Any]:
    return {
        "members": [
            {
                "given_names": given,
                "surnames": surnames,
                "date_of_birth": born,
                "sex": "female",
                "nationality": "HND",
            }
        ],
        **changes,
    }


def test_names_are_compared_without_accents_case_or_punctuation() -> None:
    assert normalise_name("  María-José LÓPEZ ") == "maria jose lopez"
    assert name_score("María José López", "Maria Jose Lopes") >= 90
    assert name_score("María José López", "Ana Martínez") < 60


def test_the_same_person_in_two_registrations_opens_one_task(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    first = submit(family(**one_person("María José", "López Hernández", "1990-11-03"))).registration
    # Typo (Lopes), no accents, different case, another phone, another day.
    second = submit(
        family(
            **one_person("MARIA JOSE", "Lopes Hernandez", "1990-11-03", phone="+52 55 1234 9876")
        ),
        now=at("2023-06-05 12:00"),
    ).registration
    duplicate = tasks(TaskKind.DUPLICATE_PERSON)
    assert len(duplicate) == 1
    assert {r.pk for r in duplicate[0].registrations.all()} == {first.pk, second.pk}
    assert duplicate[0].detail["name_score"] >= 85
    # Nothing rejected: both wait in the queue with their own status.
    assert {first.status, second.status} == {Status.WAITING}


def test_same_name_with_another_date_of_birth_is_not_a_duplicate(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    submit(family(**one_person("María José", "López", "1990-11-03")))
    submit(family(**one_person("María José", "López", "1990-11-04", phone="+52 55 0000 1111")))
    submit(family(**one_person("Ana", "Martínez", "1990-11-03", phone="+52 55 0000 2222")))
    assert tasks(TaskKind.DUPLICATE_PERSON) == []


def test_one_phone_behind_many_registrations_opens_a_task_at_the_threshold(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any], settings: Any
) -> None:
    settings.ASILO_SHARED_PHONE_THRESHOLD = 3
    made = []
    for index in range(4):
        doc = family(
            **one_person(f"Persona{'abcd'[index]}", "Uno", f"198{index}-01-01"),
            phone="+52 (664) 700-0000" if index % 2 == 0 else "",
            whatsapp="" if index % 2 == 0 else "526647000000",
        )
        made.append(submit(doc, source=f"198.51.100.{index}").registration)
        expected = 0 if index < 2 else 1
        assert len(tasks(TaskKind.SHARED_PHONE)) == expected
    task = tasks(TaskKind.SHARED_PHONE)[0]
    # The same phone written two ways (with +, spaces, brackets; as WhatsApp) is one number.
    assert {r.pk for r in task.registrations.all()} == {r.pk for r in made}
    assert task.detail["registrations"] == 3  # as seen when the task opened
    assert Registration.objects.filter(status=Status.WAITING).count() == 4


def test_one_address_behind_many_registrations_opens_a_task(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any], settings: Any
) -> None:
    settings.ASILO_SHARED_PLACE_THRESHOLD = 2
    submit(family(waiting_place="Calle Ocho 12, Col. Centro", phone="+52 664 000 0001"))
    assert tasks(TaskKind.SHARED_PLACE) == []
    submit(family(waiting_place="calle ocho 12 col centro", phone="+52 664 000 0002"))
    assert len(tasks(TaskKind.SHARED_PLACE)) == 1


def test_a_burst_from_one_caseworker_opens_a_task_and_a_slow_pace_does_not(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
    settings: Any,
) -> None:
    settings.ASILO_BURST_THRESHOLD = 5
    settings.ASILO_BURST_WINDOW_MINUTES = 10
    steady = make_user("caseworker", organisation="Albergue Juventud 2000")
    start = at("2023-06-01 09:00")
    for index in range(6):  # one every 15 minutes: never 5 within 10 minutes
        submit(
            family(phone=f"+52 664 111 00{index:02d}"),
            actor=steady,
            now=start + timedelta(minutes=15 * index),
        )
    assert tasks(TaskKind.BURST) == []
    hurried = make_user("caseworker", organisation="Albergue Juventud 2000")
    for index in range(6):  # one a minute
        submit(
            family(phone=f"+52 664 222 00{index:02d}"),
            actor=hurried,
            now=start + timedelta(minutes=index),
        )
    burst = tasks(TaskKind.BURST)
    assert len(burst) == 1
    assert burst[0].registrations.count() == 6
    assert burst[0].detail["caseworker_id"] == hurried.pk
    assert Registration.objects.filter(created_by=hurried, status=Status.WAITING).count() == 6


def test_a_burst_from_one_address_on_the_self_service_channel(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any], settings: Any
) -> None:
    settings.ASILO_BURST_THRESHOLD = 3
    for index in range(3):
        submit(family(phone=f"+52 664 333 00{index:02d}"), source="203.0.113.7")
    submit(family(phone="+52 664 333 0099"), source="203.0.113.8")
    burst = tasks(TaskKind.BURST)
    assert len(burst) == 1 and burst[0].registrations.count() == 3


def test_a_family_released_after_a_burst_is_not_held_again_by_the_same_burst(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
    settings: Any,
) -> None:
    """A supervisor who found no abuse in a burst releases its families for good: the next
    registration from the same address (the burst signal running again, within the window)
    does not hold them again. Newcomers are counted on their own, and other signals (a shared
    phone) still hold a released family."""
    settings.ASILO_BURST_THRESHOLD = 3
    settings.ASILO_SHARED_PHONE_THRESHOLD = 2
    start = at("2023-06-01 10:00")
    first = [
        submit(
            distinct(family(), 1 + index),
            source="203.0.113.7",
            now=start + timedelta(minutes=index),
        ).registration
        for index in range(3)
    ]
    (burst,) = tasks(TaskKind.BURST)
    assert held() == {r.number for r in first}
    services.review_task_close(actor=make_user("supervisor"), task_id=burst.pk, outcome="no_abuse")
    assert held() == set()
    # The burst signal runs again for a fourth family from the same address, in the window.
    fourth = submit(
        distinct(family(), 4), source="203.0.113.7", now=start + timedelta(minutes=4)
    ).registration
    assert held() == set()
    assert ReviewTask.objects.filter(kind=TaskKind.BURST, state=TaskState.OPEN).count() == 0
    # New families from that address make a burst of their own, without the released ones.
    newer = [
        submit(
            distinct(family(), 5 + index),
            source="203.0.113.7",
            now=start + timedelta(minutes=5 + index),
        ).registration
        for index in range(2)
    ]
    (again,) = ReviewTask.objects.filter(kind=TaskKind.BURST, state=TaskState.OPEN)
    assert {r.number for r in again.registrations.all()} == {fourth.number} | {
        r.number for r in newer
    }
    assert held() == {fourth.number} | {r.number for r in newer}
    # Another signal still holds a released family: a newcomer shares its phone.
    sharing = {**distinct(family(), 7), "phone": first[0].contact_phone}
    submit(sharing, source="198.51.100.77", now=start + timedelta(hours=1))
    (shared,) = tasks(TaskKind.SHARED_PHONE)
    assert first[0].number in {r.number for r in shared.registrations.all()}
    assert first[0].number in held()
    assert first[1].number not in held()


def test_a_caseworker_closes_a_duplicate_task_with_an_outcome_and_a_note(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    submit(family(**one_person("Ana", "Chuc", "2001-01-01")), actor=caseworker)
    submit(family(**one_person("Ana", "Chuc", "2001-01-01")), actor=caseworker)
    task = tasks(TaskKind.DUPLICATE_PERSON)[0]
    with pytest.raises(RegistrationError) as caught:
        services.review_task_close(actor=caseworker, task_id=task.pk, outcome="verified")
    assert caught.value.code == "outcome_invalid"
    with pytest.raises(RegistrationError) as caught:
        services.review_task_close(actor=caseworker, task_id=task.pk, outcome="confirmed_duplicate")
    assert caught.value.code == "note_required"
    other = make_user("caseworker", organisation="Another shelter")
    with pytest.raises(RegistrationError) as caught:
        services.review_task_close(actor=other, task_id=task.pk, outcome="not_a_duplicate")
    assert caught.value.code == "task_not_found"
    services.review_task_close(
        actor=caseworker, task_id=task.pk, outcome="confirmed_duplicate", note="same family"
    )
    task.refresh_from_db()
    assert task.state == TaskState.CLOSED and task.closed_by == caseworker
    with pytest.raises(RegistrationError) as caught:
        services.review_task_close(actor=caseworker, task_id=task.pk, outcome="not_a_duplicate")
    assert caught.value.code == "task_closed"


def test_verifying_the_callback_marks_the_family_verified(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    registration = submit(family()).registration  # self-service: no organisation yet
    callback = registration.review_tasks.get(kind=TaskKind.CALLBACK)
    with pytest.raises(RegistrationError):
        services.review_task_close(actor=caseworker, task_id=callback.pk, outcome="verified")
    # A supervisor assigns the family (a caseworker never takes one, issue 11).
    registration_assign(
        actor=make_user("supervisor"),
        number=registration.number,
        organisation_id=caseworker.organisation_id,
    )
    services.review_task_close(actor=caseworker, task_id=callback.pk, outcome="verified")
    registration.refresh_from_db()
    assert registration.verified_by == caseworker
    assert registration.organisation == caseworker.organisation


def test_flagging_a_vulnerability_raises_the_priority_and_opens_a_task(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    registration = submit(family(), actor=caseworker).registration
    assert registration.tier == 2
    services.registration_flag_vulnerability(
        actor=caseworker, registration=registration, vulnerability="medical_emergency", note="x"
    )
    registration.refresh_from_db()
    assert registration.tier == 0 and registration.vulnerabilities == ["medical_emergency"]
    assert registration.review_tasks.filter(kind=TaskKind.VULNERABILITY).count() == 1
    with pytest.raises(RegistrationError) as caught:
        services.registration_flag_vulnerability(
            actor=caseworker, registration=registration, vulnerability="rich", note="x"
        )
    assert caught.value.code == "vulnerability_invalid"


def test_a_caseworker_can_mark_a_suspected_duplicate(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    one = submit(family(), actor=caseworker).registration
    two = submit(family(**one_person("Otra", "Persona", "1970-01-01")), actor=caseworker)
    task = services.registration_mark_duplicate(
        actor=caseworker, registration=one, other_number=two.registration.number, note="same"
    )
    assert task.kind == TaskKind.DUPLICATE_PERSON
    assert task.registrations.count() == 2
    with pytest.raises(RegistrationError) as caught:
        services.registration_mark_duplicate(
            actor=caseworker, registration=one, other_number="R-0000-0000", note="x"
        )
    assert caught.value.code == "registration_not_found"


@pytest.mark.parametrize("shared", ["phone", "place"])
def test_families_released_from_a_shared_contact_are_not_held_again_by_it(
    shared: str,
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
    settings: Any,
) -> None:
    """A shelter's phone or address stays shared after a supervisor found no abuse behind it:
    the next family giving it does not hold the released families again. It used to: the
    signal counted every open registration behind the phone and put them all in a new task.
    Newcomers behind it are counted on their own."""
    # The signal under test holds from two families; the other one not at all.
    settings.ASILO_SHARED_PHONE_THRESHOLD = 2 if shared == "phone" else 100
    settings.ASILO_SHARED_PLACE_THRESHOLD = 2 if shared == "place" else 100
    kind = TaskKind.SHARED_PHONE if shared == "phone" else TaskKind.SHARED_PLACE
    common = (
        {"phone": "+52 664 555 0199"}
        if shared == "phone"
        else {"waiting_place": "Casa del Migrante"}
    )
    start = at("2023-06-01 10:00")

    def register(index: int) -> Any:
        data = {**distinct(family(), index), **common}
        # Each from its own network: no other signal holds them.
        return submit(
            data, source=f"198.51.100.{index}", now=start + timedelta(hours=index)
        ).registration

    first = [register(1), register(2)]
    (task,) = tasks(kind)
    assert held() >= {r.number for r in first}
    services.review_task_close(actor=make_user("supervisor"), task_id=task.pk, outcome="no_abuse")
    assert held() & {r.number for r in first} == set()
    third = register(3)
    assert ReviewTask.objects.filter(kind=kind, state=TaskState.OPEN).count() == 0
    assert held() & {r.number for r in [*first, third]} == set()
    fourth = register(4)
    (again,) = ReviewTask.objects.filter(kind=kind, state=TaskState.OPEN)
    assert {r.number for r in again.registrations.all()} == {third.number, fourth.number}
    assert held() & {r.number for r in first} == set()
