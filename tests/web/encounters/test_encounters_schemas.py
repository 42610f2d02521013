"""The encounters API's schemas are made from the policy package's models: the encounter
document and the decision are declared once, in ``asilo.policy``."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from asilo.policy import decision as policy_decision
from asilo.policy import encounter as policy_encounter
from asilo.web.encounters.schemas.decisions import DecisionOut
from asilo.web.encounters.schemas.derived import wire_fields, wire_type
from asilo.web.encounters.schemas.requests import (
    IDENTITY_FIELDS,
    EncounterIn,
    EncounterPersonIn,
    MppCaseIn,
)


def test_the_encounter_schema_has_the_policy_fields_in_their_order() -> None:
    policy_fields = list(policy_encounter.Encounter.model_fields)
    assert list(EncounterIn.model_fields) == [*policy_fields, "client_request_id", "booked_in_at"]
    person = [f for f in policy_encounter.Person.model_fields if f != "recent_presence"]
    assert [f for f in EncounterPersonIn.model_fields if f not in IDENTITY_FIELDS] == person


def test_defaults_and_descriptions_come_from_the_policy_models() -> None:
    for name, info in policy_encounter.Encounter.model_fields.items():
        if isinstance(info.default, bool):
            assert EncounterIn.model_fields[name].default is info.default, name
    people = EncounterIn.model_fields["people"]
    assert people.description == policy_encounter.Encounter.model_fields["people"].description
    nationality = EncounterPersonIn.model_fields["nationality"]
    assert nationality.examples == ["HND"]


def test_the_decision_schema_is_the_policy_decision() -> None:
    assert list(DecisionOut.model_fields) == list(policy_decision.Decision.model_fields)


def test_codes_dates_and_bounds_are_left_to_the_policy_engine() -> None:
    """A bad code or an out-of-range age passes the schema: the engine names it (400
    ``invalid_encounter``), not the schema's generic message."""
    person = EncounterPersonIn.model_validate({"age": -1, "nationality": "XXX", "role": "boss"})
    assert (person.age, person.nationality, person.role) == (-1, "XXX", "boss")
    assert MppCaseIn.model_validate({"status": "unknown"}).status == "unknown"


def test_a_field_added_to_the_policy_model_reaches_the_schema() -> None:
    class Later(BaseModel):
        name: str = Field(description="A name")
        kind: Literal["a", "b"] | None = None
        on: dt.date
        at: dt.time | None = None
        count: int = Field(3, ge=0)
        codes: tuple[Literal["x"], ...] = ()
        flag: bool = False

    fields = wire_fields(Later, first=("flag",))
    assert list(fields) == ["flag", "name", "kind", "on", "at", "count", "codes"]
    assert fields["kind"][0] == str | None
    assert fields["on"][0] is str
    assert fields["codes"][0] == list[str]
    assert fields["count"][1].default == 3 and not fields["count"][1].metadata
    assert fields["name"][1].description == "A name"


def test_a_type_without_a_wire_form_is_refused() -> None:
    with pytest.raises(TypeError):
        wire_type(float, {})
    with pytest.raises(KeyError):
        wire_type(policy_encounter.PlaceRef, {})


def test_answers_built_from_selector_results_have_their_fields() -> None:
    """The custody summary, the children-alone check, the standard report and the seen-before
    rows answer the selectors' own dataclasses, field for field."""
    import dataclasses

    from asilo.web.encounters import selectors
    from asilo.web.encounters.schemas import custody, decisions
    from asilo.web.encounters.seen_before import SeenBefore

    for result, answer in (
        (selectors.CustodySummary, custody.CustodySummaryOut),
        (selectors.ChildAlone, custody.ChildAloneOut),
        (selectors.StandardBreach, custody.StandardBreachOut),
        (SeenBefore, decisions.SeenBeforeOut),
    ):
        assert list(answer.model_fields) == [f.name for f in dataclasses.fields(result)]
    assert custody.CustodySummaryOut.model_fields["children_alone"].description == (
        "Children left without an adult: must be 0"
    )
