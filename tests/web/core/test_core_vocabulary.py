"""The shared vocabulary of the web apps: relationships, A-numbers, names, the keyed digest."""

from __future__ import annotations

import pytest
from django.utils.crypto import salted_hmac

from asilo.web.core.a_numbers import normalise_a_number
from asilo.web.core.digests import keyed_digest
from asilo.web.core.names import normalise_name
from asilo.web.core.relationships import (
    RelationshipToChildren as ToChildren,
)
from asilo.web.core.relationships import (
    RelationshipToPrincipal as ToPrincipal,
)
from asilo.web.core.relationships import (
    to_children,
)
from asilo.web.people.models import Relationship as PeopleRelationship
from asilo.web.registrations.models import Relationship as RegistrationRelationship


def test_the_two_vocabularies_keep_the_stored_values_of_the_apps() -> None:
    assert dict(ToChildren.choices) == dict(PeopleRelationship.choices)
    assert dict(ToPrincipal.choices) == dict(RegistrationRelationship.choices)


def test_parent_answers_two_questions_in_opposite_directions() -> None:
    # the same stored word, two meanings: hence two names
    assert ToChildren.PARENT.value == ToPrincipal.PARENT.value == "parent"
    assert ToChildren.PARENT.label != ToPrincipal.PARENT.label


@pytest.mark.parametrize(
    ("member", "children", "expected"),
    [
        (ToPrincipal.PRINCIPAL, {ToPrincipal.CHILD}, ToChildren.PARENT),
        (ToPrincipal.SPOUSE, {ToPrincipal.CHILD}, ToChildren.PARENT),
        (ToPrincipal.PRINCIPAL, {ToPrincipal.WARD}, ToChildren.LEGAL_GUARDIAN),
        (ToPrincipal.SPOUSE, {ToPrincipal.WARD}, ToChildren.OTHER_RELATIVE),
        # the principal's mother travelling with the principal's children is not their parent
        (ToPrincipal.PARENT, {ToPrincipal.CHILD}, ToChildren.OTHER_RELATIVE),
        (ToPrincipal.SIBLING, {ToPrincipal.GRANDCHILD}, ToChildren.OTHER_RELATIVE),
        (ToPrincipal.OTHER, {ToPrincipal.CHILD}, None),
        (ToPrincipal.PRINCIPAL, set(), None),
    ],
)
def test_to_children(member: str, children: set[str], expected: ToChildren | None) -> None:
    assert to_children(member, children) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("A-012 345 678", "012345678"),
        ("A012345678", "012345678"),
        ("a12345678", "012345678"),
        ("12345678", "012345678"),
        ("012-345-678", "012345678"),
        ("A-87654321", "087654321"),
        ("A12", None),
        ("12345", None),
        ("1234567890", None),
        ("B12345678", None),
        ("", None),
    ],
)
def test_normalise_a_number(raw: str, expected: str | None) -> None:
    assert normalise_a_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("María-José  López", "maria jose lopez"),
        ("O'Brien", "obrien"),
        ("O’Brien", "obrien"),
        ("  NGUYỄN   Văn ", "nguyen van"),
        ("Km 28, Tijuana", "km 28 tijuana"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_name(raw: str | None, expected: str) -> None:
    assert normalise_name(raw) == expected


def test_keyed_digest_is_keyed_by_purpose_and_secret(settings: object) -> None:
    one = keyed_digest("registrations.phone", "526641234567")
    assert len(one) == 64
    assert one == keyed_digest("registrations.phone", "526641234567")
    assert one != keyed_digest("registrations.place", "526641234567")
    assert one != keyed_digest("registrations.phone", "526641234568")
    # the scheme the registrations and the rate limits stored before: unchanged
    expected = salted_hmac("asilo.registrations.phone", "526641234567", algorithm="sha256")
    assert one == expected.hexdigest()
    settings.SECRET_KEY = "another secret of enough length to be accepted by django"  # type: ignore[attr-defined]
    assert keyed_digest("registrations.phone", "526641234567") != one
