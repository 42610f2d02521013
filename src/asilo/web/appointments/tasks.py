"""Background work (django-tasks; the database backend by default): delivering the outbox,
allocation runs, closing a day. Never run inside a registrant's request."""

from __future__ import annotations

from datetime import date
from typing import Any

from django_tasks import task

from asilo.web.appointments import selectors, services
from asilo.web.appointments.models import Trigger


@task()
def deliver_outbox(message_ids: list[int] | None = None) -> dict[str, int]:
    """Send the given outbox messages (or every pending one)."""
    report = services.outbox_deliver(message_ids=message_ids)
    return {"sent": report.sent, "failed": report.failed}


@task()
def run_allocation(
    program: str, start: str, seed: int | None = None, actor_id: int | None = None
) -> dict[str, Any]:
    """An allocation run asked for on a supervisor's page or by the scheduler."""
    from asilo.web.accounts.models import User
    from asilo.web.people.errors import DomainError

    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    try:
        run = services.allocation_run(
            actor=actor,
            program=selectors.program_get(program),
            start=date.fromisoformat(start),
            seed=seed,
            trigger=Trigger.WEB if actor is not None else Trigger.TASK,
        )
    except DomainError as exc:
        # A refusal is an answer, not a crash: the supervisor's page shows it in their language.
        return {"run": None, "error": str(exc.code), "params": exc.params}
    return {"run": run.pk, "allocated": run.allocated_count}


@task()
def close_day(day: str) -> dict[str, Any]:
    """Mark the appointments of a finished day that nobody checked in as no-shows."""
    closed = services.appointments_close_day(actor=None, day=date.fromisoformat(day))
    return {"no_shows": len(closed.no_shows), "back_in_queue": closed.back_in_queue}
