"""Matching new records at record time: what it writes, in how many statements, when it takes
the audit writers' lock, and (on PostgreSQL) concurrent writers of one person's identity."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from asilo.web.audit.models import AuditEntry
from asilo.web.encounters.models import EncounterPerson
from asilo.web.identity import services
from asilo.web.identity.common import RECORD
from asilo.web.identity.models import Identity, IdentityRecord, ReviewPair
from asilo.web.registrations import services as reg_services
from asilo.web.registrations.models import Member, Registration
from asilo.web.registrations.programs import ensure_default_programs

PERSON = {"given_names": "Marisol", "first_surname": "Quintanilla", "date_of_birth": "1991-04-17"}
ON = "2026-11-20"


def _person_of(encounter_id: int) -> int:
    return EncounterPerson.objects.get(encounter_id=encounter_id).person_id


def _recorded(record: Any, officer: Any, **person: Any) -> int:
    return _person_of(record(officer, ON, **person))


def _identity_of(person_id: int) -> int:
    return IdentityRecord.objects.get(person_id=person_id).identity_id


def _split_person(record: Any, officer: Any) -> tuple[int, int]:
    """The same woman stored twice, under two identities (as a run can leave her when a
    supervisor has not yet decided): the first matched, the second put in an identity of
    her own by hand."""
    first = _recorded(record, officer, **PERSON)
    services.identity_match_people(actor=officer, person_ids=[first], note="first")
    second = _recorded(record, officer, **{**PERSON, "given_names": "Marisol E."})
    IdentityRecord.objects.create(
        identity=Identity.objects.create(),
        source="person",
        person_id=second,
        match_probability=1.0,
        assigned="run",
    )
    assert _identity_of(first) != _identity_of(second)
    return first, second


@pytest.mark.django_db
def test_a_record_that_matches_two_identities_joins_them(record: Any, officer: Any) -> None:
    first, second = _split_person(record, officer)
    third = _recorded(record, officer, **PERSON)
    attached = services.identity_match_people(actor=officer, person_ids=[third], note="third")
    assert {_identity_of(first), _identity_of(second), _identity_of(third)} == {
        attached[f"P{third}"].record.identity_id
    }
    entry = AuditEntry.objects.filter(object_type=RECORD).order_by("-id").first()
    assert entry is not None and entry.note == "third"
    assert entry.after["records"][f"P{third}"]["matched"] == sorted([f"P{first}", f"P{second}"])


@pytest.mark.django_db
def test_new_records_are_written_in_a_few_statements_whatever_their_number(
    record: Any, officer: Any
) -> None:
    people = [
        _recorded(record, officer, given_names=given, first_surname=surname, date_of_birth=born)
        for given, surname, born in [
            ("Rosaura", "Ek", "1979-01-02"),
            ("Tiburcio", "Xiloj", "1983-05-06"),
            ("Yesenia", "Ordóñez", "1996-09-10"),
            ("Wilmer", "Cux", "2001-12-13"),
        ]
    ]
    with CaptureQueriesContext(connection) as queries:
        attached = services.identity_match_people(actor=officer, person_ids=people, note="four")
    assert len(attached) == 4
    assert len({a.record.identity_id for a in attached.values()}) == 4
    assert set(IdentityRecord.objects.values_list("person_id", flat=True)) == set(people)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    # One insert of the four identities, one of the four records, one audit entry.
    assert sum('identity_identity"' in sql for sql in inserts) == 1
    assert sum("identity_identityrecord" in sql for sql in inserts) == 1
    assert sum("audit_auditentry" in sql for sql in inserts) == 1


@pytest.mark.django_db
def test_a_near_match_opens_one_review_pair(record: Any, officer: Any) -> None:
    stored = _recorded(record, officer, **PERSON)
    services.identity_match_people(actor=officer, person_ids=[stored], note="stored")
    # Same names, another month of birth: alike, but below the identity threshold.
    near = _recorded(record, officer, **{**PERSON, "date_of_birth": "1991-07-17"})
    attached = services.identity_match_people(actor=officer, person_ids=[near], note="near")
    (probability,) = attached[f"P{near}"].matches.values()
    assert 0.5 <= probability < 0.99
    pair = ReviewPair.objects.get()
    assert (pair.left.person_id, pair.right.person_id) == (stored, near)
    assert _identity_of(stored) != _identity_of(near)


def _statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries]


def _first(statements: list[str], needle: str) -> int:
    return next(i for i, sql in enumerate(statements) if needle in sql)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_audit_chain_is_locked_only_for_joining_or_for_the_audit_entry(
    record: Any, officer: Any
) -> None:
    """A record that starts an identity of its own locks the chain with its audit entry,
    after its writes; one that joins a stored identity locks it before changing it. (Each
    matching is its own transaction here: inside a test's, the lock would be held already.)"""
    alone = _recorded(record, officer, **PERSON)
    with CaptureQueriesContext(connection) as queries:
        services.identity_match_people(actor=officer, person_ids=[alone], note="alone")
    statements = _statements(queries)
    assert _first(statements, "pg_advisory_xact_lock") > _first(
        statements, 'INSERT INTO "identity_identityrecord"'
    )
    again = _recorded(record, officer, **PERSON)
    with CaptureQueriesContext(connection) as queries:
        attached = services.identity_match_people(actor=officer, person_ids=[again], note="again")
    assert attached[f"P{again}"].record.identity_id == _identity_of(alone)
    statements = _statements(queries)
    assert _first(statements, "pg_advisory_xact_lock") < _first(
        statements, 'INSERT INTO "identity_identityrecord"'
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_records_joining_one_split_person_at_once_leave_one_identity(
    record: Any, officer: Any, at_once: Callable[..., list[Any]]
) -> None:
    first, second = _split_person(record, officer)
    people = [_recorded(record, officer, **PERSON) for _ in range(8)]
    results = at_once(
        [
            (
                lambda p=p: services.identity_match_people(
                    actor=officer, person_ids=[p], note="at once"
                )
            )
            for p in people
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({_identity_of(p) for p in [first, second, *people]}) == 1


FAMILY: dict[str, Any] = {
    "program": "port-appointments-2023",
    "members": [
        {
            "given_names": "Yolanda",
            "surnames": "Cabrera Ixcot",
            "date_of_birth": "1986-03-08",
            "sex": "female",
            "nationality": "GTM",
        },
        {
            "given_names": "Erwin",
            "surnames": "Cabrera Ixcot",
            "date_of_birth": "2015-11-21",
            "sex": "male",
            "nationality": "GTM",
            "relationship": "child",
        },
    ],
    "phone": "+52 664 555 0170",
    "waiting_city": "Tijuana",
    "preferred_ports": ["San Ysidro"],
    "languages": ["es"],
    "vulnerabilities": [],
    "language": "es",
}


def _submit(phone: str) -> Registration:
    data = copy.deepcopy(FAMILY)
    data["client_request_id"] = str(uuid.uuid4())
    data["phone"] = phone
    return reg_services.registration_submit(
        actor=None, data=data, source="198.51.100.7"
    ).registration


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_family_registered_again_several_times_at_once(
    officer: Any, at_once: Callable[..., list[Any]]
) -> None:
    """Registered once, then six times at once (each time it is matched to the identities
    of the first): no deadlock, no error, and each person is one identity."""
    ensure_default_programs()
    _submit("+52 664 555 0100")
    results = at_once([(lambda i=i: _submit(f"+52 664 555 01{i:02d}")) for i in range(1, 7)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Registration.objects.count() == 7
    for position in (0, 1):
        members = Member.objects.filter(position=position).values_list("id", flat=True)
        identities = IdentityRecord.objects.filter(member_id__in=members)
        assert identities.count() == 7
        assert identities.values("identity_id").distinct().count() == 1
