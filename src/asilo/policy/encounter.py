"""The encounter document: one person or group met at a date and place, and its validation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from asilo.policy.countries import ISO3
from asilo.policy.places import Place, find_place
from asilo.policy.schema import MppStatus, PlaceKind, Vulnerability

if TYPE_CHECKING:
    from asilo.policy.catalogue import Catalogue

ADULT_AGE = 18
Role = Literal["adult", "child"]
Relationship = Literal["parent", "legal_guardian", "other_relative"]
LawfulStatus = Literal["none", "us_citizen", "lawful_permanent_resident", "lawfully_admissible"]


class EncounterInputError(ValueError):
    """Bad encounter input. ``errors`` lists ``(field, message)``; ``str()`` names every field."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors))


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlaceRef(_Document):
    kind: PlaceKind = Field(description="between_ports (Border Patrol) or port_of_entry (OFO)")
    name: str = Field(
        min_length=1,
        description="Sector or port as CBP names it",
        examples=["Rio Grande Valley"],
    )


class MppCase(_Document):
    status: MppStatus = Field(description="active, terminated or removal_order_in_absentia")


def _country_code(value: str, examples: str) -> str:
    """``value`` when it is an ISO 3166-1 alpha-3 code, else refused (``examples`` shown)."""
    if value not in ISO3:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-3 code (e.g. {examples})")
    return value


class Presence(_Document):
    """A country a person was in, and how many days before the encounter they were last there."""

    country: str
    days_before_encounter: int = Field(ge=0)

    @field_validator("country")
    @classmethod
    def _iso3(cls, value: str) -> str:
        return _country_code(value, "COD, UGA")


class Person(_Document):
    """One person. ``relationship`` is an adult's relationship to the children in the group.

    ``recent_presence`` is the person's recent travel (``None``: not known); the 2026 Title 42
    order follows it, not nationality.
    """

    age: int = Field(ge=0, le=130, examples=[34])
    nationality: str = Field(description="ISO 3166-1 alpha-3", examples=["HND"])
    role: Role | None = Field(
        default=None, description="adult or child (derived from age when absent)"
    )
    relationship: Relationship | None = Field(
        default=None,
        description="An adult's relationship to the children: parent, legal_guardian,"
        " other_relative",
    )
    vulnerabilities: tuple[Vulnerability, ...] = Field(
        default=(),
        description="medical_emergency, physical_health, mental_health, pregnancy, advanced_age,"
        " disability, lgbtqi, imminent_threat, trafficking_victim",
    )
    lawful_status: LawfulStatus = Field(
        default="none",
        description="none, us_citizen, lawful_permanent_resident or lawfully_admissible",
    )
    recent_presence: tuple[Presence, ...] | None = None

    @field_validator("nationality")
    @classmethod
    def _iso3(cls, value: str) -> str:
        return _country_code(value, "HND, MEX")

    @property
    def is_child(self) -> bool:
        return self.age < ADULT_AGE

    @property
    def is_guardian(self) -> bool:
        return not self.is_child and self.relationship in ("parent", "legal_guardian")

    @property
    def has_status(self) -> bool:
        return self.lawful_status != "none" or self.nationality == "USA"


def _written_as(value: object, form: str, parse: Callable[[str], object], what: str) -> object:
    """A text ``value`` read when it is written exactly as ``form`` (else refused as not
    ``what``); any other value is left to the field's type."""
    if not isinstance(value, str):
        return value
    try:
        if len(value) != len(form):
            raise ValueError(value)
        return parse(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not {what}") from exc


#: The most people one encounter (or one registered family) may hold (issue 11).
MAX_PEOPLE = 30


class Encounter(_Document):
    """The encounter document of issue 2 (identity fields such as names are not part of it)."""

    date: dt.date = Field(description="YYYY-MM-DD", examples=["2022-05-10"])
    time: dt.time | None = Field(
        default=None, description="HH:MM, U.S. Eastern", examples=["06:40"]
    )
    place: PlaceRef | None = None
    #: At most 30 people in one encounter (a family or a group that travelled together); a
    #: larger document is refused with an error naming ``people`` (issue 11).
    people: tuple[Person, ...] = Field(
        min_length=1,
        max_length=MAX_PEOPLE,
        description=f"At most {MAX_PEOPLE} people in one encounter.",
    )
    unaccompanied: bool | None = None
    mpp_case: MppCase | None = None
    cbp_one_appointment: bool = False
    title42_exception_granted: bool = False
    fear_of_return_to_mexico_established: bool = False
    asylum_denied_in_transit_country: bool = False
    used_lawful_process: bool = False
    cbp_one_unavailable_shown: bool = False
    manifests_fear: bool = True

    @field_validator("date", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        return _written_as(value, "YYYY-MM-DD", dt.date.fromisoformat, "a date (YYYY-MM-DD)")

    @field_validator("time", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        return _written_as(value, "HH:MM", dt.time.fromisoformat, "a time (HH:MM, U.S. Eastern)")

    def place_of_encounter(self) -> Place:
        assert self.place is not None, "parse_encounter requires a place for decide"
        place = find_place(self.place.kind, self.place.name)
        assert place is not None, "parse_encounter checks the place"
        return place


def _field(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field of the encounter document",
}


def _message(error: Any) -> str:
    kind = error["type"]
    limit = (error.get("ctx") or {}).get("ge", (error.get("ctx") or {}).get("le"))
    if kind in ("greater_than_equal", "less_than_equal"):
        word = "at least" if kind == "greater_than_equal" else "at most"
        return f"must be {word} {limit}, not {error['input']!r}"
    if kind == "literal_error":
        return f"{error['input']!r} is not allowed; {error['msg'].removeprefix('Input should be ')}"
    message: str = _MESSAGES.get(kind, error["msg"])
    return message.removeprefix("Value error, ")


def _pydantic_errors(exc: ValidationError) -> list[tuple[str, str]]:
    errors = [(_field(tuple(error["loc"])), _message(error)) for error in exc.errors()]
    nested = {field for field, _ in errors if field.startswith("people[")}
    return [(f, m) for f, m in errors if not (f == "people" and nested)]


def _role_errors(encounter: Encounter) -> list[tuple[str, str]]:
    errors = []
    for index, person in enumerate(encounter.people):
        if person.role == "child" and not person.is_child:
            errors.append((f"people[{index}].role", f"'child' but age {person.age} is 18 or over"))
        if person.role == "adult" and person.is_child:
            errors.append((f"people[{index}].role", f"'adult' but age {person.age} is under 18"))
    return errors


def _group_errors(encounter: Encounter) -> list[tuple[str, str]]:
    people = encounter.people
    if all(p.has_status for p in people):
        return [("people", "everyone has lawful status (U.S. citizen, LPR or admissible)")]
    children = [p for p in people if p.is_child]
    guardians = [p for p in people if p.is_guardian]
    if encounter.unaccompanied is True and not children:
        return [("unaccompanied", "true, but the group has no child under 18")]
    if encounter.unaccompanied is False and children and not guardians:
        return [
            (
                "unaccompanied",
                "false, but no parent or legal guardian travels with the child(ren): in law they"
                " are unaccompanied (6 U.S.C. 279(g))",
            )
        ]
    return []


def parse_encounter(
    doc: Mapping[str, Any],
    *,
    catalogue: Catalogue,
    require_place: bool = True,
    future: bool = False,
) -> Encounter:
    """Validate an encounter document; raise :class:`EncounterInputError` naming each bad field.

    ``require_place=False`` accepts a document without ``place`` (the MPP wind-down question is
    asked of people waiting in Mexico); ``decide`` always needs the place. ``future=True``
    accepts a date after tomorrow (for a scenario, where replaying the future is the point).
    """
    if not isinstance(doc, Mapping):
        raise EncounterInputError([("(document)", "an encounter is a JSON object")])
    try:
        encounter = Encounter.model_validate(dict(doc))
    except ValidationError as exc:
        raise EncounterInputError(_pydantic_errors(exc)) from None
    errors = (
        _role_errors(encounter) + _group_errors(encounter) + _place_errors(encounter, require_place)
    )
    coverage = catalogue.coverage_error(encounter.date, future=future)
    if coverage is not None:
        errors.append(("date", coverage))
    if errors:
        raise EncounterInputError(errors)
    return encounter


def _place_errors(encounter: Encounter, require_place: bool) -> list[tuple[str, str]]:
    if encounter.place is None:
        return [("place", "is required")] if require_place else []
    errors: list[tuple[str, str]] = []
    place = find_place(encounter.place.kind, encounter.place.name)
    if place is None:
        errors.append(
            (
                "place.name",
                f"{encounter.place.name!r} is not a southwest-border "
                + (
                    "Border Patrol sector"
                    if encounter.place.kind == "between_ports"
                    else "land port of entry"
                ),
            )
        )
    elif not place.is_place_of_encounter:
        errors.append(("place.name", f"{place.name!r} is a field office; name the port of entry"))
    return errors
