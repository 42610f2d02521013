"""The decision in the API's answers: reasons with citations, options, each member's
outcome, the people, the confirmation and the override.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict
from pydantic.fields import FieldInfo

from asilo.policy import decision as policy
from asilo.web.core.schemas import FieldSpec, dataclass_fields, schema_model
from asilo.web.encounters.models import (
    Override,
)
from asilo.web.encounters.schemas.derived import wire_fields
from asilo.web.encounters.seen_before import SeenBefore

# --- response ------------------------------------------------------------------------------
# The answers are built from our own stored rows, whose types the models fix: they are built
# with ``model_construct`` (no validation, which costs more than the rest of the request for a
# list); the decision alone, a stored JSON document, is validated (it drops what the schema does
# not show). ninja serialises an instance of the response schema as it is.


def _utc(value: datetime | None) -> datetime | None:
    """A datetime as read back from the database (UTC), for values still in memory."""
    return value.astimezone(UTC) if value is not None else None


_Citation = schema_model("CitationOut", Schema, wire_fields(policy.ReasonCitation))


class CitationOut(_Citation):  # type: ignore[misc,valid-type]
    pass


_Reason = schema_model(
    "ReasonOut", Schema, wire_fields(policy.Reason, nested={policy.ReasonCitation: CitationOut})
)


class ReasonOut(_Reason):  # type: ignore[misc,valid-type]
    pass


_Option = schema_model(
    "OptionOut", Schema, wire_fields(policy.Option, nested={policy.Reason: ReasonOut})
)


class OptionOut(_Option):  # type: ignore[misc,valid-type]
    pass


#: The answer's schemas of the parts of an outcome.
_OUTCOME_PARTS: dict[type[BaseModel], type[BaseModel]] = {
    policy.Reason: ReasonOut,
    policy.Option: OptionOut,
}
_MemberOutcome = schema_model(
    "MemberOutcomeOut",
    Schema,
    wire_fields(policy.MemberOutcome, nested=_OUTCOME_PARTS, first=("person", "unit")),
)


class MemberOutcomeOut(_MemberOutcome):  # type: ignore[misc,valid-type]
    model_config = ConfigDict(extra="allow")


def _members(info: FieldInfo) -> FieldSpec:
    """Always in the answer (empty when the group shares one outcome)."""
    return list[MemberOutcomeOut], Field()


_Decision = schema_model(
    "DecisionOut",
    Schema,
    wire_fields(policy.Decision, nested=_OUTCOME_PARTS, replace={"members": _members}),
)


class DecisionOut(_Decision):  # type: ignore[misc,valid-type]
    """Exactly the JSON of ``asilo decide --format json``."""

    model_config = ConfigDict(extra="allow")


class PlaceOut(Schema):
    kind: str
    name: str


_SeenBefore = schema_model(
    "SeenBeforeOut",
    Schema,
    dataclass_fields(
        SeenBefore,
        describe={
            "pathway": "The pathway decided for the person then",
            "outcome": "The book-out outcome, null while in custody",
            "match_probability": "How sure identity resolution is that it was this person (0-1)",
        },
    ),
)


class SeenBeforeOut(_SeenBefore):  # type: ignore[misc,valid-type]
    """An earlier encounter of the same person (identity resolution)."""


class ParticipantOut(Schema):
    person_id: int
    position: int
    role: str
    relationship: str
    age: int
    nationality: str
    unit: int = Field(description="People of one unit share one outcome (a family unit in law)")
    pathway: str
    demographic: str
    custody_limit_hours: int | None
    seen_before: list[SeenBeforeOut] | None = Field(
        None,
        description="Earlier encounters of the same person, newest first, found by matching"
        " the person against the stored identities when the encounter was recorded (and on"
        " reading one encounter); null where not looked up (lists) or for a role that may not"
        " see people",
    )


class ConfirmationOut(Schema):
    confirmed_by: str
    confirmed_at: datetime


class OverrideOut(Schema):
    id: int
    encounter_id: int
    authority: str
    pathway: str
    destination: str | None
    reason: str
    within_options: bool
    decided_authority: str
    decided_pathway: str
    overridden_by: str
    overridden_at: datetime
    verdict: str | None
    review_note: str
    reviewed_by: str | None
    reviewed_at: datetime | None

    @staticmethod
    def of(o: Override) -> OverrideOut:
        return OverrideOut.model_construct(
            id=o.pk,
            encounter_id=o.decision.encounter_id,
            authority=o.authority,
            pathway=o.pathway,
            destination=o.destination or None,
            reason=o.reason,
            within_options=o.within_options,
            decided_authority=o.decision.authority,
            decided_pathway=o.decision.pathway,
            overridden_by=o.overridden_by.username,
            overridden_at=o.overridden_at,
            verdict=o.verdict or None,
            review_note=o.review_note,
            reviewed_by=o.reviewed_by.username if o.reviewed_by else None,
            reviewed_at=o.reviewed_at,
        )
