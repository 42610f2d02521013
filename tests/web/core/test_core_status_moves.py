"""Moving a row's status: the status and the move's fields saved (only those), and the move
audited with the status left and reached."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from asilo.web.audit.models import AuditAction, AuditEntry
from asilo.web.core.status_moves import status_move
from asilo.web.identity.models import LinkRun, RunStatus, RunTrigger

pytestmark = pytest.mark.django_db


def _run() -> LinkRun:
    return LinkRun.objects.create(
        trigger=RunTrigger.COMMAND, same_identity_threshold=0.9, review_threshold=0.5
    )


def test_the_move_saves_the_status_and_its_fields_and_audits_it(
    make_user: Callable[..., Any],
) -> None:
    admin = make_user("admin", "mover")
    run = _run()
    run.error = "not part of the move"  # changed in memory only: not saved by the move
    status_move(
        run,
        actor=admin,
        to=RunStatus.DONE,
        after={"records": 12},
        note="finished",
        records=12,
        seconds=1.5,
    )
    stored = LinkRun.objects.get(pk=run.pk)
    assert (stored.status, stored.records, stored.seconds) == (RunStatus.DONE, 12, 1.5)
    assert stored.error == ""
    entry = AuditEntry.objects.get(object_type="identity.linkrun", object_id=str(run.pk))
    assert entry.action == AuditAction.UPDATE and entry.actor == admin
    assert entry.before == {"status": "running"}
    assert entry.after == {"status": "done", "records": 12}
    assert entry.note == "finished"


def test_the_action_may_be_another_than_an_update(make_user: Callable[..., Any]) -> None:
    run = _run()
    status_move(run, actor=None, to=RunStatus.FAILED, action=AuditAction.REVIEW)
    entry = AuditEntry.objects.get(object_type="identity.linkrun")
    assert entry.action == AuditAction.REVIEW and entry.actor is None
    assert entry.before == {"status": "running"} and entry.after == {"status": "failed"}
    assert LinkRun.objects.get(pk=run.pk).status == RunStatus.FAILED
