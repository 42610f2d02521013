"""Reads of people and family units.

A person's record is personal data: every read by a user (one record, or each record in a
search result) is audited with ``audit_view``, and a refusal is audited too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from rapidfuzz import fuzz

from asilo.web.audit.services import audit_record, audit_view
from asilo.web.core.access import require
from asilo.web.core.roles import Capability, has_capability
from asilo.web.people import name_index
from asilo.web.people.errors import PeopleError
from asilo.web.people.errors import PeopleErrorCode as C
from asilo.web.people.models import FamilyMembership, FamilyUnit, NameIndexEntry, Person
from asilo.web.people.object_types import FAMILY_UNIT, PERSON

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from asilo.web.accounts.models import User

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class PersonMatch:
    person: Person
    score: float


def person_view(*, actor: User | AnonymousUser, person_id: int) -> Person:
    """One person's record, for a user who may see it; the read is audited."""
    require(actor, Capability.PERSON_VIEW, object_type=PERSON, object_id=person_id)
    person = Person.objects.prefetch_related("documents").filter(pk=person_id).first()
    if person is None:
        raise PeopleError(C.PERSON_NOT_FOUND, "person_id")
    audit_view(actor=actor, obj=person)
    return person


@dataclass(frozen=True)
class PersonCard:
    """What a list of people shows of each: the name (None for a role that may not see names)
    and the sex (for the family role in words)."""

    name: str | None
    sex: str


def people_cards(
    *, actor: User | AnonymousUser, person_ids: list[int], purpose: str
) -> dict[int, PersonCard]:
    """Several people shown together, with **one** audited read of their names (for a role
    that may see them)."""
    names = people_names(actor=actor, person_ids=person_ids, purpose=purpose)
    sexes = dict(Person.objects.filter(pk__in=person_ids).values_list("id", "sex"))
    return {i: PersonCard(names.get(i), sexes.get(i, "unknown")) for i in person_ids}


def people_names(
    *, actor: User | AnonymousUser, person_ids: list[int], purpose: str
) -> dict[int, str]:
    """The names of several people shown together (the people of an encounter, the children
    named by a refusal), in **one** audited read listing their ids; empty when the role may
    not see names (nothing is refused: pages then show ids and roles)."""
    ids = sorted(set(person_ids))
    if not ids or not has_capability(actor, Capability.PERSON_VIEW):
        return {}
    people = Person.objects.filter(pk__in=ids).only(
        "id", "given_names", "first_surname", "second_surname"
    )
    names = {p.pk: p.full_name for p in people}
    audit_record(
        actor=actor,
        action="view",
        object_type=PERSON,
        object_id=ids[0] if len(ids) == 1 else None,
        after={"people": ids, "fields": ["names"]},
        note=purpose,
    )
    return names


def _candidate_ids(query_tokens: list[str]) -> set[int]:
    """People whose index meets every query token."""
    result: set[int] | None = None
    for token in query_tokens:
        ids = set(
            NameIndexEntry.objects.filter(
                digest__in=sorted(name_index.token_digests(token))
            ).values_list("person_id", flat=True)
        )
        result = ids if result is None else result & ids
        if not result:
            return set()
    return result or set()


def name_score(query_tokens: list[str], name_tokens: list[str]) -> float:
    """0–100: for each query token, its best similarity (rapidfuzz) to a token of the name,
    averaged; "prez" against "Yelitza Pérez" scores 89."""
    if not query_tokens or not name_tokens:
        return 0.0
    best = [max(fuzz.ratio(q, n) for n in name_tokens) for q in query_tokens]
    return round(sum(best) / len(best), 1)


def person_matches(query: str, *, limit: int = SEARCH_LIMIT) -> list[PersonMatch]:
    """Rank the people whose names meet the query (no rights check, no audit: internal)."""
    query_tokens = name_index.tokens(query)
    if not query_tokens:
        raise PeopleError(C.QUERY_TOO_SHORT, "q")
    ids = _candidate_ids(query_tokens)
    matches = [
        PersonMatch(person=p, score=name_score(query_tokens, name_index.tokens(p.full_name)))
        for p in Person.objects.filter(pk__in=sorted(ids)).prefetch_related("documents")
    ]
    matches.sort(key=lambda m: (-m.score, m.person.pk))
    return matches[:limit]


def person_search(
    *, actor: User | AnonymousUser, query: str, limit: int = SEARCH_LIMIT
) -> list[PersonMatch]:
    """People whose names resemble ``query``, best first; each result shown is audited."""
    require(actor, Capability.PERSON_VIEW, object_type=PERSON)
    matches = person_matches(query, limit=limit)
    with transaction.atomic():
        for match in matches:
            audit_view(actor=actor, obj=match.person, note="search result")
    return matches


def family_unit_view(*, actor: User | AnonymousUser, family_unit_id: int) -> FamilyUnit:
    """A family unit with its members; the read of the unit and of each member is audited."""
    require(actor, Capability.PERSON_VIEW, object_type=FAMILY_UNIT, object_id=family_unit_id)
    unit = (
        FamilyUnit.objects.prefetch_related(
            Prefetch(
                "memberships",
                queryset=FamilyMembership.objects.select_related("person").order_by("position"),
            )
        )
        .filter(pk=family_unit_id)
        .first()
    )
    if unit is None:
        raise PeopleError(C.FAMILY_UNIT_NOT_FOUND, "family_unit_id")
    with transaction.atomic():
        audit_view(actor=actor, obj=unit)
        for membership in unit.memberships.all():
            audit_view(actor=actor, obj=membership.person, note=f"member of {unit}")
    return unit


def family_unit_search(
    *, actor: User | AnonymousUser, query: str, limit: int = SEARCH_LIMIT
) -> list[FamilyUnit]:
    """Family units with a member whose name resembles ``query`` (newest first); audited."""
    require(actor, Capability.PERSON_VIEW, object_type=FAMILY_UNIT)
    person_ids = [m.person.pk for m in person_matches(query, limit=SEARCH_LIMIT)]
    units = list(
        FamilyUnit.objects.filter(pk__in=units_with(person_ids))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=FamilyMembership.objects.select_related("person").order_by("position"),
            )
        )
        .order_by("-id")[:limit]
    )
    with transaction.atomic():
        for unit in units:
            audit_view(actor=actor, obj=unit, note="search result")
            for membership in unit.memberships.all():
                audit_view(actor=actor, obj=membership.person, note=f"member of {unit}")
    return units


def units_with(person_ids: list[int]) -> QuerySet[FamilyMembership, int]:
    return FamilyMembership.objects.filter(person_id__in=person_ids).values_list(
        "family_unit_id", flat=True
    )


def family_units_of_person(person: Person) -> list[FamilyUnit]:
    return list(FamilyUnit.objects.filter(memberships__person=person).order_by("-id"))


def person_find_by_a_number(a_number: str) -> Person | None:
    """The person with this (clean) A-number, if any (no rights check, no audit: callers do
    both)."""
    return Person.objects.filter(a_number_digest=name_index.a_number_digest(a_number)).first()


def people_identities(
    *, ids: list[int] | None = None, after_id: int = 0, chunk: int = 2000
) -> Iterator[Person]:
    """Every person (or those of ``ids``) with their documents, decrypted in memory, oldest
    first (internal, no rights check, no audit: identity resolution reads them in bulk and
    keeps nothing in clear)."""
    people = Person.objects.filter(pk__gt=after_id).order_by("pk")
    if ids is not None:
        people = people.filter(pk__in=ids)
    yield from people.prefetch_related("documents").iterator(chunk_size=chunk)
