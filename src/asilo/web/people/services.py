"""Writes on people and family units: one transaction each, audited in the same transaction.

Audit entries carry ids and the names of the fields that were set, never their values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import connection, transaction

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change, audit_record
from asilo.web.core.access import require
from asilo.web.core.relationships import RelationshipToChildren
from asilo.web.core.roles import Capability
from asilo.web.people import name_index
from asilo.web.people.errors import PeopleError
from asilo.web.people.errors import PeopleErrorCode as C
from asilo.web.people.models import (
    FamilyMembership,
    FamilyUnit,
    IdentityDocument,
    MemberRole,
    NameIndexEntry,
    Person,
)
from asilo.web.people.object_types import FAMILY_UNIT, PERSON
from asilo.web.people.validation import IdentityInput, identity_fields_set

if TYPE_CHECKING:
    from asilo.web.accounts.models import User


@dataclass(frozen=True)
class MemberInput:
    person: Person
    role: str
    relationship: str


def _index_names(person: Person, *, fresh: bool = False) -> None:
    """Store the person's name digests (a few dozen rows: one plain multi-row INSERT, which
    both SQLite and PostgreSQL take, in one round trip, instead of building a model instance
    per row; ``executemany`` would send one statement per row)."""
    if not fresh:
        NameIndexEntry.objects.filter(person=person).delete()
    digests = sorted(
        name_index.name_digests(person.given_names, person.first_surname, person.second_surname)
    )
    if not digests:
        return
    quote = connection.ops.quote_name
    table = quote(NameIndexEntry._meta.db_table)
    # Bounded by the names' lengths (200 characters each): far below SQLite's parameter limit.
    rows = ", ".join(["(%s, %s)"] * len(digests))
    params: list[int | str] = []
    for d in digests:
        params += [person.pk, d]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quote('person_id')}, {quote('digest')}) VALUES {rows}",
            params,
        )


def _check_a_number_free(a_number: str | None, *, field: str, person_id: int | None) -> None:
    if a_number is None:
        return
    clash = Person.objects.filter(a_number_digest=name_index.a_number_digest(a_number))
    if person_id is not None:
        clash = clash.exclude(pk=person_id)
    if clash.exists():
        raise PeopleError(C.A_NUMBER_IN_USE, field)


def person_create_unchecked(
    *, actor: User, identity: IdentityInput, on: date, a_number_field: str = "a_number"
) -> Person:
    """Create a person inside the caller's transaction (the caller checked rights and audits
    its own action; this writes the person's own audit entry)."""
    _check_a_number_free(identity.a_number, field=a_number_field, person_id=None)
    person = Person.objects.create(
        given_names=identity.given_names or None,
        first_surname=identity.first_surname or None,
        second_surname=identity.second_surname or None,
        date_of_birth=identity.date_of_birth,
        estimated_age=identity.age,
        age_recorded_on=on if identity.age is not None else None,
        sex=identity.sex,
        nationality=identity.nationality,
        languages=list(identity.languages),
        a_number=identity.a_number,
        a_number_digest=(
            name_index.a_number_digest(identity.a_number) if identity.a_number else None
        ),
        vulnerabilities=list(identity.vulnerabilities),
        created_by=actor,
    )
    IdentityDocument.objects.bulk_create(
        [
            IdentityDocument(
                person=person, kind=d.kind, number=d.number, issuing_country=d.issuing_country
            )
            for d in identity.documents
        ]
    )
    _index_names(person, fresh=True)
    audit_change(
        actor=actor,
        action=AuditAction.CREATE,
        obj=person,
        after={
            "fields_set": identity_fields_set(identity),
            "nationality": person.nationality,
            "documents": len(identity.documents),
        },
    )
    return person


def person_create(*, actor: User, identity: IdentityInput, on: date) -> Person:
    """Record a new person (``on``: the date their age was stated)."""
    require(actor, Capability.PERSON_EDIT, object_type=PERSON)
    with transaction.atomic():
        return person_create_unchecked(actor=actor, identity=identity, on=on)


IDENTIFYING = ("given_names", "first_surname", "second_surname", "date_of_birth")


def person_update_profile(
    *,
    actor: User,
    person_id: int,
    vulnerabilities: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    a_number: str | None = None,
    given_names: str | None = None,
    first_surname: str | None = None,
    second_surname: str | None = None,
    date_of_birth: date | None = None,
    sex: str | None = None,
) -> Person:
    """Correct or complete a person's record: what is learnt after the encounter
    (vulnerabilities, languages, the A-number) and corrections of identity (names, date of
    birth, sex). Arguments are already checked (see :mod:`asilo.web.people.validation`);
    ``None`` keeps a value, an empty name clears it. The audit entry names the identifying
    fields that changed, never their values; a name change rebuilds the name index.
    """
    require(actor, Capability.PERSON_EDIT, object_type=PERSON, object_id=person_id)
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(pk=person_id).first()
        if person is None:
            raise PeopleError(C.PERSON_NOT_FOUND, "person_id")
        before: dict[str, object] = {}
        after: dict[str, object] = {}
        corrected: list[str] = []
        if vulnerabilities is not None and list(vulnerabilities) != person.vulnerabilities:
            before["vulnerabilities"], after["vulnerabilities"] = (
                person.vulnerabilities,
                list(vulnerabilities),
            )
            person.vulnerabilities = list(vulnerabilities)
        if languages is not None and list(languages) != person.languages:
            before["languages"], after["languages"] = person.languages, list(languages)
            person.languages = list(languages)
        if sex is not None and sex != person.sex:
            before["sex"], after["sex"] = person.sex, sex
            person.sex = sex
        if a_number is not None and a_number != person.a_number:
            _check_a_number_free(a_number, field="a_number", person_id=person.pk)
            before["a_number"], after["a_number"] = (
                "set" if person.a_number else "absent",
                "set",
            )
            person.a_number = a_number
            person.a_number_digest = name_index.a_number_digest(a_number)
        names = {
            "given_names": given_names,
            "first_surname": first_surname,
            "second_surname": second_surname,
        }
        for field, value in names.items():
            if value is not None and (value or None) != getattr(person, field):
                setattr(person, field, value or None)
                corrected.append(field)
        if date_of_birth is not None and date_of_birth != person.date_of_birth:
            person.date_of_birth = date_of_birth
            corrected.append("date_of_birth")
        if corrected:
            after["corrected"] = corrected
        if after:
            person.save()
            if set(corrected) & set(names):
                _index_names(person)
            audit_change(
                actor=actor, action=AuditAction.UPDATE, obj=person, before=before, after=after
            )
        return person


def person_reindex_names(*, actor: User, person_id: int) -> None:
    """Rebuild a person's name index (after rotating ``SECRET_KEY``)."""
    require(actor, Capability.PERSON_EDIT, object_type=PERSON, object_id=person_id)
    with transaction.atomic():
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            raise PeopleError(C.PERSON_NOT_FOUND, "person_id")
        _index_names(person)
        audit_change(actor=actor, action=AuditAction.UPDATE, obj=person, note="name index rebuilt")


def people_reindex_all_names(*, batch: int = 500) -> int:
    """Rebuild every person's name index (a system task after rotating ``SECRET_KEY``, run by
    ``manage.py reindex_names``); audited once, as the system. Returns how many people."""
    count = 0
    with transaction.atomic():
        for person in Person.objects.order_by("id").iterator(chunk_size=batch):
            _index_names(person)
            count += 1
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            object_type=PERSON,
            note=f"name index rebuilt for {count} people",
        )
    return count


def _check_members(members: Sequence[MemberInput]) -> None:
    if not members:
        raise PeopleError(C.FAMILY_UNIT_EMPTY, "members")
    seen: set[int] = set()
    for i, member in enumerate(members):
        if member.person.pk in seen:
            raise PeopleError(C.FAMILY_MEMBER_DUPLICATE, f"members.{i}")
        seen.add(member.person.pk)
        if member.role not in MemberRole.values:
            raise PeopleError(C.MEMBER_ROLE_INVALID, f"members.{i}.role")
        if member.relationship not in RelationshipToChildren.values:
            raise PeopleError(
                C.RELATIONSHIP_INVALID,
                f"members.{i}.relationship",
                allowed=", ".join(RelationshipToChildren.values),
            )


def family_unit_create_unchecked(*, actor: User, members: Sequence[MemberInput]) -> FamilyUnit:
    """Create a family unit inside the caller's transaction."""
    _check_members(members)
    unit = FamilyUnit.objects.create(created_by=actor)
    FamilyMembership.objects.bulk_create(
        [
            FamilyMembership(
                family_unit=unit,
                person=m.person,
                position=i,
                role=m.role,
                relationship=m.relationship,
            )
            for i, m in enumerate(members)
        ]
    )
    audit_change(
        actor=actor,
        action=AuditAction.CREATE,
        obj=unit,
        after={
            "members": [
                {"person": m.person.pk, "role": m.role, "relationship": m.relationship}
                for m in members
            ]
        },
    )
    return unit


def family_unit_create(*, actor: User, members: Sequence[MemberInput]) -> FamilyUnit:
    require(actor, Capability.PERSON_EDIT, object_type=FAMILY_UNIT)
    with transaction.atomic():
        return family_unit_create_unchecked(actor=actor, members=members)
