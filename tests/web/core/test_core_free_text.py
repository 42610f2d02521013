"""Staff notes about a person are encrypted at rest (``asilo.web.core.free_text``).

Before: a review task's note, a check-in exception's reason, a supervisor's review or decision
note and a reunification task's notes were plain ``text`` columns. Now the columns hold Fernet
tokens (an empty note stays empty), and the migrations that made them encrypted encrypt the
rows written before, and decrypt them when reversed, with one shared step.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from asilo.web.core.free_text import rewrite_columns
from asilo.web.registrations.models import ReviewTask, TaskKind

NOTE = "Called the mother at the shelter; she confirmed the children's birth dates."
BEFORE = ("registrations", "0001_squashed_0008_shared_device_and_network")
AFTER = ("registrations", "0009_review_task_note_encrypted_at_rest")


def _raw_note(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM registrations_reviewtask WHERE id = %s", [pk])
        row = cursor.fetchone()
    assert row is not None
    return str(row[0])


def _tasks() -> tuple[ReviewTask, ReviewTask]:
    written = ReviewTask.objects.create(kind=TaskKind.CALLBACK, key="written", note=NOTE)
    empty = ReviewTask.objects.create(kind=TaskKind.CALLBACK, key="empty")
    return written, empty


def _assert_encrypted(written: ReviewTask, empty: ReviewTask) -> None:
    raw = _raw_note(written.pk)
    assert raw.startswith("gAAAA"), raw  # a Fernet token
    for word in ("mother", "shelter", "birth", "Called"):
        assert word not in raw
    assert _raw_note(empty.pk) == ""  # an empty note says nothing: stored empty, not NULL
    assert ReviewTask.objects.get(pk=written.pk).note == NOTE
    assert ReviewTask.objects.get(pk=empty.pk).note == ""


@pytest.mark.django_db
def test_a_note_is_a_fernet_token_in_the_database_and_an_empty_one_stays_empty() -> None:
    written, empty = _tasks()
    _assert_encrypted(written, empty)
    # Still compared with an empty value in the database (a Fernet token is never empty).
    assert list(ReviewTask.objects.filter(note="").values_list("pk", flat=True)) == [empty.pk]


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_notes_written_before_and_is_reversible() -> None:
    written, empty = _tasks()
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    assert AFTER in executor.loader.graph.nodes
    # Back to before the change: the notes are decrypted to the plain text they had.
    executor.migrate([BEFORE])
    assert _raw_note(written.pk) == NOTE
    assert _raw_note(empty.pk) == ""
    # Forward again: the plain notes written before the change are encrypted in place.
    executor = MigrationExecutor(connection)
    executor.migrate(leaves)
    _assert_encrypted(written, empty)
    # Running the step twice changes nothing (a partly migrated database finishes).
    before = _raw_note(written.pk)
    state = executor.loader.project_state(leaves).apps
    with connection.schema_editor() as editor:
        rewrite_columns(
            state, editor, app_label="registrations", columns=[("reviewtask", "note")], encrypt=True
        )
    assert _raw_note(written.pk) == before
