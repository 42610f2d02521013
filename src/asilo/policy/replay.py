"""Replaying many encounters under two catalogues and reporting every changed outcome."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from asilo.policy.catalogue import Catalogue
from asilo.policy.decision import Authority, Decision, Demographic, Pathway
from asilo.policy.encounter import Encounter
from asilo.policy.engine import decide
from asilo.policy.scenario import Scenario


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OutcomeSummary(_Frozen):
    authority: Authority
    pathway: Pathway
    destination: str | None
    demographic: Demographic
    custody_limit_hours: int | None
    members: tuple[tuple[int, Authority, Pathway, str | None], ...] = ()

    @classmethod
    def of(cls, decision: Decision) -> OutcomeSummary:
        return cls(
            **decision.model_dump(include=_SUMMARISED),
            members=tuple(
                (m.person, m.authority, m.pathway, m.destination) for m in decision.members
            ),
        )


#: The fields of a decision its summary keeps as they are (``members`` it keeps in short).
_SUMMARISED = set(OutcomeSummary.model_fields) - {"members"}


class ReplayChange(_Frozen):
    """One encounter (by its position in the input) whose outcome differs."""

    index: int
    date: str
    before: OutcomeSummary
    after: OutcomeSummary
    rules_after: tuple[str, ...]


class ReplayReport(_Frozen):
    baseline_version: str
    alternative_version: str
    encounters: int
    changed: int
    changes: tuple[ReplayChange, ...]


def replay(
    encounters: Iterable[Encounter],
    *,
    catalogue: Catalogue,
    scenario: Scenario | None = None,
    alternative: Catalogue | None = None,
) -> ReplayReport:
    """Decide every encounter under ``catalogue`` and under the alternative (a scenario applied
    to it, or another catalogue); report each encounter whose outcome changed."""
    if (scenario is None) == (alternative is None):
        raise ValueError("give exactly one of scenario= or alternative=")
    other = alternative if alternative is not None else scenario.apply(catalogue)  # type: ignore[union-attr]
    cache: dict[str, tuple[OutcomeSummary, OutcomeSummary, tuple[str, ...]]] = {}
    changes: list[ReplayChange] = []
    count = 0
    for index, encounter in enumerate(encounters):
        count += 1
        key = encounter.model_dump_json()
        if key not in cache:
            before = decide(encounter, catalogue=catalogue)
            after = decide(encounter, catalogue=other)
            rules = tuple(dict.fromkeys(r.rule for r in after.reasons))
            cache[key] = (OutcomeSummary.of(before), OutcomeSummary.of(after), rules)
        summary_before, summary_after, rules_after = cache[key]
        if summary_before != summary_after:
            changes.append(
                ReplayChange(
                    index=index,
                    date=encounter.date.isoformat(),
                    before=summary_before,
                    after=summary_after,
                    rules_after=rules_after,
                )
            )
    return ReplayReport(
        baseline_version=catalogue.version,
        alternative_version=other.version,
        encounters=count,
        changed=len(changes),
        changes=tuple(changes),
    )
