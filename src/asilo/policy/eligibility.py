"""Eligibility questions beside ``decide``: the 2021 MPP wind-down and the 2023 rule.

Each answer also reports EO 14163's suspension of refugee admissions and whether the date is
after the catalogue's verified coverage (``flags``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from asilo.policy.catalogue import Catalogue
from asilo.policy.decision import Reason
from asilo.policy.encounter import Encounter
from asilo.policy.keys import LAWFUL_PATHWAYS, MPP_WIND_DOWN, typed
from asilo.policy.rules import refugees
from asilo.policy.rules.asylum import findings
from asilo.policy.rules.base import Context, reason
from asilo.policy.rules.units import form_units


class Eligibility(BaseModel):
    """``{"eligible": true|false, "reasons": [...], "flags": [...]}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    eligible: bool
    reasons: tuple[Reason, ...]
    #: ``refugee_admissions_suspended`` (EO 14163), ``after_verified_coverage``
    flags: tuple[str, ...] = ()


class LawfulPathwaysAnswer(BaseModel):
    """Which part of the 2023 rule applies to an encounter (each unit of the group)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    in_force: bool
    presumption: bool
    exception: bool
    reasons: tuple[Reason, ...]
    #: ``refugee_admissions_suspended`` (EO 14163), ``after_verified_coverage``
    flags: tuple[str, ...] = ()


def mpp_wind_down(encounter: Encounter, *, catalogue: Catalogue) -> Eligibility:
    """Is this person (with their ``mpp_case``) eligible for the 2021 wind-down on this date?"""
    eligible, why = _mpp_wind_down(encounter, catalogue)
    flags, notes = refugees.notes(encounter, catalogue)
    return Eligibility(eligible=eligible, reasons=(why, *notes), flags=flags)


def _mpp_wind_down(encounter: Encounter, catalogue: Catalogue) -> tuple[bool, Reason]:
    state = catalogue.state_at(encounter.date, encounter.time)
    wind_down = typed(MPP_WIND_DOWN, state.get(MPP_WIND_DOWN.name))
    day = str(encounter.date)
    rule = wind_down.value
    if rule is None:
        cited = wind_down.entry
        if cited.period is None:
            cited = catalogue.first_entry(MPP_WIND_DOWN.name)
        return False, reason(cited, "eligibility.mpp_not_processing", date=day)
    statuses = ", ".join(rule.eligible_statuses)
    if encounter.mpp_case is None:
        return False, reason(wind_down.entry, "eligibility.mpp_no_case", statuses=statuses)
    status = encounter.mpp_case.status
    if status not in rule.eligible_statuses:
        return False, reason(
            wind_down.entry,
            "eligibility.mpp_status_not_eligible",
            status=status,
            date=day,
            statuses=statuses,
        )
    return True, reason(
        wind_down.entry,
        "eligibility.mpp_eligible_active" if status == "active" else "eligibility.mpp_eligible",
        fact="MPP-12" if status == "active" else "MPP-16",
        status=status,
        date=day,
        ports=", ".join(rule.ports_of_entry),
    )


def lawful_pathways(encounter: Encounter, *, catalogue: Catalogue) -> LawfulPathwaysAnswer:
    """The presumption and exceptions of the Circumvention of Lawful Pathways rule."""
    state = catalogue.state_at(encounter.date, encounter.time)
    place = encounter.place_of_encounter()
    reasons: list[Reason] = []
    presumption = exception = in_force = False
    for unit in form_units(encounter, place, state):
        ctx = Context.of(encounter, place, state, catalogue, unit)
        found = findings(ctx, LAWFUL_PATHWAYS)
        if found.finding is None:
            cited = ctx.cited(LAWFUL_PATHWAYS)
            reasons.append(
                reason(cited, "eligibility.lawful_pathways_not_in_force", date=str(encounter.date))
            )
            break
        in_force = True
        who = f"people {list(unit.members)} ({unit.demographic})"
        if found.finding == "presumption":
            presumption = True
            reasons.append(reason(found.entry, "eligibility.lawful_pathways_presumption", who=who))
            continue
        exception = exception or found.finding == "exception"
        reasons.append(
            reason(
                found.entry,
                "eligibility.lawful_pathways_finding",
                who=who,
                ground=found.ground_message(),
            )
        )
    flags, notes = refugees.notes(encounter, catalogue)
    return LawfulPathwaysAnswer(
        in_force=in_force,
        presumption=presumption,
        exception=exception,
        reasons=(*reasons, *notes),
        flags=flags,
    )
