"""Reads of custodies: clocks, lists, the family unit, the children-alone check and the
report of hours beyond the standard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import DateTimeField, Exists, F, Func, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from asilo.web.core.access import require
from asilo.web.core.roles import Capability
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import (
    Custody,
    EncounterPerson,
)
from asilo.web.encounters.object_types import (
    CUSTODY,
)
from asilo.web.encounters.selectors._lists import LIST_LIMIT, bounded

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from asilo.web.accounts.models import User


NEAR_DUE_HOURS = 12
CUSTODY_FILTERS = ("open", "overdue", "near_due", "beyond_standard", "closed", "all")
#: Which custodies: ``live`` (booked in within a week of being recorded: the day's work),
#: ``historical`` (replays of past encounters, with their historical clocks), ``all``.
CUSTODY_SCOPES = ("live", "historical", "all")
#: An encounter recorded more than this long after its book-in is a historical replay (whole
#: days: see ``_live_from``).
LIVE_WINDOW = timedelta(days=7)
assert timedelta(days=LIVE_WINDOW.days) == LIVE_WINDOW


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
    """A custody's two clocks: the legal limit (``due_at``: unaccompanied children) and the
    TEDS standard (``standard_due_at``: everyone). ``*_seconds_remaining`` run to the book-out
    of a closed custody, to now for an open one; negative when past."""

    custody: Custody
    seconds_remaining: int | None
    overdue: bool
    near_due: bool
    standard_seconds_remaining: int | None = None
    standard_exceeded: bool = False
    standard_near: bool = False

    @property
    def standard_level(self) -> str:
        """``red`` past the standard, ``amber`` near it, ``ok`` otherwise."""
        if self.standard_exceeded:
            return "red"
        return "amber" if self.standard_near else "ok"


def _remaining(
    due: datetime | None, custody: Custody, now: datetime, within_hours: int
) -> tuple[int | None, bool, bool]:
    if due is None:
        return None, False, False
    end = custody.booked_out_at or now
    remaining = int((due - end).total_seconds())
    past = remaining < 0
    near = custody.is_open and not past and remaining < within_hours * 3600
    return remaining, past, near


def custody_clock(custody: Custody, *, now: datetime, within_hours: int) -> CustodyClock:
    remaining, overdue, near = _remaining(custody.due_at, custody, now, within_hours)
    standard = _remaining(custody.standard_due_at, custody, now, within_hours)
    return CustodyClock(custody, remaining, overdue, near, *standard)


def _live_from() -> Any:
    """The encounter's ``recorded_at - LIVE_WINDOW``. On SQLite, where Django computes a
    datetime minus an interval in a Python function called for every row (most of a list's
    cost), it is written in SQL: a whole number of days moves only the date, so the date part
    is shifted and the stored time text kept, which is the text Django's function gives (a
    test compares them at the microsecond)."""
    recorded = F("encounter__recorded_at")
    if connection.vendor != "sqlite":
        return recorded - LIVE_WINDOW
    return Func(
        recorded,
        template=(
            f"(date(substr(%(expressions)s, 1, 10), '-{LIVE_WINDOW.days} days')"
            " || substr(%(expressions)s, 11))"
        ),
        output_field=DateTimeField(),
    )


def custodies_in_scope(qs: QuerySet[Custody], scope: str) -> QuerySet[Custody]:
    """``live``: booked in at most a week before the encounter was recorded (the day's work);
    ``historical``: replays of past encounters; ``all``."""
    if scope not in CUSTODY_SCOPES:
        raise EncounterError(C.SCOPE_FILTER_INVALID, "scope", allowed=", ".join(CUSTODY_SCOPES))
    live = Q(booked_in_at__gte=_live_from())
    if scope == "live":
        return qs.filter(live)
    if scope == "historical":
        return qs.exclude(live)
    return qs


def custodies_filtered(
    *,
    status: str = "open",
    within_hours: int = NEAR_DUE_HOURS,
    place: str | None = None,
    scope: str = "live",
    now: datetime,
) -> QuerySet[Custody]:
    """The custodies of a list, unordered (no rights check: callers check)."""
    if status not in CUSTODY_FILTERS:
        raise EncounterError(C.STATUS_FILTER_INVALID, "status", allowed=", ".join(CUSTODY_FILTERS))
    qs: QuerySet[Custody]
    if status == "open":
        qs = custodies_open()
    elif status == "overdue":
        qs = custodies_overdue(now=now)
    elif status == "near_due":
        qs = custodies_near_due(now=now, within_hours=within_hours)
    elif status == "beyond_standard":
        qs = custodies_open().filter(standard_due_at__lt=now)
    elif status == "closed":
        qs = Custody.objects.filter(booked_out_at__isnull=False)
    else:
        qs = Custody.objects.all()
    if place:
        qs = qs.filter(encounter__place_name=place)
    return custodies_in_scope(qs, scope)


#: The orders a custody list may be sorted in.
CUSTODY_ORDERS = ("due", "booked_in", "-booked_in")


def custody_ordering(status: str, order: str | None = None) -> tuple[Any, ...]:
    if order == "booked_in":
        return ("booked_in_at", "id")
    if order == "-booked_in":
        return (F("booked_in_at").desc(), "-id")
    if status == "closed":
        return (F("booked_out_at").desc(), "-id")
    return (F("due_at").asc(nulls_last=True), F("standard_due_at").asc(nulls_last=True), "id")


def custody_list(
    *,
    actor: User | AnonymousUser,
    status: str = "open",
    within_hours: int = NEAR_DUE_HOURS,
    place: str | None = None,
    scope: str = "live",
    now: datetime | None = None,
    limit: int = LIST_LIMIT,
    offset: int = 0,
    order: str | None = None,
) -> list[CustodyClock]:
    """Custodies with their clocks: soonest due first (legal limit, then the standard); closed
    ones newest booked out first. Live custodies unless ``scope`` asks for the historical."""
    require(actor, Capability.ENCOUNTER_VIEW, object_type=CUSTODY)
    now = now or timezone.now()
    qs = custodies_filtered(
        status=status, within_hours=within_hours, place=place, scope=scope, now=now
    )
    # The encounter is joined for its place only (its name, and its kind for the place's time
    # zone; not its policy document, a JSON column, nor its other columns, which no list shows).
    start = max(0, offset)
    rows = list(
        qs.select_related("encounter")
        .only(
            *_CUSTODY_COLUMNS,
            "encounter__place_kind",
            "encounter__place_name",
            "encounter__recorded_at",
        )
        .order_by(*custody_ordering(status, order))[start : start + bounded(limit)]
    )
    return [custody_clock(c, now=now, within_hours=within_hours) for c in rows]


def custodies_booked_out_with(custody: Custody) -> list[Custody]:
    """The custodies booked out in the same action as this one (its family, with
    ``family=True``; else itself)."""
    return list(
        Custody.objects.select_related("encounter")
        .filter(
            encounter_id=custody.encounter_id,
            booked_out_at=custody.booked_out_at,
            booked_out_by_id=custody.booked_out_by_id,
        )
        .order_by("id")
    )


@dataclass(frozen=True)
class ChildAlone:
    """A child in custody without an adult of its family unit and without the legal limit of
    an unaccompanied child: it must never exist."""

    custody_id: int
    person_id: int
    encounter_id: int
    age: int
    place: str
    booked_in_at: datetime


def children_alone_rows() -> QuerySet[Custody]:
    """The custodies of :func:`children_alone` (annotated with the child's unit, role and
    age), for counting them in another query."""
    same = {
        "encounter_id": OuterRef("encounter_id"),
        "person_id": OuterRef("person_id"),
    }
    participant = EncounterPerson.objects.filter(**same)
    adult_in_custody = Custody.objects.filter(
        encounter_id=OuterRef("encounter_id"),
        booked_out_at__isnull=True,
        person__encounters__encounter_id=OuterRef("encounter_id"),
        person__encounters__unit=OuterRef("unit"),
        person__encounters__role="adult",
    )
    rows = (
        Custody.objects.filter(booked_out_at__isnull=True, limit_hours__isnull=True)
        .annotate(
            unit=Subquery(participant.values("unit")[:1]),
            role=Subquery(participant.values("role")[:1]),
            age=Subquery(participant.values("age")[:1]),
        )
        .filter(role="child")
        .annotate(with_adult=Exists(adult_in_custody))
        .filter(with_adult=False)
    )
    return rows


def children_alone() -> list[ChildAlone]:
    """Every child in custody without an adult of its family unit (the decision's unit) in
    custody, and without the unaccompanied child's clock (no rights check: for the check
    command and the dashboard, which check)."""
    rows = children_alone_rows().select_related("encounter").order_by("id")
    return [
        ChildAlone(
            custody_id=c.pk,
            person_id=c.person_id,
            encounter_id=c.encounter_id,
            age=c.age,  # type: ignore[attr-defined]  # annotated by children_alone_rows
            place=c.encounter.place_name,
            booked_in_at=c.booked_in_at,
        )
        for c in rows
    ]


def custody_check(*, actor: User | AnonymousUser) -> list[ChildAlone]:
    """The check of the dashboard: every child left alone (it must always be none)."""
    require(actor, Capability.ENCOUNTER_VIEW, object_type=CUSTODY)
    return children_alone()


@dataclass(frozen=True)
class StandardBreach:
    """Per place: custodies held beyond the TEDS standard (CUS-01), and the hours beyond it."""

    place: str
    custodies: int
    still_held: int
    hours_beyond: float


def standard_report(
    *,
    actor: User | AnonymousUser,
    scope: str = "all",
    now: datetime | None = None,
) -> list[StandardBreach]:
    """Hours held beyond the standard, by place (open custodies count to now, closed ones to
    their book-out), most hours first."""
    require(actor, Capability.ENCOUNTER_VIEW, object_type=CUSTODY)
    return standard_report_rows(scope=scope, now=now)


def standard_report_rows(
    *, scope: str = "all", now: datetime | None = None
) -> list[StandardBreach]:
    """:func:`standard_report` without the rights check (the command line)."""
    now = now or timezone.now()
    qs = custodies_in_scope(Custody.objects.filter(standard_due_at__isnull=False), scope)
    qs = qs.filter(
        Q(booked_out_at__isnull=True, standard_due_at__lt=now)
        | Q(booked_out_at__gt=F("standard_due_at"))
    )
    totals: dict[str, list[float]] = {}
    for place, due, out in qs.values_list(
        "encounter__place_name", "standard_due_at", "booked_out_at"
    ):
        row = totals.setdefault(place, [0, 0, 0.0])
        row[0] += 1
        row[1] += out is None
        assert due is not None  # the query keeps custodies with a standard due time only
        row[2] += ((out or now) - due).total_seconds() / 3600
    report = [
        StandardBreach(place, int(c), int(h), round(hours, 1))
        for place, (c, h, hours) in totals.items()
    ]
    return sorted(report, key=lambda r: (-r.hours_beyond, r.place))


def family_person_ids(custody: Custody) -> list[int]:
    """The other members of this person's unit (people who share one outcome in law)."""
    unit = (
        EncounterPerson.objects.filter(
            encounter_id=custody.encounter_id, person_id=custody.person_id
        )
        .values_list("unit", flat=True)
        .get()
    )
    return list(
        EncounterPerson.objects.filter(encounter_id=custody.encounter_id, unit=unit)
        .exclude(person_id=custody.person_id)
        .order_by("position")
        .values_list("person_id", flat=True)
    )


def family_outcome(custody: Custody, family: Sequence[int]) -> str | None:
    """The outcome the family was booked out to (members without an exception), if any."""
    return (
        Custody.objects.filter(
            encounter_id=custody.encounter_id,
            person_id__in=family,
            booked_out_at__isnull=False,
            family_exception__isnull=True,
        )
        .order_by("booked_out_at", "id")
        .values_list("outcome", flat=True)
        .first()
    )
