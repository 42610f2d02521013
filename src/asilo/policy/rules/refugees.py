"""Refugee admissions: EO 14163's suspension (REF-EO-01, REF-LIT-01..03a), reported beside the
eligibility questions and the ceiling; the ceilings themselves are answered by
:mod:`asilo.policy.refugees`."""

from __future__ import annotations

from asilo.policy.catalogue import Catalogue
from asilo.policy.decision import Reason
from asilo.policy.encounter import Encounter
from asilo.policy.keys import REFUGEE_SUSPENSION, typed
from asilo.policy.refugees import admissions_suspension
from asilo.policy.rules.base import reads, reason
from asilo.policy.schema import RefugeeSuspension

reads(RefugeeSuspension, "instrument", "exceptions")


def notes(encounter: Encounter, catalogue: Catalogue) -> tuple[tuple[str, ...], tuple[Reason, ...]]:
    """What every eligibility answer reports beside its question: the refugee suspension, and
    whether the date is after the catalogue's verified coverage."""
    flags: list[str] = []
    reasons: list[Reason] = []
    suspension = typed(
        REFUGEE_SUSPENSION, admissions_suspension(catalogue, encounter.date, encounter.time)
    )
    if suspension.value is not None and suspension.entry.period is not None:
        flags.append("refugee_admissions_suspended")
        reasons.append(
            reason(
                suspension.entry,
                "refugees.suspended",
                since=str(suspension.entry.period.start),
                instrument=suspension.value.instrument,
                exceptions=suspension.value.exceptions,
            )
        )
    if encounter.date > catalogue.verified_through:
        flags.append("after_verified_coverage")
    return tuple(flags), tuple(reasons)
