"""Recording an encounter: its people (or family unit), the decision and each person's
custody, booked in at the moment of the encounter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.core.access import require
from asilo.web.core.digests import keyed_digest
from asilo.web.core.relationships import RelationshipToChildren
from asilo.web.core.roles import Capability
from asilo.web.encounters.clocks import (
    UC_LIMIT_HOURS,
    standard_hours,
)
from asilo.web.encounters.documents import (
    CLOCK_SKEW,
    PersonOutcome,
    PreparedEncounter,
    member_outcomes,
)
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import (
    Component,
    Custody,
    Encounter,
    EncounterDecision,
    EncounterPerson,
)
from asilo.web.encounters.object_types import (
    ENCOUNTER,
)
from asilo.web.people.models import MemberRole, Person
from asilo.web.people.selectors import person_find_by_a_number
from asilo.web.people.services import (
    MemberInput,
    family_unit_create_unchecked,
    person_create_unchecked,
)

if TYPE_CHECKING:
    from asilo.web.accounts.models import User


CLIENT_REQUEST_ID_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:-_"
)


@dataclass(frozen=True)
class RecordedEncounter:
    """The encounter; when it was just created, also its participants and custodies as written
    (in position order), so the answer can be built without reading them back."""

    encounter: Encounter
    created: bool
    participants: list[EncounterPerson] | None = None
    custodies: list[Custody] | None = None


def _clean_client_request_id(value: str | None) -> str | None:
    if value is None:
        return None
    if not 1 <= len(value) <= 100 or not set(value) <= CLIENT_REQUEST_ID_CHARS:
        raise EncounterError(C.CLIENT_REQUEST_ID_INVALID, "client_request_id")
    return value


def _request_digest(prepared: PreparedEncounter) -> str:
    return keyed_digest("encounters.request", prepared.canonical())


def _replay(actor: User, client_request_id: str, digest: str) -> Encounter | None:
    # At most one row (unique per user and id): no ordering to compile, as ``first()`` would.
    existing = next(
        iter(
            Encounter.objects.filter(
                recorded_by=actor, client_request_id=client_request_id
            ).order_by()[:1]
        ),
        None,
    )
    if existing is not None and existing.request_digest != digest:
        raise EncounterError(C.CLIENT_REQUEST_ID_REUSED, "client_request_id", id=existing.pk)
    return existing


def _booked_in_at(
    value: datetime | None, *, prepared: PreparedEncounter, now: datetime
) -> tuple[datetime, bool]:
    """The book-in: the moment of the encounter (never the moment of typing), or an explicit
    later moment (a person brought in later). Also whether its time of day is known."""
    if value is None:
        return prepared.moment, prepared.time_known
    if timezone.is_naive(value):
        value = value.replace(tzinfo=prepared.moment.tzinfo)
    if value > now + CLOCK_SKEW or value < prepared.moment:
        raise EncounterError(C.BOOK_IN_INVALID, "booked_in_at")
    return value, True


def encounter_record(
    *,
    actor: User,
    prepared: PreparedEncounter,
    client_request_id: str | None = None,
    booked_in_at: datetime | None = None,
    now: datetime | None = None,
) -> RecordedEncounter:
    """Record an encounter, checked and decided by :func:`prepare_encounter` (the policy
    engine's typed encounter, each person's identity and the decision): its people (or family
    unit), the decision, and each person's custody.

    A resubmission with the same ``client_request_id`` by the same user returns the first
    encounter (``created=False``); the same id with a different encounter is refused.
    """
    require(actor, Capability.ENCOUNTER_RECORD, object_type=ENCOUNTER)
    now = now or timezone.now()
    crid = _clean_client_request_id(client_request_id)
    digest = _request_digest(prepared)
    if crid is not None and (existing := _replay(actor, crid, digest)) is not None:
        return RecordedEncounter(existing, created=False)
    book_in, time_known = _booked_in_at(booked_in_at, prepared=prepared, now=now)
    for attempt in range(2):
        try:
            with transaction.atomic():
                encounter, participants, custodies = _write_encounter(
                    actor=actor,
                    prepared=prepared,
                    crid=crid,
                    digest=digest,
                    book_in=book_in,
                    time_known=time_known,
                    now=now,
                )
            return RecordedEncounter(
                encounter, created=True, participants=participants, custodies=custodies
            )
        except IntegrityError:
            # Two submissions with one client request id raced: the other one won.
            if crid is not None and (existing := _replay(actor, crid, digest)) is not None:
                return RecordedEncounter(existing, created=False)
            # Two encounters brought one new A-number at once: the retry links the person the
            # other one created.
            if attempt == 1:
                raise
    raise AssertionError("unreachable")


def _limit_hours(outcome: PersonOutcome) -> int | None:
    """A person's legal custody limit: the policy's, or the statute's for an unaccompanied
    child even where the policy of the day set no clock (UC-02)."""
    if outcome.custody_limit_hours is None and outcome.demographic == "unaccompanied_child":
        return UC_LIMIT_HOURS
    return outcome.custody_limit_hours


def _write_encounter(
    *,
    actor: User,
    prepared: PreparedEncounter,
    crid: str | None,
    digest: str,
    book_in: datetime,
    time_known: bool,
    now: datetime,
) -> tuple[Encounter, list[EncounterPerson], list[Custody]]:
    parsed = prepared.parsed
    place = parsed.place_of_encounter()
    encounter = Encounter.objects.create(
        encounter_date=parsed.date,
        occurred_at=prepared.occurred_at,
        component=Component.USBP if place.kind == "between_ports" else Component.OFO,
        place_kind=place.kind,
        place_name=place.name,
        document=prepared.policy_document,
        client_request_id=crid,
        request_digest=digest,
        recorded_by=actor,
        recorded_at=now,
    )
    people: list[Person] = []
    for i, identity in enumerate(prepared.identities):
        known = person_find_by_a_number(identity.a_number) if identity.a_number else None
        people.append(
            known
            or person_create_unchecked(
                actor=actor,
                identity=identity,
                on=parsed.date,
                a_number_field=f"people.{i}.a_number",
            )
        )
    roles = [
        p.role or (MemberRole.CHILD if p.age < 18 else MemberRole.ADULT) for p in parsed.people
    ]
    relationships = [
        p.relationship
        or (
            RelationshipToChildren.CHILD
            if role == MemberRole.CHILD
            else RelationshipToChildren.NONE
        )
        for p, role in zip(parsed.people, roles, strict=True)
    ]
    if len(people) > 1:
        encounter.family_unit = family_unit_create_unchecked(
            actor=actor,
            members=[
                MemberInput(person=person, role=role, relationship=rel)
                for person, role, rel in zip(people, roles, relationships, strict=True)
            ],
        )
        encounter.save(update_fields=["family_unit"])
    decision = prepared.decision
    outcomes = member_outcomes(decision, len(people))
    participants = EncounterPerson.objects.bulk_create(
        [
            EncounterPerson(
                encounter=encounter,
                person=person,
                position=i,
                role=roles[i],
                relationship=relationships[i],
                age=parsed.people[i].age,
                nationality=parsed.people[i].nationality,
                pathway=outcomes[i].pathway,
                demographic=outcomes[i].demographic,
                unit=outcomes[i].unit,
                custody_limit_hours=outcomes[i].custody_limit_hours,
            )
            for i, person in enumerate(people)
        ]
    )
    EncounterDecision.objects.create(
        encounter=encounter,
        inputs=prepared.policy_document,
        result=prepared.result,
        catalogue_version=decision.catalogue_version,
        authority=decision.authority,
        pathway=decision.pathway,
        destination=decision.destination or "",
        demographic=decision.demographic,
        custody_limit_hours=decision.custody_limit_hours,
        decided_at=now,
    )
    audit_change(
        actor=actor,
        action=AuditAction.DECIDE,
        obj=encounter,
        after={
            "place": place.name,
            "date": parsed.date.isoformat(),
            "people": [p.pk for p in people],
            "authority": decision.authority,
            "pathway": decision.pathway,
            "demographic": decision.demographic,
            "destination": decision.destination,
            "rules": [r.rule for r in decision.reasons],
        },
        catalogue_version=decision.catalogue_version,
    )
    standard = standard_hours(decision.custody_standard_hours)
    custodies = Custody.objects.bulk_create(
        [
            Custody(
                encounter=encounter,
                person=person,
                booked_in_at=book_in,
                booked_in_time_known=time_known,
                limit_hours=limit,
                due_at=book_in + timedelta(hours=limit) if limit is not None else None,
                standard_hours=standard,
                standard_due_at=book_in + timedelta(hours=standard),
            )
            for person, limit in zip(people, map(_limit_hours, outcomes), strict=True)
        ]
    )
    for custody in custodies:
        audit_change(
            actor=actor,
            action=AuditAction.BOOK_IN,
            obj=custody,
            after={
                "encounter": encounter.pk,
                "person": custody.person_id,
                "booked_in_at": book_in.isoformat(),
                "booked_in_time_known": time_known,
                "limit_hours": custody.limit_hours,
                "standard_hours": standard,
                "due_at": custody.due_at.isoformat() if custody.due_at else None,
            },
            catalogue_version=decision.catalogue_version,
        )
    return encounter, participants, custodies
