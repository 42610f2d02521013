"""decide_many gives every encounter the decision decide gives it; replay and scenarios."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_cases import SCENARIOS, CaseMismatch, run_case

from asilo.policy import (
    CatalogueError,
    EncounterBatch,
    decide,
    decide_many,
    load_catalogue,
    load_scenario,
    parse_encounter,
    replay,
)
from asilo.policy.batch import FACTS, NATIONALITY_INDEX, PLACE_INDEX, day_number
from asilo.policy.places import PLACES

CATALOGUE = load_catalogue()
FIRST, LAST = CATALOGUE.covers
SHAPES = (
    ((30, None, "none"),),
    ((15, None, "none"),),
    ((34, "parent", "none"), (4, None, "none")),
    ((34, "parent", "none"), (7, None, "none"), (2, None, "none")),
    ((34, "parent", "none"), (33, "parent", "none"), (12, None, "none")),
    ((40, "other_relative", "none"), (9, None, "none")),
    ((40, "legal_guardian", "none"), (16, None, "none")),
    ((40, "parent", "us_citizen"), (5, None, "none")),
    ((9, None, "none"), (2, None, "none"), (31, "parent", "none")),
    ((16, None, "none"), (12, None, "none")),
)
ENCOUNTER_PLACES = [i for i, p in enumerate(PLACES) if p.is_place_of_encounter]
NATIONALITIES = ["MEX", "GTM", "HND", "SLV", "CUB", "NIC", "VEN", "HTI", "COL", "BRA", "IND"]


def _document(day: date, place: int, nationality: str, shape: int, facts: int) -> dict[str, object]:
    spot = PLACES[place]
    document: dict[str, object] = {
        "date": day.isoformat(),
        "place": {"kind": spot.kind, "name": spot.name},
        "people": [
            {"age": age, "nationality": nationality, "relationship": rel, "lawful_status": status}
            for age, rel, status in SHAPES[shape]
        ],
    }
    document.update({name: bool(facts >> bit & 1) for bit, name in enumerate(FACTS)})
    return document


rows = st.tuples(
    st.integers(0, (LAST - FIRST).days).map(lambda n: FIRST + timedelta(days=n)),
    st.sampled_from(ENCOUNTER_PLACES),
    st.sampled_from(NATIONALITIES),
    st.integers(0, len(SHAPES) - 1),
    st.integers(0, (1 << len(FACTS)) - 1),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(rows, min_size=1, max_size=40))
def test_decide_many_equals_decide_for_every_encounter(batch_rows: list[tuple]) -> None:  # type: ignore[type-arg]
    batch = EncounterBatch(
        day=np.array([day_number(r[0]) for r in batch_rows], dtype=np.int32),
        place=np.array([r[1] for r in batch_rows], dtype=np.int16),
        nationality=np.array([NATIONALITY_INDEX[r[2]] for r in batch_rows], dtype=np.int16),
        shape=np.array([r[3] for r in batch_rows], dtype=np.int32),
        facts=np.array([r[4] for r in batch_rows], dtype=np.uint8),
        shapes=SHAPES,
    )
    outcome = decide_many(batch, catalogue=CATALOGUE)
    assert len(outcome.index) == len(batch_rows)
    for row, values in enumerate(batch_rows):
        encounter = parse_encounter(_document(*values), catalogue=CATALOGUE)
        expected = decide(encounter, catalogue=CATALOGUE).model_dump(mode="json")
        assert outcome.decision(row).model_dump(mode="json") == expected


def test_decide_many_decides_each_shape_once() -> None:
    day = day_number(date(2022, 6, 1))
    size = 1000
    batch = EncounterBatch(
        day=np.full(size, day, dtype=np.int32),
        place=np.full(size, PLACE_INDEX[("between_ports", "El Paso")], dtype=np.int16),
        nationality=np.full(size, NATIONALITY_INDEX["HND"], dtype=np.int16),
        shape=np.arange(size, dtype=np.int32) % 2,
        facts=np.zeros(size, dtype=np.uint8),
        shapes=SHAPES,
    )
    outcome = decide_many(batch, catalogue=CATALOGUE)
    assert len(outcome.decisions) == 2
    assert {d.pathway for d in outcome.decisions} == {"expulsion", "orr_transfer"}


def _encounter(day: str, nationality: str = "HND") -> object:
    return parse_encounter(
        {
            "date": day,
            "place": {"kind": "between_ports", "name": "El Paso"},
            "people": [{"age": 30, "nationality": nationality}],
        },
        catalogue=CATALOGUE,
    )


def test_replay_reports_only_changed_outcomes() -> None:
    scenario = load_scenario(SCENARIOS / "title42-ended-2021-01-20.yaml")
    encounters = [_encounter(d) for d in ("2020-06-01", "2021-03-01", "2022-06-01", "2023-06-01")]
    report = replay(encounters, catalogue=CATALOGUE, scenario=scenario)  # type: ignore[arg-type]
    assert report.encounters == 4
    assert [c.index for c in report.changes] == [1, 2]
    assert all(
        c.before.pathway == "expulsion" and c.after.pathway == "processing" for c in report.changes
    )
    assert report.alternative_version.startswith(CATALOGUE.version + "+title42-ended-2021-01-20.")


def test_a_scenario_decision_names_the_scenario_and_its_version() -> None:
    scenario = load_scenario(SCENARIOS / "title42-ended-2021-01-20.yaml")
    decision = decide(_encounter("2021-03-01"), catalogue=CATALOGUE, scenario=scenario)  # type: ignore[arg-type]
    assert decision.scenario == "title42-ended-2021-01-20"
    assert decision.catalogue_version != CATALOGUE.version
    assert any(r.citation.fact == "SCN-T42-20210120" for r in decision.reasons)


def test_a_scenario_without_citation_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\ndescription: x\nwritten_on: '2026-01-01'\n"
        "changes:\n  - policy: title42/order\n    end: {date: '2021-01-20'}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="citation"):
        load_scenario(path)


def test_a_scenario_naming_an_unknown_policy_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\ndescription: x\nwritten_on: '2026-01-01'\nchanges:\n"
        "  - policy: title99/order\n    end: {date: '2021-01-20'}\n"
        "    citation: {title: A title, url: 'https://example.org', section: s, fact: SCN-X}\n",
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    with pytest.raises(CatalogueError, match="title99/order"):
        scenario.apply(CATALOGUE)


def test_a_scenario_setting_a_new_value_passes_the_schema_check(tmp_path: Path) -> None:
    path = tmp_path / "tamaulipas.yaml"
    path.write_text(
        "name: tamaulipas-all-minors\ndescription: x\nwritten_on: '2026-01-01'\nchanges:\n"
        "  - policy: title42/tamaulipas_young_children\n"
        "    update: {value: {youngest_child_under: 18}}\n"
        "    citation: {title: A title, url: 'https://example.org', section: s, fact: SCN-X}\n",
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    document = {
        "date": "2021-03-01",
        "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
        "people": [
            {"age": 30, "nationality": "HND", "relationship": "parent"},
            {"age": 12, "nationality": "HND"},
        ],
    }
    encounter = parse_encounter(document, catalogue=CATALOGUE)
    assert decide(encounter, catalogue=CATALOGUE).pathway == "expulsion"
    assert decide(encounter, catalogue=CATALOGUE, scenario=scenario).pathway == "processing"


def test_an_acceptance_case_with_a_wrong_expectation_fails() -> None:
    case = {
        "id": "wrong",
        "date": "2021-03-01",
        "input": {
            "place": {"kind": "between_ports", "name": "El Paso"},
            "people": [{"age": 30, "nationality": "HND"}],
        },
        "expect": {"pathway": "processing"},
    }
    with pytest.raises(CaseMismatch, match="pathway"):
        run_case(case, {})
