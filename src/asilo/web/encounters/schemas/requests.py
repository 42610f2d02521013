"""The requests of the encounters API: the encounter document (passed on to the policy
engine, unknown fields included, so that it names them) and the small write bodies.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from asilo.web.people.schemas import DocumentIn

# --- request -------------------------------------------------------------------------------
# The encounter document's models are plain pydantic models with ``extra="allow"``: a field
# they do not declare is passed on to the policy engine, which names it in its error (a ninja
# Schema would drop it silently).


class _Passthrough(BaseModel):
    model_config = ConfigDict(extra="allow")


class PlaceIn(_Passthrough):
    kind: str = Field(description="between_ports (Border Patrol) or port_of_entry (OFO)")
    name: str = Field(description="Sector or port as CBP names it", examples=["Rio Grande Valley"])


class MppCaseIn(_Passthrough):
    status: str = Field(description="active, terminated or removal_order_in_absentia")


class EncounterPersonIn(_Passthrough):
    """One person: the policy engine's fields, plus optional identity fields (encrypted)."""

    age: int = Field(examples=[34])
    nationality: str = Field(description="ISO 3166-1 alpha-3", examples=["HND"])
    role: str | None = Field(None, description="adult or child (derived from age when absent)")
    relationship: str | None = Field(
        None,
        description="An adult's relationship to the children: parent, legal_guardian,"
        " other_relative",
    )
    vulnerabilities: list[str] = Field(
        default_factory=list,
        description="medical_emergency, physical_health, mental_health, pregnancy, advanced_age,"
        " disability, lgbtqi, imminent_threat, trafficking_victim; and violence_in_mexico (kept"
        " on the person's record; the policy engine does not read it)",
    )
    given_names: str | None = None
    first_surname: str | None = None
    second_surname: str | None = None
    date_of_birth: str | None = Field(None, description="YYYY-MM-DD", examples=["1991-04-02"])
    sex: str | None = Field(None, description="female, male, x or unknown")
    documents: list[DocumentIn] | None = None
    a_number: str | None = Field(None, description="8 or 9 digits, optionally preceded by A")
    languages: list[str] | None = Field(None, description="ISO 639 codes", examples=[["es"]])
    lawful_status: str | None = Field(
        None,
        description="none, us_citizen, lawful_permanent_resident or lawfully_admissible",
    )


class EncounterIn(_Passthrough):
    """The encounter document of ``asilo decide``, with identities and asilo's request fields.

    Unknown fields are passed to the policy engine, which names them in its error.
    """

    date: str = Field(description="YYYY-MM-DD", examples=["2022-05-10"])
    time: str | None = Field(None, description="HH:MM, U.S. Eastern", examples=["06:40"])
    place: PlaceIn
    people: list[EncounterPersonIn] = Field(
        max_length=30, description="At most 30 people in one encounter."
    )
    unaccompanied: bool | None = None
    mpp_case: MppCaseIn | None = None
    cbp_one_appointment: bool = False
    title42_exception_granted: bool = False
    fear_of_return_to_mexico_established: bool = False
    asylum_denied_in_transit_country: bool = False
    used_lawful_process: bool = False
    cbp_one_unavailable_shown: bool = False
    manifests_fear: bool = True
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
