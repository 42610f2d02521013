"""What one self-service registration costs does not grow with the registrations stored
(issue 13: the registration benchmark fell from 150/s to 8/s as the store grew)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test.utils import CaptureQueriesContext
from registration_helpers import FAMILY, at, distinct

from asilo.web.registrations import fraud
from asilo.web.registrations.models import Registration, TaskKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def decrypted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many stored values were decrypted (the real decryption runs; it is only counted)."""
    calls = [0]
    original = Fernet.decrypt

    def counting(self: Fernet, token: Any, *args: Any, **kwargs: Any) -> bytes:
        calls[0] += 1
        return original(self, token, *args, **kwargs)

    monkeypatch.setattr(Fernet, "decrypt", counting)
    yield calls


def _born_on(doc: dict[str, Any], day: str, given: str) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    doc["members"] = [dict(doc["members"][0], date_of_birth=day, given_names=given)]
    return doc


def test_the_same_person_check_decrypts_only_the_names_of_people_born_the_same_day(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    decrypted: list[int],
) -> None:
    """Stored people born another day are never read; those born the same day have only
    their two name fields decrypted (not their registration's phone, shelter or A-number)."""
    born_same_day = 4
    for k in range(1, 9):
        doc = distinct(family(), k)
        if k <= born_same_day:
            doc = _born_on(doc, "1979-05-05", given=f"Person{'x' * k}")
        submit(doc, source=f"198.51.100.{k}")
    newcomer = submit(
        _born_on(distinct(family(), 20), "1979-05-05", given="Quite Different"),
        source="198.51.100.99",
    ).registration
    members = list(newcomer.members.all())
    decrypted[0] = 0
    with CaptureQueriesContext(connection) as queries:
        tasks = fraud.check_duplicate_people(newcomer, members)
    assert tasks == []
    assert len(queries.captured_queries) == 1
    assert decrypted[0] == 2 * born_same_day


def _query_count(doc: dict[str, Any], submit: Callable[..., Any], source: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        submission = submit(doc, source=source, verify=False)
    assert submission.created
    return len(queries.captured_queries)


def test_a_registration_costs_the_same_queries_with_few_or_many_stored(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    decrypted: list[int],
) -> None:
    """A self-service family of three, nothing in common with the stored ones: the same
    number of queries and of decrypted values after 3 and after 23 stored registrations."""

    def own(k: int) -> dict[str, Any]:
        return distinct(family(waiting_place=None), k)

    for k in range(1, 4):
        submit(own(k), source=f"203.0.113.{k}")
    decrypted[0] = 0
    few = _query_count(own(26), submit, "192.0.2.26")
    decrypted_few = decrypted[0]
    for k in range(4, 24):
        submit(own(k), source=f"203.0.113.{k}")
    decrypted[0] = 0
    many = _query_count(own(27), submit, "192.0.2.27")
    assert Registration.objects.count() == 25
    assert many == few
    assert decrypted[0] == decrypted_few
    assert few <= 60


def test_the_same_person_is_still_found_among_many(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    """The hold is unchanged: the same person (accents and a typo aside) is found and both
    registrations are held, whatever else is stored."""
    for k in range(1, 6):
        submit(distinct(family(), k), source=f"203.0.113.{k}")
    doc = copy.deepcopy(FAMILY)
    first = submit(
        family(members=[dict(doc["members"][0], given_names="María José", surnames="López")]),
        source="198.51.100.1",
    ).registration
    second = submit(
        family(
            members=[dict(doc["members"][0], given_names="MARIA JOSE", surnames="Lopes")],
            phone="+52 55 1234 9876",
        ),
        source="198.51.100.2",
        now=at("2023-06-03 10:00"),
    ).registration
    task = first.review_tasks.get(kind=TaskKind.DUPLICATE_PERSON)
    assert {r.pk for r in task.registrations.all()} == {first.pk, second.pk}
    assert task.detail["members"] == {first.number: 0, second.number: 0}
    assert first.pk in set(
        fraud.held_registrations().values_list("registration_id", flat=True)
    ) and second.pk in set(fraud.held_registrations().values_list("registration_id", flat=True))


def test_many_same_person_matches_open_their_tasks_in_a_fixed_number_of_queries(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    django_assert_max_num_queries: Any,
) -> None:
    """A family whose people each match someone in another registration: every pair gets
    its task, holding both families, in four queries whatever the number of pairs."""
    base = copy.deepcopy(FAMILY)["members"]
    stored = []
    for k, member in enumerate(base[:2]):
        doc = family(
            members=[dict(member, relationship="principal")],
            phone=f"+52 55 1000 000{k}",
            waiting_place=None,
        )
        stored.append(submit(doc, source=f"198.51.100.{k}").registration)
    # A third registration holds both people again: the newcomer matches three families.
    both = family(members=[dict(m) for m in base[:2]], phone="+52 55 1000 0009", waiting_place=None)
    stored.append(submit(both, source="198.51.100.9").registration)
    newcomer = submit(
        family(phone="+52 55 2000 0000", waiting_place=None), source="198.51.100.20", verify=False
    ).registration
    fraud_tasks = list(newcomer.review_tasks.filter(kind=TaskKind.DUPLICATE_PERSON).order_by("key"))
    assert len(fraud_tasks) == 3
    assert {frozenset(r.pk for r in t.registrations.all()) for t in fraud_tasks} == {
        frozenset({newcomer.pk, other.pk}) for other in stored
    }
    # Run again (as a second look would): the open tasks are found, nothing is added twice.
    members = list(newcomer.members.all())
    with django_assert_max_num_queries(4):
        again = fraud.check_duplicate_people(newcomer, members)
    assert sorted(t.pk for t in again) == sorted(t.pk for t in fraud_tasks)
    assert newcomer.review_tasks.filter(kind=TaskKind.DUPLICATE_PERSON).count() == 3
