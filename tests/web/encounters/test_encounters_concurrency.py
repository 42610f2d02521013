"""Concurrency on PostgreSQL: a resubmission racing the first submission never duplicates, and
two family members booked out at once to different outcomes cannot both succeed.

Skipped on SQLite (one writer at a time there; the same code paths run in the other tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from asilo.web.accounts.models import User
from asilo.web.encounters import services
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.models import Custody, Encounter
from asilo.web.people.models import Person

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")


def race(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released together; return results or exceptions."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # the test inspects it
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_racing_resubmissions_make_one_encounter(officer: User, family_doc: dict[str, Any]) -> None:
    results = race(
        4,
        lambda _: services.encounter_record(
            actor=officer,
            prepared=services.prepare_encounter(family_doc),
            client_request_id="race-1",
        ),
    )
    assert all(isinstance(r, services.RecordedEncounter) for r in results), results
    assert len({r.encounter.pk for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert Encounter.objects.count() == 1
    assert Person.objects.count() == 2


@pytest.mark.parametrize("attempt", range(4))
def test_racing_family_book_outs_keep_one_outcome(
    officer: User, family_doc: dict[str, Any], attempt: int
) -> None:
    # Two parents and a child: the father may leave alone (the mother stays with the child);
    # the family book-out takes everyone still in custody. Racing with different outcomes,
    # exactly one wins, and the family never ends with two outcomes.
    family_doc["people"].insert(
        1, {"age": 35, "nationality": "HND", "role": "adult", "relationship": "parent"}
    )
    encounter = services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(family_doc)
    ).encounter
    services.decision_confirm(actor=officer, encounter_id=encounter.pk)
    mother, father, _child = encounter.custodies.order_by("id")
    actions = [
        lambda: services.custody_book_out(actor=officer, custody_id=father.pk, outcome="expelled"),
        lambda: services.custody_book_out(
            actor=officer, custody_id=mother.pk, outcome="released_nta", family=True
        ),
    ]
    if attempt % 2:
        actions.reverse()
    results = race(2, lambda i: actions[i]())
    failures = [r for r in results if isinstance(r, EncounterError)]
    assert len(failures) == 1, results
    closed = Custody.objects.filter(encounter=encounter, booked_out_at__isnull=False)
    outcomes = set(closed.values_list("outcome", flat=True))
    if failures[0].code == "family_outcome_differs":  # the father left first, alone
        assert (outcomes, closed.count()) == ({"expelled"}, 1)
    else:  # the family left first, the father with them: nothing left to book out
        assert failures[0].code == "custody_closed"
        assert (outcomes, closed.count()) == ({"released_nta"}, 3)


def test_racing_encounters_with_one_new_a_number_make_one_person(
    officer: User, adult_doc: dict[str, Any]
) -> None:
    import copy

    def record(i: int) -> Any:
        doc = copy.deepcopy(adult_doc)
        doc["time"] = f"1{i}:00"
        doc["people"][0]["a_number"] = "A099887766"
        return services.encounter_record(actor=officer, prepared=services.prepare_encounter(doc))

    results = race(3, record)
    assert all(isinstance(r, services.RecordedEncounter) for r in results), results
    assert Encounter.objects.count() == 3
    assert Person.objects.count() == 1
