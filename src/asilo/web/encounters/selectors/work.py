"""Reads of the work around custody: overrides, family exceptions, reunification tasks,
notifications and the counts of the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from asilo.web.core.access import require
from asilo.web.core.roles import Capability
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import (
    Custody,
    ExceptionStatus,
    FamilyException,
    Override,
    ReunificationTask,
    StaffNotification,
    TaskStatus,
)
from asilo.web.encounters.object_types import (
    CUSTODY,
    FAMILY_EXCEPTION,
    OVERRIDE,
    REUNIFICATION_TASK,
)
from asilo.web.encounters.selectors._lists import LIST_LIMIT, by_time, window
from asilo.web.encounters.selectors.custody import (
    NEAR_DUE_HOURS,
    children_alone_rows,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from asilo.web.accounts.models import User


@dataclass(frozen=True)
class CustodySummary:
    open: int
    overdue: int
    near_due: int
    overrides_awaiting_review: int
    exceptions_pending: int
    reunification_tasks_open: int
    beyond_standard: int
    children_alone: int


@cache
def _summary_sql(vendor: str) -> tuple[str, tuple[Any, ...]]:
    """One statement for the dashboard's counts, written once per database vendor (compiling
    the ORM's six queries was most of the summary's cost): the open custodies' four clock
    counts, with the filters of ``custodies_overdue``, ``custodies_near_due`` and the TEDS
    standard's (a test compares them), and the other counts as subqueries compiled from the
    selectors' querysets. The four ``%s`` of the clocks come first; then the subqueries'
    own (constant) parameters."""
    quote = connection.ops.quote_name
    due, standard = quote("due_at"), quote("standard_due_at")
    counted = [
        overrides_awaiting_review(),
        FamilyException.objects.filter(status=ExceptionStatus.PENDING),
        ReunificationTask.objects.filter(status=TaskStatus.OPEN),
        children_alone_rows(),
    ]
    subqueries: list[str] = []
    params: list[Any] = []
    for i, qs in enumerate(counted):
        sql, sub_params = qs.order_by().values("pk").query.sql_with_params()
        subqueries.append(f"(SELECT COUNT(*) FROM ({sql}) {quote(f'_counted{i}')})")
        params.extend(sub_params)
    # The open custodies (``custodies_open``: not booked out; a partial index covers them).
    custody = quote(Custody._meta.db_table)
    return (
        f"SELECT COUNT(*), "
        f"COUNT(CASE WHEN {custody}.{due} < %s THEN 1 END), "
        f"COUNT(CASE WHEN {custody}.{due} >= %s AND {custody}.{due} < %s THEN 1 END), "
        f"COUNT(CASE WHEN {custody}.{standard} < %s THEN 1 END), "
        + ", ".join(subqueries)
        + f" FROM {custody} WHERE {custody}.{quote('booked_out_at')} IS NULL",
        tuple(params),
    )


def custody_summary(
    *, actor: User | AnonymousUser, now: datetime | None = None, within_hours: int = NEAR_DUE_HOURS
) -> CustodySummary:
    """The counts a supervisor's dashboard shows (one query)."""
    require(actor, Capability.ENCOUNTER_VIEW, object_type=CUSTODY)
    now = now or timezone.now()
    sql, params = _summary_sql(connection.vendor)
    at = connection.ops.adapt_datetimefield_value
    clocks = [at(now), at(now), at(now + timedelta(hours=within_hours)), at(now)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*clocks, *params])
        row = cursor.fetchone()
    open_, overdue, near_due, beyond, overrides, exceptions, tasks, alone = row
    return CustodySummary(
        open=open_,
        overdue=overdue,
        near_due=near_due,
        overrides_awaiting_review=overrides,
        exceptions_pending=exceptions,
        reunification_tasks_open=tasks,
        beyond_standard=beyond,
        children_alone=alone,
    )


def override_list(
    *,
    actor: User | AnonymousUser,
    reviewed: bool | None = None,
    limit: int = LIST_LIMIT,
    offset: int = 0,
    order: str = "newest",
) -> list[Override]:
    """Every override (a supervisor sees them all), newest first (or ``order="oldest"``);
    filter by reviewed or not."""
    require(actor, Capability.OVERRIDE_REVIEW, object_type=OVERRIDE)
    qs = Override.objects.select_related("decision", "overridden_by", "reviewed_by")
    if reviewed is not None:
        qs = qs.filter(reviewed_at__isnull=not reviewed)
    return window(by_time(qs, "overridden_at", order), limit=limit, offset=offset)


def override_get(*, actor: User | AnonymousUser, override_id: int) -> Override:
    require(actor, Capability.OVERRIDE_REVIEW, object_type=OVERRIDE, object_id=override_id)
    override = (
        Override.objects.select_related("decision", "overridden_by", "reviewed_by")
        .filter(pk=override_id)
        .first()
    )
    if override is None:
        raise EncounterError(C.OVERRIDE_NOT_FOUND, "override_id")
    return override


def _status_filter(status: str | None, allowed: list[str]) -> None:
    if status is not None and status not in allowed:
        raise EncounterError(C.STATUS_FILTER_INVALID, "status", allowed=", ".join(allowed))


def family_exception_list(
    *,
    actor: User | AnonymousUser,
    status: str | None = None,
    limit: int = LIST_LIMIT,
    offset: int = 0,
    order: str = "newest",
    exception_id: int | None = None,
) -> list[FamilyException]:
    """Family exceptions, newest asked first (or ``order="oldest"``); filter by status, or
    one exception by its id."""
    require(actor, Capability.CUSTODY_MANAGE, object_type=FAMILY_EXCEPTION)
    _status_filter(status, ExceptionStatus.values)
    qs = FamilyException.objects.select_related(
        "custody", "custody__encounter", "requested_by", "decided_by", "reunification_task"
    )
    if status:
        qs = qs.filter(status=status)
    if exception_id is not None:
        qs = qs.filter(pk=exception_id)
    return window(by_time(qs, "requested_at", order), limit=limit, offset=offset)


def reunification_task_list(
    *,
    actor: User | AnonymousUser,
    status: str | None = None,
    limit: int = LIST_LIMIT,
    offset: int = 0,
    order: str = "newest",
) -> list[ReunificationTask]:
    """Reunification tasks, newest opened first (or ``order="oldest"``); filter by status."""
    require(actor, Capability.CUSTODY_MANAGE, object_type=REUNIFICATION_TASK)
    _status_filter(status, TaskStatus.values)
    qs = ReunificationTask.objects.select_related("closed_by", "exception").prefetch_related(
        "notes", "notes__author"
    )
    if status:
        qs = qs.filter(status=status)
    return window(by_time(qs, "opened_at", order), limit=limit, offset=offset)


def notifications_for(
    *,
    actor: User | AnonymousUser,
    limit: int = 50,
    offset: int = 0,
    unread_only: bool = False,
) -> list[StaffNotification]:
    """The actor's own notifications, newest first (everyone sees only their own)."""
    if not getattr(actor, "is_authenticated", False):
        return []
    qs = StaffNotification.objects.filter(recipient_id=actor.pk).select_related(
        "exception", "exception__custody", "exception__decided_by"
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return window(by_time(qs, "created_at", "newest"), limit=limit, offset=offset)


def unread_notifications(actor: User | AnonymousUser) -> int:
    if not getattr(actor, "is_authenticated", False):
        return 0
    return StaffNotification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).count()


def overrides_awaiting_review() -> QuerySet[Override]:
    return Override.objects.filter(reviewed_at__isnull=True)
