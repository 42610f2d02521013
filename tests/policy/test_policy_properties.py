"""Invariants of ``decide``, checked with Hypothesis over generated encounters."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asilo.policy import EncounterInputError, decide, load_catalogue, parse_encounter
from asilo.policy.places import place_names

CATALOGUE = load_catalogue()
FIRST, LAST = CATALOGUE.covers
UC_EXCEPTION_FOR_GOOD = date(2022, 3, 11)
PROCLAMATION = date(2025, 1, 20)
PARTIAL_STAY = date(2025, 7, 31)
NATIONALITIES = ["MEX", "GTM", "HND", "SLV", "NIC", "CUB", "VEN", "HTI", "COL", "BRA", "IND", "ECU"]
VULNERABILITIES = [
    "medical_emergency",
    "mental_health",
    "lgbtqi",
    "imminent_threat",
    "advanced_age",
]

days = st.integers(0, (LAST - FIRST).days).map(lambda n: FIRST + timedelta(days=n))
places = st.one_of(
    st.sampled_from(place_names("between_ports")).map(
        lambda n: {"kind": "between_ports", "name": n}
    ),
    st.sampled_from(place_names("port_of_entry")).map(
        lambda n: {"kind": "port_of_entry", "name": n}
    ),
)
times = st.one_of(
    st.none(), st.sampled_from(["00:00", "00:01", "11:59", "12:00", "23:58", "23:59"])
)


@st.composite
def people(
    draw: st.DrawFn, adults: tuple[int, int], children: tuple[int, int]
) -> list[dict[str, Any]]:
    nationality = draw(st.sampled_from(NATIONALITIES))
    relationship = draw(st.sampled_from(["parent", "legal_guardian", "other_relative", None]))
    group = [
        {
            "age": draw(st.integers(18, 80)),
            "nationality": nationality,
            "relationship": relationship,
            "vulnerabilities": draw(st.lists(st.sampled_from(VULNERABILITIES), max_size=1)),
        }
        for _ in range(draw(st.integers(*adults)))
    ]
    group += [
        {"age": draw(st.integers(0, 17)), "nationality": nationality}
        for _ in range(draw(st.integers(*children)))
    ]
    return group


@st.composite
def encounters(
    draw: st.DrawFn, adults: tuple[int, int] = (0, 2), children: tuple[int, int] = (0, 3)
) -> dict[str, Any]:
    group = draw(people(adults, children))
    if not group:
        group = [{"age": 30, "nationality": "HND"}]
    document: dict[str, Any] = {
        "date": draw(days).isoformat(),
        "place": draw(places),
        "people": group,
        "cbp_one_appointment": draw(st.booleans()),
        "title42_exception_granted": draw(st.booleans()),
        "manifests_fear": draw(st.booleans()),
        "asylum_denied_in_transit_country": draw(st.booleans()),
    }
    clock = draw(times)
    if clock is not None:
        document["time"] = clock
    return document


@settings(max_examples=300, deadline=None)
@given(encounters(adults=(1, 2), children=(1, 3)))
def test_a_family_unit_shares_one_outcome(document: dict[str, Any]) -> None:
    for adult in document["people"]:
        if adult["age"] >= 18:
            adult["relationship"] = "parent"
    decision = decide(parse_encounter(document, catalogue=CATALOGUE), catalogue=CATALOGUE)
    assert decision.demographic == "family_unit"
    assert decision.members == ()


@settings(max_examples=300, deadline=None)
@given(encounters())
def test_split_groups_give_every_person_an_outcome(document: dict[str, Any]) -> None:
    decision = decide(parse_encounter(document, catalogue=CATALOGUE), catalogue=CATALOGUE)
    if decision.members:
        assert sorted(m.person for m in decision.members) == list(range(len(document["people"])))
        assert "group_split" in decision.flags
        by_unit: dict[int, set[tuple[str, str, str | None]]] = {}
        for member in decision.members:
            by_unit.setdefault(member.unit, set()).add(
                (member.authority, member.pathway, member.destination)
            )
        assert all(len(outcomes) == 1 for outcomes in by_unit.values())


@settings(max_examples=300, deadline=None)
@given(encounters())
def test_decide_is_deterministic(document: dict[str, Any]) -> None:
    first = decide(parse_encounter(document, catalogue=CATALOGUE), catalogue=CATALOGUE)
    second = decide(parse_encounter(dict(document), catalogue=CATALOGUE), catalogue=CATALOGUE)
    assert first.model_dump(mode="json") == second.model_dump(mode="json")


@settings(max_examples=400, deadline=None)
@given(encounters(adults=(0, 1), children=(1, 2)))
def test_an_unaccompanied_child_is_never_expelled_while_the_exception_is_in_force(
    document: dict[str, Any],
) -> None:
    document["people"] = [p for p in document["people"] if p["age"] < 18]
    encounter = parse_encounter(document, catalogue=CATALOGUE)
    exception = CATALOGUE.state_at(encounter.date, encounter.time).get(
        "title42/unaccompanied_children"
    )
    decision = decide(encounter, catalogue=CATALOGUE)
    for outcome in list(decision.members) or [decision]:
        assert outcome.demographic == "unaccompanied_child"
        if exception.value is None or exception.value.excepted:  # type: ignore[attr-defined]
            assert outcome.pathway in ("orr_transfer", "tvpra_contiguous_screening")
            assert outcome.custody_limit_hours == 72


@settings(max_examples=200, deadline=None)
@given(encounters(adults=(0, 0), children=(1, 1)))
def test_no_unaccompanied_child_is_expelled_after_2022_03_11(document: dict[str, Any]) -> None:
    day = date.fromisoformat(document["date"])
    if day < UC_EXCEPTION_FOR_GOOD:
        shift = (day - FIRST) % (LAST - UC_EXCEPTION_FOR_GOOD)
        document["date"] = (UC_EXCEPTION_FOR_GOOD + shift).isoformat()
    decision = decide(parse_encounter(document, catalogue=CATALOGUE), catalogue=CATALOGUE)
    assert decision.pathway != "expulsion"


@settings(max_examples=200, deadline=None)
@given(encounters(), st.integers(1, 3000), st.booleans())
def test_nothing_is_decided_outside_the_catalogue(
    document: dict[str, Any], offset: int, before: bool
) -> None:
    outside = FIRST - timedelta(days=offset) if before else LAST + timedelta(days=offset)
    document["date"] = outside.isoformat()
    with pytest.raises(EncounterInputError) as raised:
        parse_encounter(document, catalogue=CATALOGUE)
    assert [field for field, _ in raised.value.errors] == ["date"]


@settings(max_examples=200, deadline=None)
@given(encounters())
def test_every_reason_is_bilingual_and_cited(document: dict[str, Any]) -> None:
    decision = decide(parse_encounter(document, catalogue=CATALOGUE), catalogue=CATALOGUE)
    assert decision.catalogue_version == CATALOGUE.version
    reasons = list(decision.reasons) + [o.reason for o in decision.options]
    for reason in reasons:
        assert reason.rule in CATALOGUE.documents
        assert reason.text and reason.text_es and reason.text != reason.text_es
        assert reason.citation.url.startswith("http") and reason.citation.fact


@settings(max_examples=300, deadline=None)
@given(encounters())
def test_every_decision_carries_the_custody_standard_and_the_verified_coverage(
    document: dict[str, Any],
) -> None:
    decision = decide(parse_encounter(document, catalogue=CATALOGUE), catalogue=CATALOGUE)
    assert decision.custody_standard_hours == 72
    assert all(m.custody_standard_hours == 72 for m in decision.members)
    assert decision.catalogue_verified_through == CATALOGUE.verified_through
    after = date.fromisoformat(document["date"]) > CATALOGUE.verified_through
    assert ("after_verified_coverage" in decision.flags) == after


@settings(max_examples=300, deadline=None)
@given(encounters(adults=(0, 1), children=(1, 2)))
def test_an_unaccompanied_child_keeps_the_tvpra_in_2025_and_2026(document: dict[str, Any]) -> None:
    document["people"] = [p for p in document["people"] if p["age"] < 18]
    day = date.fromisoformat(document["date"])
    if day < PROCLAMATION:
        document["date"] = (PROCLAMATION + (day - FIRST) % (LAST - PROCLAMATION)).isoformat()
    decision = decide(parse_encounter(document, catalogue=CATALOGUE), catalogue=CATALOGUE)
    for outcome in list(decision.members) or [decision]:
        assert outcome.authority == "title_8"
        assert outcome.pathway in ("orr_transfer", "tvpra_contiguous_screening")
        assert outcome.custody_limit_hours == 72


@settings(max_examples=300, deadline=None)
@given(encounters(adults=(1, 2), children=(0, 2)))
def test_the_proclamation_reaches_only_between_ports_from_2025_01_20(
    document: dict[str, Any],
) -> None:
    decision = decide(parse_encounter(document, catalogue=CATALOGUE), catalogue=CATALOGUE)
    day = date.fromisoformat(document["date"])
    for outcome in list(decision.members) or [decision]:
        if outcome.authority == "proclamation_212f":
            assert PROCLAMATION <= day <= PARTIAL_STAY
            assert document["place"]["kind"] == "between_ports"
            assert outcome.pathway == "summary_repatriation"
            assert outcome.demographic != "unaccompanied_child"
        if "asylum_barred_212f" in outcome.flags:
            assert day >= PROCLAMATION
