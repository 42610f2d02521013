"""Linkage records (the columns of ``R.csv``) from people and registered family members,
decrypted in memory only: they go from the ORM into an in-memory DuckDB database
(:mod:`asilo.linkage.memory`) and nowhere else.

Record ids: ``P<person id>`` for a person of the encounters, ``M<member id>`` for a member of
a registered family.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from asilo.linkage.memory import clean_record
from asilo.web.people.models import Person
from asilo.web.people.selectors import people_identities
from asilo.web.registrations.models import Member

_SEX = {"female": "F", "male": "M", "x": "X"}


def person_record_id(person_id: int) -> str:
    return f"P{person_id}"


def member_record_id(member_id: int) -> str:
    return f"M{member_id}"


def parse_record_id(record_id: str) -> tuple[str, int]:
    """``"P12"`` -> ``("person", 12)``; ``"M40"`` -> ``("member", 40)``."""
    kind = {"P": "person", "M": "member"}.get(record_id[:1])
    if kind is None or not record_id[1:].isdigit():
        raise ValueError(f"not an identity record id: {record_id!r}")
    return kind, int(record_id[1:])


def _birth(born: date | None, age: int | None, on: date | None) -> str:
    """The date of birth; else the year of birth an age implies (the model compares years)."""
    if born is not None:
        return born.isoformat()
    if age is not None and on is not None:
        return str(on.year - age)
    return ""


def person_record(person: Person) -> dict[str, str]:
    documents = list(person.documents.all())
    return clean_record(
        {
            "record_id": person_record_id(person.pk),
            "given_names": person.given_names,
            "first_surname": person.first_surname,
            "second_surname": person.second_surname,
            "date_of_birth": _birth(
                person.date_of_birth, person.estimated_age, person.age_recorded_on
            ),
            "sex": _SEX.get(person.sex, ""),
            "nationality": person.nationality,
            "a_number": person.a_number,
            "document_number": documents[0].number if documents else "",
        }
    )


def _split_surnames(surnames: str) -> tuple[str, str]:
    """A registration keeps the surnames in one field: the first word is the first surname,
    the rest the second ("López Hernández"); particles stay with their surname ("de la
    Cruz Pérez" -> "de la Cruz", "Pérez")."""
    words = (surnames or "").split()
    particles = {"de", "del", "la", "las", "los", "y", "da", "dos", "van", "von"}
    first: list[str] = []
    while words:
        word = words.pop(0)
        first.append(word)
        if word.lower() not in particles:
            break
    return " ".join(first), " ".join(words)


def member_record(member: Member) -> dict[str, str]:
    registration = member.registration
    first, second = _split_surnames(member.surnames)
    registered = registration.registered_on.date() if registration.registered_on else None
    return clean_record(
        {
            "record_id": member_record_id(member.pk),
            "given_names": member.given_names,
            "first_surname": first,
            "second_surname": second,
            "date_of_birth": _birth(member.date_of_birth, member.age, registered),
            "sex": _SEX.get(member.sex, ""),
            "nationality": member.nationality,
            # The registration's A-number is the principal's.
            "a_number": registration.a_number if member.position == 0 else "",
            "document_number": "",
        }
    )


def all_person_records(ids: list[int] | None = None) -> Iterator[dict[str, str]]:
    for person in people_identities(ids=ids):
        yield person_record(person)


#: Up to this many members are read in one query (a registration's family); more, or all of
#: them, in chunks through a server-side cursor (three round trips at least).
_ONE_QUERY = 2000


def members(ids: list[int] | None = None) -> Iterator[Member]:
    found = Member.objects.select_related("registration").order_by("pk")
    if ids is not None:
        found = found.filter(pk__in=ids)
    if ids is not None and len(ids) <= _ONE_QUERY:
        yield from found
    else:
        yield from found.iterator(chunk_size=_ONE_QUERY)


def all_member_records(ids: list[int] | None = None) -> Iterator[dict[str, str]]:
    for member in members(ids):
        yield member_record(member)


def groups(
    person_ids: list[int] | None = None, member_ids: list[int] | None = None
) -> dict[str, set[str]]:
    """Each record's groups: the encounters a person was in (``E<id>``), the registration a
    member belongs to (``R<id>``). Two records of one group are two people (a family
    encountered or registered together), never one. ``None``: every record."""
    from asilo.web.encounters.models import EncounterPerson

    out: dict[str, set[str]] = {}
    if person_ids is None or person_ids:
        people = EncounterPerson.objects.all()
        if person_ids is not None:
            people = people.filter(person_id__in=person_ids)
        pairs = people.values_list("person_id", "encounter_id")
        for pid, eid in pairs.iterator(chunk_size=5000):
            out.setdefault(person_record_id(pid), set()).add(f"E{eid}")
    if member_ids is None or member_ids:
        found = Member.objects.all()
        if member_ids is not None:
            found = found.filter(pk__in=member_ids)
        for mid, rid in found.values_list("id", "registration_id").iterator(chunk_size=5000):
            out.setdefault(member_record_id(mid), set()).add(f"R{rid}")
    return out


def record_groups(record_ids: list[str]) -> dict[str, set[str]]:
    person_ids = [pk for kind, pk in map(parse_record_id, record_ids) if kind == "person"]
    member_ids = [pk for kind, pk in map(parse_record_id, record_ids) if kind == "member"]
    return groups(person_ids, member_ids)
