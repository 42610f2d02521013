"""What a caseworker writes when opening a review task is encrypted at rest.

Before: "mark duplicate" kept the caseworker's note in clear inside the task's ``detail`` JSON
(``{"marked_by": ..., "note": ...}``), although every other staff note about a person is a
Fernet token (``asilo.web.core.free_text``); and "flag a need" required a note and then kept
it nowhere. Now both go in the task's encrypted ``opening_note``; the tasks page still shows
it to the caseworkers of the family's organisation, and the migration moves the notes already
in ``detail`` into the encrypted column (reversed: back into ``detail``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from asilo.web.registrations import services
from asilo.web.registrations.models import ReviewTask, TaskKind

NOTE = "The mother told me on the phone she registered at the Tijuana shelter last week."
WORDS = ("mother", "phone", "Tijuana", "shelter")
BEFORE = ("registrations", "0009_review_task_note_encrypted_at_rest")
AFTER = ("registrations", "0010_review_task_opening_note")


def _raw_row(pk: int) -> dict[str, str]:
    """Every column of the task's row as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM registrations_reviewtask WHERE id = %s", [pk])
        names = [c[0] for c in cursor.description]
        row = cursor.fetchone()
    assert row is not None
    return {
        name: "" if value is None else str(value) for name, value in zip(names, row, strict=True)
    }


def _assert_nowhere_in_clear(pk: int) -> None:
    raw = _raw_row(pk)
    for column, value in raw.items():
        for word in WORDS:
            assert word not in value, (column, value)
    assert raw["opening_note"].startswith("gAAAA"), raw  # a Fernet token


@pytest.mark.django_db
def test_a_suspected_duplicates_note_is_not_in_clear_in_the_database(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
    client_as: Any,
) -> None:
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    one = submit(family(), actor=caseworker).registration
    alone = {"given_names": "Otra", "surnames": "Persona", "date_of_birth": "1970-01-01"}
    two = submit(
        family(members=[{**alone, "sex": "female", "nationality": "HND"}]), actor=caseworker
    )
    task = services.registration_mark_duplicate(
        actor=caseworker, registration=one, other_number=two.registration.number, note=f"  {NOTE} "
    )
    _assert_nowhere_in_clear(task.pk)
    stored = ReviewTask.objects.get(pk=task.pk)
    assert stored.opening_note == NOTE
    assert stored.detail == {"marked_by": caseworker.pk}
    # The caseworker of the family's organisation still reads it on the tasks page.
    page = client_as(caseworker).get("/registrations/staff/tasks/?kind=duplicate_person")
    assert NOTE in page.content.decode()
    # A caseworker of another organisation does not.
    stranger = make_user("caseworker", "other-org", organisation="Otra Casa")
    page = client_as(stranger).get("/registrations/staff/tasks/?kind=duplicate_person")
    assert NOTE not in page.content.decode()


@pytest.mark.django_db
def test_a_flagged_needs_note_is_kept_encrypted_and_shown(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
    client_as: Any,
) -> None:
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    registration = submit(family(), actor=caseworker).registration
    services.registration_flag_vulnerability(
        actor=caseworker, registration=registration, vulnerability="medical_emergency", note=NOTE
    )
    task = registration.review_tasks.get(kind=TaskKind.VULNERABILITY)
    _assert_nowhere_in_clear(task.pk)
    assert task.opening_note == NOTE
    page = client_as(caseworker).get("/registrations/staff/tasks/?kind=vulnerability")
    assert NOTE in page.content.decode()


def _raw_detail(pk: int) -> dict[str, Any]:
    detail = _raw_row(pk)["detail"]
    return dict(json.loads(detail))


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_notes_out_of_detail_and_back() -> None:
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps.get_model("registrations", "ReviewTask")
    marked = old.objects.create(
        kind=TaskKind.DUPLICATE_PERSON, key="1:2", detail={"marked_by": 7, "note": NOTE}
    )
    signal = old.objects.create(kind=TaskKind.SHARED_PHONE, key="p", detail={"registrations": 5})
    # Forward: the note leaves the JSON for the encrypted column.
    executor = MigrationExecutor(connection)
    executor.migrate(leaves)
    _assert_nowhere_in_clear(marked.pk)
    assert _raw_detail(marked.pk) == {"marked_by": 7}
    assert ReviewTask.objects.get(pk=marked.pk).opening_note == NOTE
    assert _raw_detail(signal.pk) == {"registrations": 5}
    assert ReviewTask.objects.get(pk=signal.pk).opening_note == ""
    # Backward: the note is put back in ``detail`` as it was.
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    assert _raw_detail(marked.pk) == {"marked_by": 7, "note": NOTE}
    assert _raw_detail(signal.pk) == {"registrations": 5}
    executor = MigrationExecutor(connection)
    executor.migrate(leaves)
    assert _raw_detail(marked.pk) == {"marked_by": 7}
