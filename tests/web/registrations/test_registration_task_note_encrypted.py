"""A review task's closing note (what the caseworker learnt about the family) is encrypted at
rest: the raw column holds a Fernet token, the application reads it back unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from asilo.web.registrations import services
from asilo.web.registrations.assignment import registration_assign
from asilo.web.registrations.models import ReviewTask, TaskKind

NOTE = "Spoke with the father on WhatsApp; the children's birth certificates match."


@pytest.mark.django_db
def test_a_closing_note_is_a_fernet_token_in_the_database(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
    client_as: Any,
) -> None:
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    registration = submit(family()).registration
    registration_assign(
        actor=make_user("supervisor"),
        number=registration.number,
        organisation_id=caseworker.organisation_id,
    )
    callback = registration.review_tasks.get(kind=TaskKind.CALLBACK)
    services.review_task_close(actor=caseworker, task_id=callback.pk, outcome="verified", note=NOTE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM registrations_reviewtask WHERE id = %s", [callback.pk])
        raw = str(cursor.fetchone()[0])
    assert raw.startswith("gAAAA"), raw
    assert not any(word in raw for word in ("father", "WhatsApp", "birth", "Spoke"))
    assert ReviewTask.objects.get(pk=callback.pk).note == NOTE
    # The admin site does not show it.
    superuser = make_user("admin", "root-task-note")
    superuser.is_superuser = True
    superuser.save(update_fields=["is_superuser"])
    page = client_as(superuser).get(f"/admin/registrations/reviewtask/{callback.pk}/change/")
    assert page.status_code == 200
    assert NOTE not in page.content.decode() and "gAAAA" not in page.content.decode()
