"""A family unit in custody: its members, locked together, and the rule that no child of the
unit is left in custody (or leaves) without an adult of the unit (CUS-02, TEDS 1.9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from asilo.web.core.rows import one_or_not_found
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import (
    Custody,
    EncounterPerson,
    Outcome,
    Override,
    Pathway,
)
from asilo.web.people.models import MemberRole


def locked_custody(custody_id: int) -> Custody:
    rows = Custody.objects.select_for_update(of=("self",)).select_related("encounter")
    return one_or_not_found(
        rows.filter(pk=custody_id), EncounterError(C.CUSTODY_NOT_FOUND, "custody_id")
    )


def check_lawful_for_child(
    custody: Custody, outcome: str, participant: EncounterPerson | None = None
) -> None:
    """An unaccompanied child leaves by expulsion or an MPP return only where the decision (or
    its override, or the child's own decision once left without the family) said so, i.e.
    before the exception for children was in force."""
    if outcome not in (Outcome.EXPELLED, Outcome.RETURNED_MPP):
        return
    if participant is None:
        participant = EncounterPerson.objects.get(
            encounter_id=custody.encounter_id, person_id=custody.person_id
        )
    redecided = custody.unaccompanied_since is not None
    if participant.demographic != "unaccompanied_child" and not redecided:
        return
    if redecided:
        allowed = {(custody.redecision or {}).get("pathway")}
    else:
        allowed = {participant.pathway}
        override = Override.objects.filter(decision__encounter_id=custody.encounter_id).first()
        if override is not None:
            allowed.add(override.pathway)
    wanted = Pathway.EXPULSION if outcome == Outcome.EXPELLED else Pathway.MPP_RETURN
    if wanted not in allowed:
        raise EncounterError(C.OUTCOME_UNLAWFUL_FOR_CHILD, "outcome")


@dataclass(frozen=True)
class UnitMember:
    """A member of a family unit (one unit of the decision) in one encounter."""

    custody: Custody
    participant: EncounterPerson

    @property
    def is_adult(self) -> bool:
        return self.participant.role == MemberRole.ADULT

    @property
    def is_child(self) -> bool:
        return self.participant.role == MemberRole.CHILD

    @property
    def handled_as_unaccompanied(self) -> bool:
        """A child left without the adults of the unit, re-decided alone (with the legal
        limit)."""
        return self.custody.unaccompanied_since is not None


def locked_unit(custody_id: int) -> tuple[Custody, list[UnitMember]]:
    """The custody and every member of its unit, after locking their custodies in one order
    (id), so that two book-outs of one family cannot both see "no one booked out yet", and
    cannot deadlock (PostgreSQL; SQLite serialises writers)."""
    custody = Custody.objects.filter(pk=custody_id).first()
    if custody is None:
        raise EncounterError(C.CUSTODY_NOT_FOUND, "custody_id")
    unit = (
        EncounterPerson.objects.filter(
            encounter_id=custody.encounter_id, person_id=custody.person_id
        )
        .values_list("unit", flat=True)
        .get()
    )
    participants = {
        p.person_id: p
        for p in EncounterPerson.objects.filter(encounter_id=custody.encounter_id, unit=unit)
    }
    locked = list(
        Custody.objects.select_for_update(of=("self",))
        .select_related("encounter")
        .filter(encounter_id=custody.encounter_id, person_id__in=list(participants))
        .order_by("id")
    )
    members = sorted(
        (UnitMember(c, participants[c.person_id]) for c in locked),
        key=lambda m: m.participant.position,
    )
    return next(c for c in locked if c.pk == custody_id), members


def left_alone(members: Sequence[UnitMember], leaving: Sequence[Custody]) -> list[UnitMember]:
    """The children of the unit who would be in custody without an adult of the unit (and not
    handled as unaccompanied children) once ``leaving`` left."""
    gone = {c.pk for c in leaving}
    staying = [m for m in members if m.custody.is_open and m.custody.pk not in gone]
    if any(m.is_adult for m in staying):
        return []
    return [m for m in staying if m.is_child and not m.handled_as_unaccompanied]


def _refuse_childleft_alone(children: Sequence[UnitMember]) -> None:
    raise EncounterError(
        C.FAMILY_CHILD_LEFT_ALONE,
        "outcome",
        children=", ".join(
            str(_("person {id} (age {age})")).format(id=m.custody.person_id, age=m.participant.age)
            for m in children
        ),
        person_ids=[m.custody.person_id for m in children],
        encounter_id=children[0].custody.encounter_id,
    )


def check_family_stays_together(member: UnitMember, members: Sequence[UnitMember]) -> None:
    """One member leaving on their own may not leave a child of the unit in custody without an
    adult of the unit, nor take a child out without one (CUS-02, TEDS 1.9)."""
    if member.is_child and not member.handled_as_unaccompanied:
        adults = [m for m in members if m.is_adult and m.custody.is_open]
        if adults:
            _refuse_childleft_alone([member])
        return
    alone = left_alone(members, [member.custody])
    if alone:
        _refuse_childleft_alone(alone)
