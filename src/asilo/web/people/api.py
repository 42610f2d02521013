"""The people API: people and family units (read, search) and a person's profile."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from asilo.web.core.actors import request_actor
from asilo.web.core.api import READ_ERRORS
from asilo.web.people import selectors, services
from asilo.web.people.schemas import (
    FamilyUnitOut,
    FamilyUnitSearchOut,
    PersonMatchOut,
    PersonOut,
    PersonProfileIn,
    PersonSearchOut,
)
from asilo.web.people.validation import (
    clean_a_number,
    clean_date_of_birth,
    clean_languages,
    clean_name,
    clean_sex,
    clean_vulnerabilities,
)

router = Router(tags=["people"])


def _name(value: str | None, field: str) -> str | None:
    return None if value is None else clean_name(value, field)


class SearchQuery(Schema):
    q: str
    limit: int = 20


@router.get(
    "/people", response={200: PersonSearchOut, **READ_ERRORS}, summary="Search people by name"
)
def search_people(request: HttpRequest, query: Query[SearchQuery]) -> PersonSearchOut:
    """Accent-insensitive, tolerant of one lost or wrong letter per name ("Lpez" finds
    "López"); best match first. Each person returned is an audited view."""
    matches = selectors.person_search(
        actor=request_actor(request), query=query.q, limit=max(1, min(query.limit, 50))
    )
    return PersonSearchOut(
        query=query.q,
        results=[PersonMatchOut(score=m.score, person=PersonOut.of(m.person)) for m in matches],
    )


@router.get("/people/{person_id}", response={200: PersonOut, **READ_ERRORS}, summary="A person")
def get_person(request: HttpRequest, person_id: int) -> PersonOut:
    """A person's record (audited; a refusal is audited too)."""
    return PersonOut.of(selectors.person_view(actor=request_actor(request), person_id=person_id))


@router.patch(
    "/people/{person_id}", response={200: PersonOut, **READ_ERRORS}, summary="Update a profile"
)
def update_person(request: HttpRequest, person_id: int, payload: PersonProfileIn) -> PersonOut:
    """Set vulnerabilities, languages or the A-number learnt after the encounter, or correct
    names, the date of birth or sex (audited by field name, never by value)."""
    today = timezone.localdate()
    person = services.person_update_profile(
        actor=request_actor(request),
        person_id=person_id,
        vulnerabilities=(
            clean_vulnerabilities(payload.vulnerabilities, "vulnerabilities")
            if payload.vulnerabilities is not None
            else None
        ),
        languages=(
            clean_languages(payload.languages, "languages")
            if payload.languages is not None
            else None
        ),
        a_number=clean_a_number(payload.a_number, "a_number"),
        given_names=_name(payload.given_names, "given_names"),
        first_surname=_name(payload.first_surname, "first_surname"),
        second_surname=_name(payload.second_surname, "second_surname"),
        date_of_birth=clean_date_of_birth(payload.date_of_birth, "date_of_birth", on=today),
        sex=clean_sex(payload.sex, "sex") if payload.sex is not None else None,
    )
    person.refresh_from_db()
    return PersonOut.of(person)


@router.get(
    "/family-units",
    response={200: FamilyUnitSearchOut, **READ_ERRORS},
    summary="Search family units by a member's name",
)
def search_family_units(request: HttpRequest, query: Query[SearchQuery]) -> FamilyUnitSearchOut:
    units = selectors.family_unit_search(
        actor=request_actor(request), query=query.q, limit=max(1, min(query.limit, 50))
    )
    return FamilyUnitSearchOut(query=query.q, results=[FamilyUnitOut.of(u) for u in units])


@router.get(
    "/family-units/{family_unit_id}",
    response={200: FamilyUnitOut, **READ_ERRORS},
    summary="A family unit with its members",
)
def get_family_unit(request: HttpRequest, family_unit_id: int) -> FamilyUnitOut:
    return FamilyUnitOut.of(
        selectors.family_unit_view(actor=request_actor(request), family_unit_id=family_unit_id)
    )
