"""Reads the pages need beyond the apps' selectors: a record's history, one custody, counts.

Each function is called only after the view checked the capability (and, for a person or family,
after the audited selector read the record). Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count

from asilo.web.encounters.models import (
    Custody,
    Encounter,
    EncounterPerson,
    ExceptionStatus,
    FamilyException,
    ReunificationTask,
)
from asilo.web.encounters.selectors import (
    NEAR_DUE_HOURS,
    CustodyClock,
    custodies_near_due,
    custodies_open,
    custodies_overdue,
    custody_clock,
    overrides_awaiting_review,
)


@dataclass(frozen=True)
class CustodyCounts:
    open: int
    overdue: int
    near_due: int
    no_limit: int
    booked_out_last_day: int
    booked_out_late_last_day: int


def custody_counts(*, now: datetime) -> CustodyCounts:
    day_ago = now - timedelta(hours=24)
    out = Custody.objects.filter(booked_out_at__gte=day_ago)
    return CustodyCounts(
        open=custodies_open().count(),
        overdue=custodies_overdue(now=now).count(),
        near_due=custodies_near_due(now=now).count(),
        no_limit=custodies_open().filter(due_at__isnull=True).count(),
        booked_out_last_day=out.count(),
        booked_out_late_last_day=sum(
            1
            for due, left in out.values_list("due_at", "booked_out_at")
            if due is not None and left is not None and left > due
        ),
    )


def encounter_status_counts() -> dict[str, int]:
    rows = Encounter.objects.values("status").annotate(n=Count("id")).order_by()
    return {r["status"]: r["n"] for r in rows}


def pending_override_count() -> int:
    return overrides_awaiting_review().count()


def pending_exception_count() -> int:
    return FamilyException.objects.filter(status=ExceptionStatus.PENDING).count()


def custody_with_clock(custody_id: int, *, now: datetime) -> CustodyClock | None:
    custody = Custody.objects.select_related("encounter").filter(pk=custody_id).first()
    if custody is None:
        return None
    return custody_clock(custody, now=now, within_hours=NEAR_DUE_HOURS)


def participant_of(custody: Custody) -> EncounterPerson | None:
    return EncounterPerson.objects.filter(
        encounter_id=custody.encounter_id, person_id=custody.person_id
    ).first()


def person_history(person_id: int, *, now: datetime) -> list[tuple[EncounterPerson, CustodyClock]]:
    """Each encounter of the person, newest first, with the person's custody clock in it."""
    rows = list(
        EncounterPerson.objects.filter(person_id=person_id)
        .select_related("encounter", "encounter__decision")
        .order_by("-encounter__encounter_date", "-encounter_id")
    )
    custodies = {
        c.encounter_id: c
        for c in Custody.objects.filter(person_id=person_id).select_related("encounter")
    }
    return [
        (p, custody_clock(custodies[p.encounter_id], now=now, within_hours=NEAR_DUE_HOURS))
        for p in rows
        if p.encounter_id in custodies
    ]


def family_encounters(family_unit_id: int) -> list[Encounter]:
    return list(
        Encounter.objects.filter(family_unit_id=family_unit_id)
        .select_related("decision")
        .order_by("-encounter_date", "-id")
    )


def family_custodies(family_unit_id: int, *, now: datetime) -> list[CustodyClock]:
    rows = Custody.objects.filter(encounter__family_unit_id=family_unit_id).select_related(
        "encounter"
    )
    return [custody_clock(c, now=now, within_hours=NEAR_DUE_HOURS) for c in rows]


def family_tasks(family_unit_id: int) -> list[ReunificationTask]:
    return list(ReunificationTask.objects.filter(family_unit_id=family_unit_id))


def open_exception_of(custody: Custody) -> FamilyException | None:
    return custody.exceptions.order_by("-requested_at").first()


def ages_in_encounter_of(person_ids: list[int], encounter_id: int | None) -> dict[int, int]:
    """Each person's age as recorded at the encounter."""
    if encounter_id is None:
        return {}
    rows = EncounterPerson.objects.filter(encounter_id=encounter_id, person_id__in=person_ids)
    return dict(rows.values_list("person_id", "age"))


def custody_places() -> list[str]:
    """The places of encounter that have custodies (for the list's filter)."""
    return list(
        Encounter.objects.filter(custodies__isnull=False)
        .values_list("place_name", flat=True)
        .distinct()
        .order_by("place_name")
    )


@dataclass(frozen=True)
class MemberOutcome:
    person_id: int
    age: int
    role: str
    relationship: str
    custody_id: int | None
    outcome: str
    is_open: bool


@dataclass(frozen=True)
class ExceptionCard:
    exception: FamilyException
    person_id: int
    age: int
    encounter_id: int
    family: list[MemberOutcome]


def exception_cards(exceptions: list[FamilyException]) -> list[ExceptionCard]:
    """Each exception with its person (age), the encounter, and every member of the encounter
    with their outcome so far."""
    encounter_ids = {e.custody.encounter_id for e in exceptions}
    participants = EncounterPerson.objects.filter(encounter_id__in=encounter_ids).order_by(
        "encounter_id", "position"
    )
    custodies = {
        (c.encounter_id, c.person_id): c
        for c in Custody.objects.filter(encounter_id__in=encounter_ids)
    }
    members: dict[int, list[MemberOutcome]] = {}
    for p in participants:
        c = custodies.get((p.encounter_id, p.person_id))
        members.setdefault(p.encounter_id, []).append(
            MemberOutcome(
                person_id=p.person_id,
                age=p.age,
                role=p.role,
                relationship=p.relationship,
                custody_id=c.pk if c else None,
                outcome=c.outcome if c else "",
                is_open=bool(c and c.is_open),
            )
        )
    cards = []
    for e in exceptions:
        family = members.get(e.custody.encounter_id, [])
        me = next((m for m in family if m.person_id == e.custody.person_id), None)
        cards.append(
            ExceptionCard(
                exception=e,
                person_id=e.custody.person_id,
                age=me.age if me else 0,
                encounter_id=e.custody.encounter_id,
                family=family,
            )
        )
    return cards
