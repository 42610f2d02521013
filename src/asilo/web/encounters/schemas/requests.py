"""The requests of the encounters API: the encounter document (made from the policy engine's
models, passed on to it unknown fields included, so that it names them) and the small write
bodies.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict
from pydantic.fields import FieldInfo

from asilo.policy import encounter as policy
from asilo.policy.encounter import MAX_PEOPLE
from asilo.web.core.schemas import FieldSpec, schema_model
from asilo.web.encounters.schemas.derived import wire_fields
from asilo.web.people.schemas import DocumentIn

# --- request -------------------------------------------------------------------------------
# The encounter document's schemas are made from the policy engine's models (``wire_fields``):
# plain pydantic models with ``extra="allow"``, so that a field they do not declare is passed on
# to the policy engine, which names it in its error (a ninja Schema would drop it silently).


class _Passthrough(BaseModel):
    model_config = ConfigDict(extra="allow")


_Place = schema_model("PlaceIn", _Passthrough, wire_fields(policy.PlaceRef))
_MppCase = schema_model("MppCaseIn", _Passthrough, wire_fields(policy.MppCase))


class PlaceIn(_Place):  # type: ignore[misc,valid-type]
    pass


class MppCaseIn(_MppCase):  # type: ignore[misc,valid-type]
    pass


#: A person's identity fields: asilo's own (kept encrypted on the person), never the engine's.
IDENTITY_FIELDS: dict[str, FieldSpec] = {
    "given_names": (str | None, Field(None)),
    "first_surname": (str | None, Field(None)),
    "second_surname": (str | None, Field(None)),
    "date_of_birth": (
        str | None,
        Field(None, description="YYYY-MM-DD", examples=["1991-04-02"]),
    ),
    "sex": (str | None, Field(None, description="female, male, x or unknown")),
    "documents": (list[DocumentIn] | None, Field(None)),
    "a_number": (str | None, Field(None, description="8 or 9 digits, optionally preceded by A")),
    "languages": (list[str] | None, Field(None, description="ISO 639 codes", examples=[["es"]])),
}


def _person_vulnerabilities(info: FieldInfo) -> FieldSpec:
    return list[str], Field(
        default_factory=list,
        description=f"{info.description}; and violence_in_mexico (kept on the person's record;"
        " the policy engine does not read it)",
    )


def _optional_text(info: FieldInfo) -> FieldSpec:
    """Optional on the wire (absent: the engine's default)."""
    return str | None, Field(None, description=info.description)


_Person = schema_model(
    "EncounterPersonIn",
    _Passthrough,
    wire_fields(
        policy.Person,
        omit=("recent_presence",),
        replace={"vulnerabilities": _person_vulnerabilities, "lawful_status": _optional_text},
        before={"lawful_status": IDENTITY_FIELDS},
    ),
)


class EncounterPersonIn(_Person):  # type: ignore[misc,valid-type]
    """One person: the policy engine's fields, plus optional identity fields (encrypted)."""


def _required_place(info: FieldInfo) -> FieldSpec:
    return PlaceIn, Field()


def _people(info: FieldInfo) -> FieldSpec:
    """The engine's limit on the number of people is enforced by the API itself (a document
    too large is refused before it is read further); an empty list is the engine's to name."""
    return list[EncounterPersonIn], Field(max_length=MAX_PEOPLE, description=info.description)


_Encounter = schema_model(
    "EncounterIn",
    _Passthrough,
    wire_fields(
        policy.Encounter,
        nested={policy.MppCase: MppCaseIn},
        replace={"place": _required_place, "people": _people},
    ),
)


class EncounterIn(_Encounter):  # type: ignore[misc,valid-type]
    """The encounter document of ``asilo decide``, with identities and asilo's request fields.

    Unknown fields are passed to the policy engine, which names them in its error.
    """

    client_request_id: str | None = Field(
        None,
        description="Idempotency: a resubmission with the same id returns the first encounter."
        " The Idempotency-Key header does the same.",
    )
    booked_in_at: datetime | None = Field(
        None, description="Book-in time (default: now); not before the encounter"
    )


class OverrideIn(Schema):
    authority: str = Field(examples=["title_8"])
    pathway: str = Field(examples=["processing"])
    destination: str | None = Field(None, description="ISO alpha-3 or null")
    reason: str = Field(description="Why the officer departs from the decision (15+ characters)")


class ReviewIn(Schema):
    verdict: str = Field(description="upheld or overturned")
    note: str = Field("", description="Required (10+ characters) when overturned")


class BookOutIn(Schema):
    outcome: str = Field(
        description="expelled, returned_mpp, transferred_orr, released_nta, transferred_ice"
    )
    family: bool = Field(
        False,
        description="Book out every member of the person's family unit still in custody with"
        " this outcome, in one transaction (refused as a whole if unlawful for one of them)",
    )


class FamilyExceptionIn(Schema):
    custody_id: int
    outcome: str
    reason: str = Field(description="Why this member must leave to another outcome (15+ chars)")


class NoteIn(Schema):
    note: str = Field(description="10+ characters")


class TaskCloseIn(Schema):
    note: str = Field(description="How the family was brought back together, or why closed")
    outcome: str = Field("reunited", description="reunited, or closed (with a reason)")


class TaskStepIn(Schema):
    step: str = Field(description="contact_made, or located (sponsor or parent located)")


class TaskNoteIn(Schema):
    text: str = Field(description="10+ characters")
