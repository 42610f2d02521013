"""Background work (django-tasks): the linkage run, asked for by a supervisor's page or a
scheduler. Never run inside a request."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from asilo.web.identity import services
from asilo.web.identity.models import RunTrigger


@task()
def run_linkage(actor_id: int | None = None) -> dict[str, Any]:
    """Link every person and registered family member into identities."""
    from asilo.web.accounts.models import User
    from asilo.web.core.errors import DomainError

    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    try:
        run = services.identity_run(actor=actor, trigger=RunTrigger.TASK)
    except DomainError as exc:
        return {"run": None, "error": str(exc.code), "params": exc.params}
    return {
        "run": run.pk,
        "records": run.records,
        "identities": run.identities,
        "review_pairs": run.review_pairs,
    }
