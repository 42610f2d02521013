"""Reads of the encounters app: encounters, custody clocks, overrides, exceptions, tasks.

Lists carry ids, never names; a person's record is read through the people app (audited).
Reading one encounter is audited too, since it tells what happened to identified people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from asilo.policy import decide, load_catalogue, parse_encounter
from asilo.web.accounts.roles import Capability
from asilo.web.audit.services import audit_view
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import (
    Custody,
    Encounter,
    EncounterDecision,
    EncounterPerson,
    EncounterStatus,
    ExceptionStatus,
    FamilyException,
    Override,
    ReunificationTask,
    TaskStatus,
)
from asilo.web.encounters.services import (
    CUSTODY,
    ENCOUNTER,
    FAMILY_EXCEPTION,
    OVERRIDE,
    REUNIFICATION_TASK,
    PreparedEncounter,
    prepare_encounter,
)
from asilo.web.people.access import require

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from asilo.web.accounts.models import User

NEAR_DUE_HOURS = 12
LIST_LIMIT = 200
CUSTODY_FILTERS = ("open", "overdue", "near_due", "closed", "all")


def _encounters() -> QuerySet[Encounter]:
    return Encounter.objects.select_related(
        "decision",
        "decision__override",
        "decision__override__overridden_by",
        "decision__override__reviewed_by",
        "recorded_by",
        "decision__confirmed_by",
    ).prefetch_related(
        Prefetch("participants", queryset=EncounterPerson.objects.order_by("position")),
        Prefetch("custodies", queryset=Custody.objects.order_by("id")),
    )


def encounter_view(*, actor: User | AnonymousUser, encounter_id: int) -> Encounter:
    """One encounter with its decision, people (ids), custody; the read is audited."""
    require(actor, Capability.ENCOUNTER_VIEW, object_type=ENCOUNTER, object_id=encounter_id)
    encounter = _encounters().filter(pk=encounter_id).first()
    if encounter is None:
        raise EncounterError(C.ENCOUNTER_NOT_FOUND, "encounter_id")
    audit_view(actor=actor, obj=encounter)
    return encounter


def encounter_detail(encounter_id: int) -> Encounter:
    """One encounter with everything the API shows (no rights check, no audit: for the answer
    of a write that was itself checked and audited)."""
    # One row by primary key: no ordering to compile (``first()`` would order by the model's).
    encounter = next(iter(_encounters().filter(pk=encounter_id).order_by()[:1]), None)
    if encounter is None:
        raise EncounterError(C.ENCOUNTER_NOT_FOUND, "encounter_id")
    return encounter


def encounter_preview(
    *, actor: User | AnonymousUser, document: Any, now: datetime | None = None
) -> PreparedEncounter:
    """Check a document and decide it, writing nothing (the decision shown before recording).

    Raises what :func:`services.encounter_record` raises for bad input.
    """
    require(actor, Capability.ENCOUNTER_RECORD, object_type=ENCOUNTER)
    return prepare_encounter(document, now=now or timezone.now())


def encounters_of_person(person_id: int) -> list[Encounter]:
    """A person's encounters, newest first (for the person's page: read it with
    ``people.selectors.person_view``, which checks rights and audits)."""
    return list(
        _encounters()
        .filter(participants__person_id=person_id)
        .order_by("-encounter_date", "-recorded_at", "-id")
    )


@dataclass(frozen=True)
class CustodySummary:
    open: int
    overdue: int
    near_due: int
    overrides_awaiting_review: int
    exceptions_pending: int
    reunification_tasks_open: int


def custody_summary(
    *, actor: User | AnonymousUser, now: datetime | None = None, within_hours: int = NEAR_DUE_HOURS
) -> CustodySummary:
    """The counts a supervisor's dashboard shows."""
    require(actor, Capability.ENCOUNTER_VIEW, object_type=CUSTODY)
    now = now or timezone.now()
    return CustodySummary(
        open=custodies_open().count(),
        overdue=custodies_overdue(now=now).count(),
        near_due=custodies_near_due(now=now, within_hours=within_hours).count(),
        overrides_awaiting_review=overrides_awaiting_review().count(),
        exceptions_pending=FamilyException.objects.filter(status=ExceptionStatus.PENDING).count(),
        reunification_tasks_open=ReunificationTask.objects.filter(status=TaskStatus.OPEN).count(),
    )


def encounter_list(
    *,
    actor: User | AnonymousUser,
    status: str | None = None,
    place: str | None = None,
    limit: int = 50,
) -> list[Encounter]:
    """The newest encounters, optionally of one status or place."""
    require(actor, Capability.ENCOUNTER_VIEW, object_type=ENCOUNTER)
    if status and status not in EncounterStatus.values:
        raise EncounterError(
            C.STATUS_FILTER_INVALID, "status", allowed=", ".join(EncounterStatus.values)
        )
    qs = _encounters()
    if status:
        qs = qs.filter(status=status)
    if place:
        qs = qs.filter(place_name=place)
    return list(qs.order_by("-recorded_at", "-id")[: max(1, min(limit, LIST_LIMIT))])


def custodies_open() -> QuerySet[Custody]:
    return Custody.objects.filter(booked_out_at__isnull=True)


def custodies_overdue(*, now: datetime) -> QuerySet[Custody]:
    """Open custodies past their due time."""
    return custodies_open().filter(due_at__lt=now)


def custodies_near_due(*, now: datetime, within_hours: int = NEAR_DUE_HOURS) -> QuerySet[Custody]:
    """Open custodies due within the next ``within_hours`` hours (not yet overdue)."""
    return custodies_open().filter(due_at__gte=now, due_at__lt=now + timedelta(hours=within_hours))


_CUSTODY_COLUMNS = tuple(f.name for f in Custody._meta.concrete_fields)


@dataclass(frozen=True)
class CustodyClock:
    custody: Custody
    seconds_remaining: int | None
    overdue: bool
    near_due: bool


def custody_clock(custody: Custody, *, now: datetime, within_hours: int) -> CustodyClock:
    if custody.due_at is None:
        return CustodyClock(custody, None, False, False)
    end = custody.booked_out_at or now
    remaining = int((custody.due_at - end).total_seconds())
    overdue = remaining < 0
    near = custody.is_open and not overdue and remaining < within_hours * 3600
    return CustodyClock(custody, remaining, overdue, near)


def custody_list(
    *,
    actor: User | AnonymousUser,
    status: str = "open",
    within_hours: int = NEAR_DUE_HOURS,
    place: str | None = None,
    now: datetime | None = None,
    limit: int = LIST_LIMIT,
) -> list[CustodyClock]:
    """Custodies with their clocks: soonest due first (no limit last); closed ones newest
    booked out first."""
    require(actor, Capability.ENCOUNTER_VIEW, object_type=CUSTODY)
    if status not in CUSTODY_FILTERS:
        raise EncounterError(C.STATUS_FILTER_INVALID, "status", allowed=", ".join(CUSTODY_FILTERS))
    now = now or timezone.now()
    qs: QuerySet[Custody]
    if status == "open":
        qs = custodies_open()
    elif status == "overdue":
        qs = custodies_overdue(now=now)
    elif status == "near_due":
        qs = custodies_near_due(now=now, within_hours=within_hours)
    elif status == "closed":
        qs = Custody.objects.filter(booked_out_at__isnull=False)
    else:
        qs = Custody.objects.all()
    if place:
        qs = qs.filter(encounter__place_name=place)
    ordering = (
        (F("booked_out_at").desc(), "-id")
        if status == "closed"
        else (F("due_at").asc(nulls_last=True), "id")
    )
    # The encounter is joined for its place only (not its policy document, a JSON column, nor
    # its other columns, which no list shows).
    rows = list(
        qs.select_related("encounter")
        .only(*_CUSTODY_COLUMNS, "encounter__place_name")
        .order_by(*ordering)[: max(1, min(limit, LIST_LIMIT))]
    )
    return [custody_clock(c, now=now, within_hours=within_hours) for c in rows]


def override_list(
    *, actor: User | AnonymousUser, reviewed: bool | None = None, limit: int = LIST_LIMIT
) -> list[Override]:
    """Every override (a supervisor sees them all), newest first; filter by reviewed or not."""
    require(actor, Capability.OVERRIDE_REVIEW, object_type=OVERRIDE)
    qs = Override.objects.select_related("decision", "overridden_by", "reviewed_by").order_by(
        "-overridden_at", "-id"
    )
    if reviewed is not None:
        qs = qs.filter(reviewed_at__isnull=not reviewed)
    return list(qs[: max(1, min(limit, LIST_LIMIT))])


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


def family_exception_list(
    *, actor: User | AnonymousUser, status: str | None = None, limit: int = LIST_LIMIT
) -> list[FamilyException]:
    require(actor, Capability.CUSTODY_MANAGE, object_type=FAMILY_EXCEPTION)
    if status is not None and status not in ExceptionStatus.values:
        raise EncounterError(
            C.STATUS_FILTER_INVALID, "status", allowed=", ".join(ExceptionStatus.values)
        )
    qs = FamilyException.objects.select_related(
        "custody", "requested_by", "decided_by", "reunification_task"
    ).order_by("-requested_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return list(qs[: max(1, min(limit, LIST_LIMIT))])


def reunification_task_list(
    *, actor: User | AnonymousUser, status: str | None = None, limit: int = LIST_LIMIT
) -> list[ReunificationTask]:
    require(actor, Capability.CUSTODY_MANAGE, object_type=REUNIFICATION_TASK)
    if status is not None and status not in TaskStatus.values:
        raise EncounterError(
            C.STATUS_FILTER_INVALID, "status", allowed=", ".join(TaskStatus.values)
        )
    qs = ReunificationTask.objects.select_related("closed_by").order_by("-opened_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return list(qs[: max(1, min(limit, LIST_LIMIT))])


def overrides_awaiting_review() -> QuerySet[Override]:
    return Override.objects.filter(reviewed_at__isnull=True)


@dataclass(frozen=True)
class Replay:
    stored: dict[str, Any]
    replayed: dict[str, Any]

    @property
    def same(self) -> bool:
        return self.stored == self.replayed


def decision_replay(decision: EncounterDecision) -> Replay:
    """Decide the stored inputs again under the current catalogue and compare."""
    catalogue = load_catalogue()
    replayed = decide(
        parse_encounter(decision.inputs, catalogue=catalogue), catalogue=catalogue
    ).model_dump(mode="json")
    return Replay(stored=decision.result, replayed=replayed)
