"""Eligibility questions beside ``decide``: the 2021 MPP wind-down and the 2023 rule."""

from __future__ import annotations

from typing import cast

from pydantic import BaseModel, ConfigDict

from asilo.policy.catalogue import Catalogue
from asilo.policy.decision import Reason
from asilo.policy.encounter import Encounter
from asilo.policy.engine import _Context, form_units, lawful_pathways_findings, reason
from asilo.policy.refugees import admissions_suspension
from asilo.policy.schema import MppWindDown, RefugeeSuspension


class Eligibility(BaseModel):
    """``{"eligible": true|false, "reasons": [...]}``."""

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


def _notes(
    encounter: Encounter, catalogue: Catalogue
) -> tuple[tuple[str, ...], tuple[Reason, ...]]:
    """What every eligibility answer reports beside its question: the refugee suspension, and
    whether the date is after the catalogue's verified coverage."""
    flags: list[str] = []
    reasons: list[Reason] = []
    entry = admissions_suspension(catalogue, encounter.date, encounter.time)
    if isinstance(entry.value, RefugeeSuspension) and entry.period is not None:
        flags.append("refugee_admissions_suspended")
        reasons.append(
            reason(
                entry,
                f"Refugee admissions are suspended since {entry.period.start}"
                f" ({entry.value.instrument}); exceptions: {entry.value.exceptions}.",
                f"La admisión de refugiados está suspendida desde el {entry.period.start}"
                " (Orden Ejecutiva 14163); solo se admiten casos excepcionales, uno por uno.",
            )
        )
    if encounter.date > catalogue.verified_through:
        flags.append("after_verified_coverage")
    return tuple(flags), tuple(reasons)


def _with_notes(answer: Eligibility, encounter: Encounter, catalogue: Catalogue) -> Eligibility:
    flags, reasons = _notes(encounter, catalogue)
    return answer.model_copy(update={"flags": flags, "reasons": (*answer.reasons, *reasons)})


def mpp_wind_down(encounter: Encounter, *, catalogue: Catalogue) -> Eligibility:
    """Is this person (with their ``mpp_case``) eligible for the 2021 wind-down on this date?"""
    return _with_notes(_mpp_wind_down(encounter, catalogue), encounter, catalogue)


def _mpp_wind_down(encounter: Encounter, catalogue: Catalogue) -> Eligibility:
    state = catalogue.state_at(encounter.date, encounter.time)
    entry = state.get("mpp/wind_down")
    if entry.value is None:
        cited = entry if entry.period is not None else catalogue.first_entry("mpp/wind_down")
        return Eligibility(
            eligible=False,
            reasons=(
                reason(
                    cited,
                    f"The MPP wind-down was not processing anyone on {encounter.date}"
                    " (it ran from 2021-02-19 until MPP was reimplemented).",
                    f"El cierre del MPP no procesaba a nadie el {encounter.date} (funcionó desde"
                    " el 19 de febrero de 2021 hasta la reimplementación del MPP).",
                ),
            ),
        )
    rule = cast(MppWindDown, entry.value)
    statuses = ", ".join(rule.eligible_statuses)
    ports = ", ".join(rule.ports_of_entry)
    if encounter.mpp_case is None:
        return Eligibility(
            eligible=False,
            reasons=(
                reason(
                    entry,
                    f"No MPP case: the wind-down is only for people enrolled in MPP ({statuses}).",
                    f"Sin caso del MPP: el cierre es solo para personas inscritas en el MPP"
                    f" ({statuses}).",
                ),
            ),
        )
    status = encounter.mpp_case.status
    appeal = " (an active case includes a pending BIA appeal)" if status == "active" else ""
    appeal_es = " (un caso activo incluye una apelación pendiente ante la BIA)" if appeal else ""
    if status not in rule.eligible_statuses:
        return Eligibility(
            eligible=False,
            reasons=(
                reason(
                    entry,
                    f"An MPP case that is {status} is not eligible on {encounter.date}; eligible"
                    f" then: {statuses}.",
                    f"Un caso del MPP con estado {status} no es elegible el {encounter.date};"
                    f" elegibles entonces: {statuses}.",
                ),
            ),
        )
    return Eligibility(
        eligible=True,
        reasons=(
            reason(
                entry,
                f"An MPP case that is {status}{appeal} is eligible on {encounter.date}: register at"
                f" conecta.acnur.org and wait for a date at a designated port ({ports}); do not"
                " approach the border without one.",
                f"Un caso del MPP con estado {status}{appeal_es} es elegible el {encounter.date}:"
                " regístrese"
                f" en conecta.acnur.org y espere una fecha en un puerto designado ({ports}); no"
                " se acerque a la frontera sin ella.",
                fact="MPP-12" if status == "active" else "MPP-16",
            ),
        ),
    )


def lawful_pathways(encounter: Encounter, *, catalogue: Catalogue) -> LawfulPathwaysAnswer:
    """The presumption and exceptions of the Circumvention of Lawful Pathways rule."""
    state = catalogue.state_at(encounter.date, encounter.time)
    place = encounter.place_of_encounter()
    reasons: list[Reason] = []
    presumption = exception = in_force = False
    for unit in form_units(encounter, place):
        ctx = _Context.of(encounter, place, state, catalogue, unit)
        finding, entry, en, es = lawful_pathways_findings(ctx, "asylum/lawful_pathways")
        if entry.value is None:
            cited = entry if entry.period is not None else catalogue.first_entry(entry.name)
            reasons.append(
                reason(
                    cited,
                    f"The rule covers entries from 2023-05-11 to 2025-05-11, not {encounter.date}.",
                    f"La regla cubre entradas del 11 de mayo de 2023 al 11 de mayo de 2025, no"
                    f" el {encounter.date}.",
                )
            )
            break
        in_force = True
        who = f"people {list(unit.members)} ({unit.demographic})"
        if finding == "presumption":
            presumption = True
            en = "presumed ineligible for asylum; no exception or rebuttal ground applies."
            es = "se presume inelegible para asilo; no aplica ninguna excepción ni refutación."
        elif finding == "exception":
            exception = True
        reasons.append(reason(entry, f"{who}: {en}", f"{who}: {es}"))
    flags, notes = _notes(encounter, catalogue)
    return LawfulPathwaysAnswer(
        in_force=in_force,
        presumption=presumption,
        exception=exception,
        reasons=(*reasons, *notes),
        flags=flags,
    )
