"""Running one YAML acceptance case (see conftest.py for the file format)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from asilo.policy import (
    EncounterInputError,
    decide,
    lawful_pathways,
    load_catalogue,
    load_scenario,
    mpp_wind_down,
    parse_encounter,
    refugee_ceiling,
)
from asilo.policy.scenario import Scenario

CASES = Path(__file__).with_name("cases")
SCENARIOS = Path(__file__).parents[2] / "src" / "asilo" / "policy" / "scenarios"
OUTCOME_FIELDS = (
    "authority",
    "pathway",
    "destination",
    "demographic",
    "custody_limit_hours",
    "custody_standard_hours",
)


class CaseMismatch(AssertionError):
    pass


def _scenario(name: str | None) -> Scenario | None:
    return None if name is None else load_scenario(SCENARIOS / f"{name}.yaml")


def _check(label: str, actual: Any, expected: Any) -> None:
    if actual != expected:
        raise CaseMismatch(f"{label}: expected {expected!r}, got {actual!r}")


def _check_outcome(label: str, outcome: Any, expect: dict[str, Any]) -> None:
    for name in OUTCOME_FIELDS:
        if name in expect:
            _check(f"{label}{name}", getattr(outcome, name), expect[name])
    flags = set(outcome.flags)
    if "flags" in expect:
        _check(f"{label}flags", sorted(flags), sorted(expect["flags"]))
    for flag in expect.get("flags_include", []):
        if flag not in flags:
            raise CaseMismatch(f"{label}flags: {flag!r} missing from {sorted(flags)}")
    for flag in expect.get("flags_exclude", []):
        if flag in flags:
            raise CaseMismatch(f"{label}flags: {flag!r} should not be set")
    if "options" in expect:
        actual = sorted((o.authority, o.pathway, o.destination or "") for o in outcome.options)
        wanted = sorted(
            (o["authority"], o["pathway"], o.get("destination") or "") for o in expect["options"]
        )
        _check(f"{label}options", actual, wanted)
    rules = {r.rule for r in outcome.reasons}
    for rule in expect.get("rules_include", []):
        if rule not in rules:
            raise CaseMismatch(f"{label}reasons: no reason from {rule!r} (got {sorted(rules)})")
    facts = {r.citation.fact for r in outcome.reasons} | {
        o.reason.citation.fact for o in outcome.options
    }
    for fact in expect.get("facts_include", []):
        if fact not in facts:
            raise CaseMismatch(f"{label}reasons: no reason cites {fact!r} (got {sorted(facts)})")


def _check_flags(flags: tuple[str, ...], expect: dict[str, Any]) -> None:
    for flag in expect.get("flags_include", []):
        if flag not in flags:
            raise CaseMismatch(f"flags: {flag!r} missing from {sorted(flags)}")
    for flag in expect.get("flags_exclude", []):
        if flag in flags:
            raise CaseMismatch(f"flags: {flag!r} should not be set")


def run_case(case: dict[str, Any], defaults: dict[str, Any]) -> None:
    catalogue = load_catalogue()
    question = case.get("question", "decide")
    expect = case["expect"]
    if question == "refugee_ceiling":
        answer = refugee_ceiling(
            catalogue,
            case["input"]["fiscal_year"],
            on=None if case.get("date") is None else _day(case["date"]),
            region=case["input"].get("region"),
        )
        _check("total", answer.total, expect["total"])
        _check_flags(answer.flags, expect)
        if "region_number" in expect:
            assert answer.region is not None
            _check("region", answer.region.number, expect["region_number"])
        return
    document = {**defaults, **case["input"]}
    if "date" in case:
        document["date"] = str(case["date"])
    if "error" in expect:
        with pytest.raises(EncounterInputError) as raised:
            parse_encounter(document, catalogue=catalogue)
        fields = {field for field, _ in raised.value.errors}
        _check("error fields", sorted(fields), sorted(expect["error"]))
        return
    encounter = parse_encounter(document, catalogue=catalogue)
    if question == "mpp_wind_down":
        eligibility = mpp_wind_down(encounter, catalogue=catalogue)
        _check("eligible", eligibility.eligible, expect["eligible"])
        _check_flags(eligibility.flags, expect)
        return
    if question == "lawful_pathways":
        answer = lawful_pathways(encounter, catalogue=catalogue)
        for name in ("in_force", "presumption", "exception"):
            if name in expect:
                _check(name, getattr(answer, name), expect[name])
        _check_flags(answer.flags, expect)
        return
    decision = decide(encounter, catalogue=catalogue, scenario=_scenario(case.get("scenario")))
    _check_outcome("", decision, expect)
    if "members" in expect:
        members = {m.person: m for m in decision.members}
        _check("group split", bool(members), bool(expect["members"]))
        for wanted in expect["members"]:
            _check_outcome(f"members[{wanted['person']}].", members[wanted["person"]], wanted)


def _day(value: Any) -> Any:
    from datetime import date

    return value if isinstance(value, date) else date.fromisoformat(str(value))
