"""Request and response schemas of the people API (explicit, for a useful OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from asilo.web.core.api import ErrorOut, ErrorsOut
from asilo.web.people.models import FamilyUnit, Person

__all__ = ["ErrorOut", "ErrorsOut"]  # the core's one error schema, for older imports


class DocumentOut(Schema):
    kind: str = Field(examples=["passport"])
    issuing_country: str = Field(examples=["HND"])
    number: str


class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="passport, national_id, birth_certificate, consular_id, other")
    number: str = Field(description="1–40 letters, digits, spaces or hyphens")
    issuing_country: str | None = Field(None, description="ISO 3166-1 alpha-3")


class PersonOut(Schema):
    id: int
    given_names: str
    first_surname: str
    second_surname: str
    date_of_birth: date | None
    age: int | None = Field(description="Stated or estimated age on `age_recorded_on`")
    age_recorded_on: date | None
    sex: str = Field(examples=["female"])
    nationality: str = Field(examples=["HND"])
    languages: list[str]
    documents: list[DocumentOut]
    a_number: str | None
    vulnerabilities: list[str]
    created_at: datetime

    @staticmethod
    def of(person: Person) -> PersonOut:
        return PersonOut(
            id=person.pk,
            given_names=person.given_names or "",
            first_surname=person.first_surname or "",
            second_surname=person.second_surname or "",
            date_of_birth=person.date_of_birth,
            age=person.estimated_age,
            age_recorded_on=person.age_recorded_on,
            sex=person.sex,
            nationality=person.nationality,
            languages=list(person.languages),
            documents=[
                DocumentOut(kind=d.kind, issuing_country=d.issuing_country, number=d.number)
                for d in person.documents.all()
            ],
            a_number=person.a_number,
            vulnerabilities=list(person.vulnerabilities),
            created_at=person.created_at,
        )


class PersonMatchOut(Schema):
    score: float = Field(description="Similarity of the name to the query, 0–100")
    person: PersonOut


class PersonSearchOut(Schema):
    query: str
    results: list[PersonMatchOut]


class PersonProfileIn(Schema):
    """What is learnt after the encounter, and corrections; absent fields are kept (an empty
    name clears it)."""

    vulnerabilities: list[str] | None = None
    languages: list[str] | None = None
    a_number: str | None = None
    given_names: str | None = None
    first_surname: str | None = None
    second_surname: str | None = None
    date_of_birth: str | None = Field(None, description="YYYY-MM-DD")
    sex: str | None = Field(None, description="female, male, x or unknown")


class MemberOut(Schema):
    position: int
    role: str = Field(examples=["adult"])
    relationship: str = Field(examples=["parent"])
    person: PersonOut


class FamilyUnitOut(Schema):
    id: int
    created_at: datetime
    members: list[MemberOut]

    @staticmethod
    def of(unit: FamilyUnit) -> FamilyUnitOut:
        return FamilyUnitOut(
            id=unit.pk,
            created_at=unit.created_at,
            members=[
                MemberOut(
                    position=m.position,
                    role=m.role,
                    relationship=m.relationship,
                    person=PersonOut.of(m.person),
                )
                for m in unit.memberships.all()
            ],
        )


class FamilyUnitSearchOut(Schema):
    query: str
    results: list[FamilyUnitOut]
