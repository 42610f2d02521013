"""The encounter document: split into the policy engine's input and each person's identity,
checked and decided. Writes nothing (the preview reads it too).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from asilo.policy import EncounterInputError, decide, load_catalogue, parse_encounter
from asilo.web.encounters.clocks import (
    encounter_moment,
    place_time_zone,
)
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.people.errors import DomainError, PeopleError
from asilo.web.people.errors import PeopleErrorCode as PC
from asilo.web.people.models import PERSON_ONLY_VULNERABILITIES
from asilo.web.people.validation import IdentityInput, clean_identity

if TYPE_CHECKING:
    from asilo.policy import Decision
    from asilo.policy import Encounter as PolicyEncounter


#: A person's identity fields: kept (encrypted) on the person, never passed to the policy engine.
IDENTITY_FIELDS = frozenset(
    {
        "given_names",
        "first_surname",
        "second_surname",
        "date_of_birth",
        "sex",
        "documents",
        "a_number",
        "languages",
    }
)
#: Top-level fields of the request that are asilo's, not the policy engine's.
REQUEST_FIELDS = frozenset({"client_request_id", "booked_in_at"})
CLOCK_SKEW = timedelta(minutes=5)


class EncounterErrors(Exception):
    """Every input error of a document at once: the policy engine's (every bad field), or the
    identity errors (the first bad field of each person)."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.code}" for e in errors))


@dataclass(frozen=True)
class PreparedEncounter:
    """An encounter as submitted, checked and decided: what the recording service takes.

    ``parsed`` is the policy engine's typed encounter and ``identities`` each person's identity
    (asilo's own fields, never given to the engine), in the order of ``parsed.people``.
    ``policy_document`` is the engine's input as it was received, kept verbatim as the record
    of what was decided (a replay decides it again); nothing reads fields from it.
    """

    policy_document: dict[str, Any]
    parsed: PolicyEncounter
    identities: list[IdentityInput]
    occurred_at: datetime | None
    #: The policy engine's decision, typed (``result`` is its JSON, as stored).
    decision: Decision
    #: The moment of the encounter in its place's time zone (the start of the day when the
    #: time is unknown), and whether the time of day is known.
    moment: datetime
    time_known: bool

    @property
    def result(self) -> dict[str, Any]:
        """The decision as JSON: what the database stores and the API answers."""
        return self.decision.model_dump(mode="json")

    def canonical(self) -> str:
        """The submission as one canonical text (the typed values, so that two spellings of
        one A-number or date are one submission): what idempotency compares."""
        payload = {
            "encounter": self.parsed.model_dump(mode="json"),
            "identities": [asdict(identity) for identity in self.identities],
        }
        return json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)


@dataclass(frozen=True)
class PersonOutcome:
    """What the decision says for one person: their own outcome when the decision splits the
    group into units, else the group's (unit 0)."""

    pathway: str
    demographic: str
    unit: int
    custody_limit_hours: int | None


def policy_field(path: str) -> str | None:
    """``people[0].age`` (the policy engine's) -> ``people.0.age`` (the API's)."""
    if path in ("", "(document)"):
        return None
    return path.replace("[", ".").replace("]", "")


def split_document(document: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The policy engine's document, and each person's full object (identity included)."""
    policy = {k: v for k, v in document.items() if k not in REQUEST_FIELDS}
    people = document.get("people")
    raw_people: list[dict[str, Any]] = []
    if isinstance(people, list):
        policy_people: list[Any] = []
        for person in people:
            if not isinstance(person, Mapping):
                raw_people.append({})
                policy_people.append(person)
                continue
            raw_people.append(dict(person))
            policy_person = {k: v for k, v in person.items() if k not in IDENTITY_FIELDS}
            if policy_person.get("relationship") == "child":
                # asilo's own word for a child's place in the unit; the engine leaves a child's
                # relationship empty (it reads the adults' relationships to the children).
                del policy_person["relationship"]
            vulnerabilities = policy_person.get("vulnerabilities")
            if isinstance(vulnerabilities, list):
                policy_person["vulnerabilities"] = [
                    v for v in vulnerabilities if v not in PERSON_ONLY_VULNERABILITIES
                ]
            policy_people.append(policy_person)
        policy["people"] = policy_people
    return policy, raw_people


def prepare_encounter(
    document: Mapping[str, Any], *, now: datetime | None = None
) -> PreparedEncounter:
    """Check an encounter document as received (JSON) and decide it; writes nothing. The one
    place where the document is read as a mapping: what comes out is typed. Raises
    ``EncounterErrors`` (every bad field) or an ``EncounterError`` naming the field."""
    now = now or timezone.now()
    if not isinstance(document, Mapping):
        raise EncounterErrors(
            [EncounterError(C.INVALID_ENCOUNTER, None, detail="an encounter is a JSON object")]
        )
    policy_document, raw_people = split_document(document)
    catalogue = load_catalogue()
    try:
        parsed = parse_encounter(policy_document, catalogue=catalogue)
    except EncounterInputError as exc:
        raise EncounterErrors(
            [
                EncounterError(C.INVALID_ENCOUNTER, policy_field(field), detail=f"{field} {msg}")
                for field, msg in exc.errors
            ]
        ) from None
    place = parsed.place_of_encounter()
    zone = place_time_zone(place.kind, place.name)
    moment, time_known = encounter_moment(parsed.date, parsed.time, zone)
    occurred_at = moment if time_known else None
    today = timezone.localtime(now, zone).date()
    if parsed.date > today or (occurred_at is not None and occurred_at > now + CLOCK_SKEW):
        raise EncounterError(C.ENCOUNTER_IN_FUTURE, "date" if parsed.date > today else "time")
    identities: list[IdentityInput] = []
    errors: list[DomainError] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_people):
        try:
            identity = clean_identity(raw, on=parsed.date, prefix=f"people.{i}")
        except PeopleError as exc:
            errors.append(exc)
            continue
        if identity.a_number is not None:
            if identity.a_number in seen:
                errors.append(PeopleError(PC.FAMILY_MEMBER_DUPLICATE, f"people.{i}.a_number"))
            seen.add(identity.a_number)
        identities.append(identity)
    if errors:
        raise EncounterErrors(errors)
    decision = decide(parsed, catalogue=catalogue)
    return PreparedEncounter(
        policy_document, parsed, identities, occurred_at, decision, moment, time_known
    )


def member_outcomes(decision: Decision, count: int) -> list[PersonOutcome]:
    """Each person's outcome: their own when the decision splits the group, else the group's."""
    group = PersonOutcome(decision.pathway, decision.demographic, 0, decision.custody_limit_hours)
    by_person = {
        m.person: PersonOutcome(m.pathway, m.demographic, m.unit, m.custody_limit_hours)
        for m in decision.members
    }
    return [by_person.get(i, group) for i in range(count)]
