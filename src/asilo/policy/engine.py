"""``decide``: the decision for an encounter, from the rules in :mod:`asilo.policy.rules`.

The rules read the encounter's date only through :meth:`Catalogue.state_at`; everything else they
read is the encounter's people, place and declared facts. That makes ``decide`` pure and lets
:mod:`asilo.policy.batch` decide each distinct encounter shape once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asilo.policy.catalogue import Catalogue, CatalogueState
from asilo.policy.decision import Decision, MemberOutcome, Outcome, Reason
from asilo.policy.encounter import Encounter, EncounterInputError
from asilo.policy.places import Place
from asilo.policy.rules.base import Context, Draft, Unit, reason
from asilo.policy.rules.pipeline import decide_unit
from asilo.policy.rules.units import demographic_reason, form_units, split_reason

if TYPE_CHECKING:
    from asilo.policy.scenario import Scenario

__all__ = ["decide", "decide_in_state", "form_units"]


def _unit_outcome(
    encounter: Encounter, place: Place, state: CatalogueState, catalogue: Catalogue, unit: Unit
) -> Outcome:
    ctx = Context.of(encounter, place, state, catalogue, unit)
    draft = Draft(demographic=unit.demographic)
    draft.reasons.append(demographic_reason(ctx))
    decide_unit(ctx, draft)
    return draft.outcome()


def _moment_reasons(state: CatalogueState) -> tuple[list[str], list[Reason]]:
    """What the moment itself says: a time assumed at a clock-time change, an uncertain date."""
    flags: list[str] = []
    reasons: list[Reason] = []
    if state.time_assumed:
        first = next(
            (e for e in state.time_assumed if e.name == "title42/order"), state.time_assumed[0]
        )
        names = ", ".join(sorted({e.name for e in state.time_assumed}))
        at = first.period.at if first.period is not None else None
        flags.append("time_assumed")
        reasons.append(
            reason(first, "moment.time_assumed", names=names, time=f"{at:%H:%M}" if at else "")
        )
    for entry in state.uncertain:
        if "date_uncertain" not in flags:
            flags.append("date_uncertain")
        note = entry.period.uncertain if entry.period is not None else ""
        reasons.append(reason(entry, "moment.date_uncertain", note=note or "", name=entry.name))
    return flags, reasons


def decide_in_state(
    encounter: Encounter, catalogue: Catalogue, state: CatalogueState, scenario: str | None
) -> Decision:
    """Decide an encounter given the catalogue state at its moment (see :func:`decide`)."""
    place = encounter.place_of_encounter()
    units = form_units(encounter, place, state)
    outcomes = [_unit_outcome(encounter, place, state, catalogue, unit) for unit in units]
    flags, general = _moment_reasons(state)
    if state.after_verified:
        flags.append("after_verified_coverage")
    head = outcomes[0]
    members: list[MemberOutcome] = []
    if len(units) > 1:
        flags.append("group_split")
        general.append(split_reason(state, units))
        members = [
            MemberOutcome(**outcome.model_dump(), person=person, unit=number)
            for number, (unit, outcome) in enumerate(zip(units, outcomes, strict=True))
            for person in unit.members
        ]
        members.sort(key=lambda m: m.person)
    # The decision is the first unit's outcome, after what the moment says, and the group.
    outcome = head.model_copy(
        update={
            "flags": tuple(dict.fromkeys([*flags, *head.flags])),
            "reasons": (*general, *head.reasons),
        }
    )
    return Decision(
        **dict(outcome),
        members=tuple(members),
        catalogue_version=catalogue.version,
        scenario=scenario,
        catalogue_verified_through=state.verified_through,
    )


def decide(
    encounter: Encounter,
    *,
    catalogue: Catalogue,
    scenario: Scenario | None = None,
    future: bool = False,
) -> Decision:
    """What happens at this encounter under the catalogue (changed by ``scenario``, if given).

    Pure and deterministic: the same encounter and catalogue always give the same decision.
    A date after the catalogue's ``verified_through`` is decided by the rules last in force and
    flagged ``after_verified_coverage``; a date after tomorrow (U.S. Eastern) is refused unless
    a scenario is given or ``future`` is true (a replay, which decides the future under the
    catalogue and under its scenario alike).
    """
    effective = catalogue if scenario is None else scenario.apply(catalogue)
    coverage = effective.coverage_error(encounter.date, future=future or scenario is not None)
    if coverage is not None:
        raise EncounterInputError([("date", coverage)])
    state = effective.state_at(encounter.date, encounter.time)
    return decide_in_state(encounter, effective, state, None if scenario is None else scenario.name)
