"""A caseworker's note is never lost because a review task for the same thing is open already.

Before: "mark a suspected duplicate" of two registrations that the duplicate-person signal (or
another caseworker) had already put in an open task joined that task and silently dropped the
caseworker's note, while the page said "Saved."; flagging a need again while its task was open
did the same. Now the note is added to the open task's notes (encrypted at rest, like the
opening note), shown on the tasks page to the family's organisation only, and the audit entry
says that the note went to a task already open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from asilo.web.audit.models import AuditEntry
from asilo.web.registrations import services
from asilo.web.registrations.models import ReviewTask, TaskKind, TaskState, task_notes

NOTE = "The mother told me on the phone she registered at the Tijuana shelter last week."
SECOND = "Same A-number for the father on both; he confirmed it when I called back."
OTHER_PERSON = {
    "given_names": "Otra",
    "surnames": "Persona",
    "date_of_birth": "1970-01-01",
    "sex": "female",
    "nationality": "HND",
}


def _raw_note(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT opening_note FROM registrations_reviewtask WHERE id = %s", [pk])
        row = cursor.fetchone()
    assert row is not None
    return str(row[0])


def _tasks_page(client: Any, kind: str) -> str:
    page = client.get(f"/registrations/staff/tasks/?kind={kind}")
    assert page.status_code == 200
    return str(page.content.decode())


@pytest.mark.django_db
def test_marking_a_pair_the_signal_already_holds_keeps_the_note(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
    client_as: Any,
) -> None:
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    one = submit(family(), actor=caseworker).registration
    two = submit(family(), actor=caseworker).registration  # the same people: the signal fires
    (signal,) = ReviewTask.objects.filter(kind=TaskKind.DUPLICATE_PERSON, state=TaskState.OPEN)
    assert set(signal.registrations.all()) == {one, two} and signal.opening_note == ""

    task = services.registration_mark_duplicate(
        actor=caseworker, registration=two, other_number=one.number, note=f" {NOTE} "
    )
    assert task.pk == signal.pk  # the open task, not a second one
    assert ReviewTask.objects.filter(kind=TaskKind.DUPLICATE_PERSON).count() == 1
    stored = ReviewTask.objects.get(pk=signal.pk)
    assert stored.opening_note == NOTE
    assert stored.detail == signal.detail  # what the signal saw stays as it was
    raw = _raw_note(signal.pk)
    assert raw.startswith("gAAAA") and "Tijuana" not in raw  # encrypted at rest
    # The audit says the note went to a task already open (never the note itself).
    entry = AuditEntry.objects.filter(note="suspected duplicate marked").get()
    assert entry.object_id == str(signal.pk)
    assert entry.after["note_added_to_open_task"] is True
    assert "Tijuana" not in str(entry.after) and "Tijuana" not in entry.note
    # Shown to the family's organisation, not to another one.
    assert f"Note: {NOTE}" in _tasks_page(client_as(caseworker), "duplicate_person")
    stranger = make_user("caseworker", "other-org", organisation="Otra Casa")
    assert "Tijuana" not in _tasks_page(client_as(stranger), "duplicate_person")


@pytest.mark.django_db
def test_two_caseworkers_marking_one_pair_both_keep_their_notes(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
    client_as: Any,
) -> None:
    first = make_user("caseworker", "first", organisation="Casa del Migrante")
    second = make_user("caseworker", "second", organisation="Casa del Migrante")
    one = submit(family(), actor=first).registration
    two = submit(family(members=[OTHER_PERSON]), actor=first).registration  # no signal
    opened = services.registration_mark_duplicate(
        actor=first, registration=one, other_number=two.number, note=NOTE
    )
    joined = services.registration_mark_duplicate(
        actor=second, registration=two, other_number=one.number, note=SECOND
    )
    again = services.registration_mark_duplicate(
        actor=second, registration=two, other_number=one.number, note=SECOND
    )
    assert opened.pk == joined.pk == again.pk
    stored = ReviewTask.objects.get(pk=opened.pk)
    assert stored.opening_note == f"{NOTE}\n\n{SECOND}"  # the same note twice is kept once
    assert stored.detail == {"marked_by": first.pk}
    added = [
        e.after["note_added_to_open_task"]
        for e in AuditEntry.objects.filter(note="suspected duplicate marked").order_by("id")
    ]
    assert added == [False, True, True]
    page = _tasks_page(client_as(first), "duplicate_person")
    assert f"Note: {NOTE}" in page and f"Note: {SECOND}" in page


@pytest.mark.django_db
def test_a_need_flagged_again_keeps_the_new_note(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
    client_as: Any,
) -> None:
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    registration = submit(family(), actor=caseworker).registration
    for note in (NOTE, SECOND):
        services.registration_flag_vulnerability(
            actor=caseworker,
            registration=registration,
            vulnerability="medical_emergency",
            note=note,
        )
    (task,) = registration.review_tasks.filter(kind=TaskKind.VULNERABILITY)
    assert task.opening_note == f"{NOTE}\n\n{SECOND}"
    assert "Tijuana" not in _raw_note(task.pk)
    flags = AuditEntry.objects.filter(note="vulnerability flagged").order_by("id")
    assert [e.after["note_added_to_open_task"] for e in flags] == [False, True]
    page = _tasks_page(client_as(caseworker), "vulnerability")
    assert f"Note: {NOTE}" in page and f"Note: {SECOND}" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_caseworkers_marking_one_pair_at_once_all_keep_their_notes(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
    at_once: Callable[..., list[Any]],
) -> None:
    """Before: when no task was open yet, each caseworker tried to open one and all but the
    first were refused by the one-open-task-per-pair index (an error page, the note lost)."""
    workers = [
        make_user("caseworker", f"worker-{i}", organisation="Casa del Migrante") for i in range(8)
    ]
    one = submit(family(), actor=workers[0]).registration
    two = submit(family(members=[OTHER_PERSON]), actor=workers[0]).registration  # no signal

    def mark(worker: Any) -> Callable[[], Any]:
        return lambda: services.registration_mark_duplicate(
            actor=worker,
            registration=one,
            other_number=two.number,
            note=f"{worker.username}: {NOTE}",
        )

    results = at_once([mark(worker) for worker in workers])
    assert [r for r in results if isinstance(r, Exception)] == []
    (task,) = ReviewTask.objects.filter(kind=TaskKind.DUPLICATE_PERSON)
    assert sorted(task_notes(task.opening_note)) == sorted(f"{w.username}: {NOTE}" for w in workers)
    added = AuditEntry.objects.filter(note="suspected duplicate marked")
    assert sorted(e.after["note_added_to_open_task"] for e in added) == [False] + [True] * 7
