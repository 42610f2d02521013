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
            actor=officer, document=family_doc, client_request_id="race-1"
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
    encounter = services.encounter_record(actor=officer, document=family_doc).encounter
    services.decision_confirm(actor=officer, encounter_id=encounter.pk)
    parent, child = encounter.custodies.order_by("id")
    outcomes = ["expelled", "released_nta"]
    ids = [parent.pk, child.pk] if attempt % 2 == 0 else [child.pk, parent.pk]
    results = race(
        2,
        lambda i: services.custody_book_out(actor=officer, custody_id=ids[i], outcome=outcomes[i]),
    )
    failures = [r for r in results if isinstance(r, EncounterError)]
    assert len(failures) == 1, results
    assert failures[0].code == "family_outcome_differs"
    closed = Custody.objects.filter(encounter=encounter, booked_out_at__isnull=False)
    assert closed.count() == 1


def test_racing_encounters_with_one_new_a_number_make_one_person(
    officer: User, adult_doc: dict[str, Any]
) -> None:
    import copy

    def record(i: int) -> Any:
        doc = copy.deepcopy(adult_doc)
        doc["time"] = f"1{i}:00"
        doc["people"][0]["a_number"] = "A099887766"
        return services.encounter_record(actor=officer, document=doc)

    results = race(3, record)
    assert all(isinstance(r, services.RecordedEncounter) for r in results), results
    assert Encounter.objects.count() == 3
    assert Person.objects.count() == 1
