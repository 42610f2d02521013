"""The family unit at a glance: each person's family role in words, and the units of an
encounter (people who share one outcome in law)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from asilo.web.encounters.models import EncounterPerson


def family_role(participant: EncounterPerson, sex: str, unit_has_parent: bool) -> str:
    """Mother, father, son, daughter, legal guardian, relative… in words."""
    if participant.role == "adult":
        if participant.relationship == "parent":
            return {"female": _("Mother"), "male": _("Father")}.get(sex, _("Parent"))
        if participant.relationship == "legal_guardian":
            return _("Legal guardian")
        if participant.relationship == "other_relative":
            return _("Relative (not a parent or legal guardian)")
        return _("Adult travelling with the group")
    if unit_has_parent:
        return {"female": _("Daughter"), "male": _("Son")}.get(sex, _("Child"))
    return _("Child")


@dataclass(frozen=True)
class PersonRow:
    participant: EncounterPerson
    clock: Any
    name: str | None
    role_words: str
    unit_label: str


def person_rows(
    participants: Sequence[EncounterPerson],
    clocks: Mapping[int, Any],
    cards: Mapping[int, Any],
) -> list[PersonRow]:
    parents_by_unit: set[int] = {
        p.unit for p in participants if p.role == "adult" and p.relationship == "parent"
    }
    units = sorted({p.unit for p in participants})
    several = len(units) > 1
    rows = []
    for p in participants:
        card = cards.get(p.person_id)
        sex = card.sex if card is not None else "unknown"
        rows.append(
            PersonRow(
                participant=p,
                clock=clocks.get(p.person_id),
                name=card.name if card is not None else None,
                role_words=family_role(p, sex, p.unit in parents_by_unit),
                unit_label=(_("Unit %(n)s") % {"n": units.index(p.unit) + 1}) if several else "",
            )
        )
    return rows


@dataclass(frozen=True)
class UnitSummary:
    label: str
    members: list[PersonRow]
    open_custody_ids: list[int]


def unit_summaries(rows: Sequence[PersonRow]) -> list[UnitSummary]:
    """Each unit with its members and the custodies still open (for "book out together")."""
    by_unit: dict[str, list[PersonRow]] = {}
    for row in rows:
        by_unit.setdefault(row.unit_label, []).append(row)
    return [
        UnitSummary(
            label=label,
            members=members,
            open_custody_ids=[
                r.clock.custody.pk for r in members if r.clock and r.clock.custody.is_open
            ],
        )
        for label, members in by_unit.items()
    ]
