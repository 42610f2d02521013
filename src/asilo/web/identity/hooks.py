"""The identity app's answers to what other apps declare: "seen before" for encounters
(:mod:`asilo.web.encounters.seen_before`) and the "possible duplicate registration" signal
for registrations (:data:`asilo.web.registrations.fraud.EXTRA_SIGNALS`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from asilo.linkage.model import SAME_IDENTITY_THRESHOLD
from asilo.web.encounters.models import EncounterPerson
from asilo.web.encounters.seen_before import SeenBefore
from asilo.web.identity import records, selectors, services
from asilo.web.registrations import fraud
from asilo.web.registrations.models import (
    Member,
    Registration,
    ReviewTask,
    TaskKind,
    TaskState,
)
from asilo.web.registrations.models import Status as RegistrationStatus

logger = logging.getLogger(__name__)


def seen_at_record(*, actor: Any, encounter_id: int) -> dict[int, list[SeenBefore]] | None:
    """Match the people of a just-recorded encounter against the stored identities (each
    gets an identity), then their earlier encounters. A failure here never undoes the
    recording: it is logged (ids only) and the answer says "not looked up" (``None``)."""
    try:
        person_ids = list(
            EncounterPerson.objects.filter(encounter_id=encounter_id).values_list(
                "person_id", flat=True
            )
        )
        attached = services.identity_match_people(
            actor=actor, person_ids=person_ids, note=f"encounter {encounter_id} recorded"
        )
        return selectors.seen_before(
            actor=actor,
            encounter_id=encounter_id,
            direct={rid: a.matches for rid, a in attached.items()},
        )
    except Exception as exc:  # the encounter is stored; matching can be done by the next run
        logger.warning(
            "identity matching failed for encounter %s: %s", encounter_id, type(exc).__name__
        )
        return None


def seen_stored(*, actor: Any, encounter_id: int) -> dict[int, list[SeenBefore]] | None:
    return selectors.seen_before(actor=actor, encounter_id=encounter_id)


def _fixed(items: list[Registration | int]) -> Callable[[], list[Registration | int]]:
    return lambda: items


def duplicate_registration_signal(
    registration: Registration, members: list[Member], now: datetime
) -> list[ReviewTask]:
    """A family that matches an existing registration is held for review instead of joining
    the queue twice: each new member is matched against the stored identities (Splink, as at
    record time); a match at or above the identity threshold with a member of another open
    registration opens (or joins) a "possible duplicate registration" task holding both."""
    member_ids = [m.pk for m in members if m.pk is not None]
    attached = services.identity_match_members(
        actor=registration.created_by,
        member_ids=member_ids,
        note=f"registration {registration.pk} submitted",
    )
    same = {
        rid: [other for other, p in a.matches.items() if p >= SAME_IDENTITY_THRESHOLD]
        for rid, a in attached.items()
    }
    others: dict[int, list[tuple[str, str, float]]] = {}
    for rid, matched in same.items():
        member_ids_matched = [
            pk for kind, pk in (records.parse_record_id(o) for o in matched) if kind == "member"
        ]
        if not member_ids_matched:
            continue
        for other in (
            Member.objects.filter(pk__in=member_ids_matched)
            .exclude(registration=registration)
            .exclude(registration__status=RegistrationStatus.CLOSED)
        ):
            p = attached[rid].matches[records.member_record_id(other.pk)]
            others.setdefault(other.registration_id, []).append(
                (rid, records.member_record_id(other.pk), round(p, 6))
            )
    tasks = []
    positions = {records.member_record_id(m.pk): m.position for m in members}
    for other_id, links in sorted(others.items()):
        first, second = sorted([registration.pk, other_id])
        if ReviewTask.objects.filter(
            kind=TaskKind.DUPLICATE_PERSON, key=f"{first}:{second}", state=TaskState.OPEN
        ).exists():
            continue  # the same two families are already held as "same person twice"
        pair: list[Registration | int] = [registration.pk, other_id]
        best = max(links, key=lambda link: link[2])
        other = Member.objects.select_related("registration").get(
            pk=records.parse_record_id(best[1])[1]
        )
        tasks.append(
            fraud.open_task(
                kind=TaskKind.DUPLICATE_REGISTRATION,
                key=f"{first}:{second}",
                registrations=_fixed(pair),
                # Shown as "Alike: person 1 of R-..., person 1 of R-..." (no record ids).
                detail={
                    "members": {
                        registration.number: positions[best[0]],
                        other.registration.number: other.position,
                    },
                    "members_matched": len(links),
                    "match_probability": best[2],
                },
            )
        )
    return tasks
