"""People: identity checks, encryption at rest, the blind name index, audited reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection

from asilo.web.accounts.models import User
from asilo.web.audit.models import AuditAction, AuditEntry
from asilo.web.core.errors import CoreErrorCode, Forbidden
from asilo.web.people import name_index, selectors, services
from asilo.web.people.errors import PeopleError, PeopleErrorCode
from asilo.web.people.models import (
    FamilyMembership,
    FamilyUnit,
    IdentityDocument,
    NameIndexEntry,
    Person,
)
from asilo.web.people.validation import IdentityInput, clean_identity

ON = date(2022, 5, 10)


def make_person(actor: User, **fields: object) -> Person:
    raw = {"nationality": "HND", **fields}
    return services.person_create(actor=actor, identity=clean_identity(raw, on=ON), on=ON)


@pytest.fixture
def officer(user_of: Callable[..., User]) -> User:
    return user_of("officer", "officer")


# --- normalisation and the index --------------------------------------------------------


def test_normalise_strips_accents_case_and_punctuation() -> None:
    assert name_index.normalise("  María-José  O'Brien NÚÑEZ ") == "maria jose obrien nunez"
    assert name_index.tokens("José y Ñ") == ["jose"]


def test_variants_are_the_token_and_its_one_deletions() -> None:
    assert name_index.variants("lopez") == {"lopez", "opez", "lpez", "loez", "lopz", "lope"}
    assert name_index.variants("paz") == {"paz"}


def test_digests_are_keyed_not_plain_hashes() -> None:
    import hashlib

    assert name_index.digest("lopez") != hashlib.sha256(b"lopez").hexdigest()
    assert len(name_index.digest("lopez")) == 64


# --- search -------------------------------------------------------------------------------


def test_lpez_finds_lopez(officer: User) -> None:
    lopez = make_person(officer, given_names="María", first_surname="López")
    make_person(officer, given_names="Carlos", first_surname="Martínez")
    found = selectors.person_search(actor=officer, query="Lpez")
    assert [m.person.pk for m in found] == [lopez.pk]


def test_lopes_does_not_find_martinez(officer: User) -> None:
    make_person(officer, given_names="Carlos", first_surname="Martínez")
    assert selectors.person_search(actor=officer, query="Lopes") == []


def test_search_is_accent_insensitive_and_ranks_closest_first(officer: User) -> None:
    exact = make_person(
        officer, given_names="José", first_surname="Hernández", second_surname="Díaz"
    )
    other = make_person(officer, given_names="Josué", first_surname="Hernandes")
    found = selectors.person_search(actor=officer, query="jose hernandez")
    assert [m.person.pk for m in found] == [exact.pk, other.pk]
    assert found[0].score > found[1].score


def test_every_query_token_must_meet_a_name(officer: User) -> None:
    make_person(officer, given_names="Ana", first_surname="López")
    assert selectors.person_search(actor=officer, query="Ana Martínez") == []


def test_query_without_a_usable_token_is_refused(officer: User) -> None:
    with pytest.raises(PeopleError) as err:
        selectors.person_search(actor=officer, query=" y - ")
    assert err.value.code == PeopleErrorCode.QUERY_TOO_SHORT
    assert err.value.field == "q"


def test_each_search_result_is_an_audited_view(officer: User) -> None:
    a = make_person(officer, given_names="Rosa", first_surname="López")
    b = make_person(officer, given_names="Rosa", first_surname="Lopes")
    before = AuditEntry.objects.filter(action=AuditAction.VIEW).count()
    selectors.person_search(actor=officer, query="Rosa López")
    views = AuditEntry.objects.filter(action=AuditAction.VIEW).order_by("id")
    assert views.count() == before + 2
    assert sorted(int(v.object_id) for v in views) == sorted([a.pk, b.pk])
    assert all(v.object_type == "people.person" for v in views)


# --- encryption at rest ---------------------------------------------------------------------


def test_names_dates_and_numbers_are_encrypted_at_rest(officer: User) -> None:
    person = make_person(
        officer,
        given_names="Guadalupe",
        first_surname="Quintanilla",
        second_surname="Zelaya",
        date_of_birth="1987-02-14",
        a_number="A012345678",
        documents=[{"kind": "passport", "number": "HN998877", "issuing_country": "HND"}],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT given_names, first_surname, second_surname, date_of_birth, a_number"
            " FROM people_person WHERE id = %s",
            [person.pk],
        )
        row = cursor.fetchone()
        cursor.execute(
            "SELECT number FROM people_identitydocument WHERE person_id = %s", [person.pk]
        )
        doc_row = cursor.fetchone()
        cursor.execute("SELECT digest FROM people_nameindexentry WHERE person_id = %s", [person.pk])
        digests = [r[0] for r in cursor.fetchall()]
    raw = " ".join(str(v) for v in (*row, *doc_row, *digests))
    for clear in ("Guadalupe", "Quintanilla", "Zelaya", "1987", "012345678", "HN998877"):
        assert clear.lower() not in raw.lower()
    assert all(v.startswith("gAAAA") for v in (*row, *doc_row))  # Fernet tokens
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.given_names, fresh.first_surname, fresh.second_surname) == (
        "Guadalupe",
        "Quintanilla",
        "Zelaya",
    )
    assert fresh.date_of_birth == date(1987, 2, 14)
    assert fresh.a_number == "012345678"
    assert IdentityDocument.objects.get(person=fresh).number == "HN998877"


def test_index_stores_one_digest_per_token_variant(officer: User) -> None:
    person = make_person(officer, given_names="Ana", first_surname="Paz", second_surname="López")
    # ana, paz: too short for variants (1 each); lopez: itself and 5 deletions.
    assert NameIndexEntry.objects.filter(person=person).count() == 1 + 1 + 6


# --- identity checks --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"date_of_birth": "2030-01-01"}, PeopleErrorCode.DATE_OF_BIRTH_IN_FUTURE, "date_of_birth"),
        ({"date_of_birth": "10/05/1990"}, PeopleErrorCode.DATE_OF_BIRTH_INVALID, "date_of_birth"),
        ({"date_of_birth": "1850-01-01"}, PeopleErrorCode.DATE_OF_BIRTH_INVALID, "date_of_birth"),
        ({"date_of_birth": "1990-01-01", "age": 20}, PeopleErrorCode.AGE_MISMATCH, "age"),
        ({"sex": "woman"}, PeopleErrorCode.SEX_INVALID, "sex"),
        ({"nationality": "XXX"}, PeopleErrorCode.NATIONALITY_INVALID, "nationality"),
        ({"languages": ["Spanish"]}, PeopleErrorCode.LANGUAGE_INVALID, "languages.0"),
        ({"a_number": "12345"}, PeopleErrorCode.A_NUMBER_INVALID, "a_number"),
        ({"given_names": "R2D2"}, PeopleErrorCode.NAME_INVALID, "given_names"),
        ({"given_names": "a" * 101}, PeopleErrorCode.NAME_TOO_LONG, "given_names"),
        (
            {"vulnerabilities": ["tired"]},
            PeopleErrorCode.VULNERABILITY_INVALID,
            "vulnerabilities.0",
        ),
        (
            {"documents": [{"kind": "visa", "number": "1"}]},
            PeopleErrorCode.DOCUMENT_KIND_INVALID,
            "documents.0.kind",
        ),
        (
            {"documents": [{"kind": "passport", "number": "!!"}]},
            PeopleErrorCode.DOCUMENT_NUMBER_INVALID,
            "documents.0.number",
        ),
        (
            {"documents": [{"kind": "passport", "number": "P1", "issuing_country": "XX"}]},
            PeopleErrorCode.DOCUMENT_COUNTRY_INVALID,
            "documents.0.issuing_country",
        ),
    ],
)
def test_bad_identity_fields_are_refused_by_name(
    fields: dict[str, object], code: PeopleErrorCode, field: str
) -> None:
    with pytest.raises(PeopleError) as err:
        clean_identity({"nationality": "HND", **fields}, on=ON, prefix="people.0")
    assert err.value.code == code
    assert err.value.field == f"people.0.{field}"
    assert err.value.message  # a translated message, parameters filled in
    assert "{" not in err.value.message


def test_a_number_is_normalised_and_unique(officer: User) -> None:
    person = make_person(officer, a_number="A-87654321")
    assert person.a_number == "087654321"
    assert selectors.person_find_by_a_number("087654321") == person
    count = Person.objects.count()
    with pytest.raises(PeopleError) as err:
        make_person(officer, a_number="087654321")
    assert err.value.code == PeopleErrorCode.A_NUMBER_IN_USE
    assert err.value.status == 409
    assert Person.objects.count() == count


def test_age_from_date_of_birth(officer: User) -> None:
    identity = clean_identity({"nationality": "GTM", "date_of_birth": "2010-05-11"}, on=ON)
    assert identity.age == 11
    person = services.person_create(actor=officer, identity=identity, on=ON)
    assert person.age_on(date(2022, 5, 11)) == 12


def test_person_create_is_audited_without_personal_data(officer: User) -> None:
    person = make_person(officer, given_names="Zoila", first_surname="Reyes")
    entry = AuditEntry.objects.get(
        action=AuditAction.CREATE, object_type="people.person", object_id=str(person.pk)
    )
    assert entry.object_type == "people.person"
    assert entry.after == {
        "fields_set": ["given_names", "first_surname"],
        "nationality": "HND",
        "documents": 0,
    }
    assert "Zoila" not in str(entry.after) and "Reyes" not in str(entry.note)


# --- rights and audited reads -------------------------------------------------------------


def test_person_view_is_audited(officer: User) -> None:
    person = make_person(officer, given_names="Elsa")
    seen = selectors.person_view(actor=officer, person_id=person.pk)
    assert seen.given_names == "Elsa"
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW).latest("id")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        officer,
        "people.person",
        str(person.pk),
    )


@pytest.mark.parametrize("role", ["analyst", "caseworker", "admin"])
def test_a_role_without_the_right_is_refused_and_the_refusal_audited(
    officer: User, user_of: Callable[..., User], role: str
) -> None:
    person = make_person(officer, given_names="Elsa")
    other = user_of(role)
    with pytest.raises(Forbidden) as err:
        selectors.person_view(actor=other, person_id=person.pk)
    assert err.value.code == CoreErrorCode.FORBIDDEN and err.value.status == 403
    entry = AuditEntry.objects.latest("id")
    assert (entry.actor, entry.action, entry.object_id) == (
        other,
        AuditAction.REFUSED,
        str(person.pk),
    )
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW, actor=other).exists()


def test_unknown_person_is_not_found(officer: User) -> None:
    with pytest.raises(PeopleError) as err:
        selectors.person_view(actor=officer, person_id=999999)
    assert err.value.code == PeopleErrorCode.PERSON_NOT_FOUND and err.value.status == 404


def test_only_editors_create_people(user_of: Callable[..., User]) -> None:
    auditor = user_of("auditor")
    with pytest.raises(Forbidden):
        services.person_create(actor=auditor, identity=IdentityInput(nationality="HND"), on=ON)
    assert Person.objects.count() == 0


# --- family units -------------------------------------------------------------------------


def test_family_unit_keeps_members_in_order(officer: User) -> None:
    mother = make_person(officer, given_names="Lidia")
    son = make_person(officer, given_names="Iker", age=6)
    unit = services.family_unit_create(
        actor=officer,
        members=[
            services.MemberInput(person=mother, role="adult", relationship="parent"),
            services.MemberInput(person=son, role="child", relationship="child"),
        ],
    )
    rows = list(
        FamilyMembership.objects.filter(family_unit=unit).values_list(
            "position", "person_id", "role", "relationship"
        )
    )
    assert rows == [(0, mother.pk, "adult", "parent"), (1, son.pk, "child", "child")]
    seen = selectors.family_unit_view(actor=officer, family_unit_id=unit.pk)
    assert [m.person.given_names for m in seen.memberships.all()] == ["Lidia", "Iker"]
    found = selectors.family_unit_search(actor=officer, query="Iker")
    assert [u.pk for u in found] == [unit.pk]


def test_family_unit_refuses_duplicates_and_bad_relationships(officer: User) -> None:
    mother = make_person(officer, given_names="Lidia")
    with pytest.raises(PeopleError) as err:
        services.family_unit_create(
            actor=officer,
            members=[
                services.MemberInput(person=mother, role="adult", relationship="parent"),
                services.MemberInput(person=mother, role="adult", relationship="parent"),
            ],
        )
    assert (err.value.code, err.value.field) == (
        PeopleErrorCode.FAMILY_MEMBER_DUPLICATE,
        "members.1",
    )
    with pytest.raises(PeopleError) as err:
        services.family_unit_create(
            actor=officer,
            members=[services.MemberInput(person=mother, role="adult", relationship="aunt")],
        )
    assert err.value.code == PeopleErrorCode.RELATIONSHIP_INVALID
    with pytest.raises(PeopleError) as err:
        services.family_unit_create(actor=officer, members=[])
    assert err.value.code == PeopleErrorCode.FAMILY_UNIT_EMPTY
    assert FamilyUnit.objects.count() == 0


def test_profile_update_is_audited_with_before_and_after(officer: User) -> None:
    person = make_person(officer, vulnerabilities=["pregnancy"])
    services.person_update_profile(
        actor=officer,
        person_id=person.pk,
        vulnerabilities=["pregnancy", "violence_in_mexico"],
    )
    person.refresh_from_db()
    assert person.vulnerabilities == ["pregnancy", "violence_in_mexico"]
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE).latest("id")
    assert entry.before == {"vulnerabilities": ["pregnancy"]}
    assert entry.after == {"vulnerabilities": ["pregnancy", "violence_in_mexico"]}


def test_reindex_after_rotating_the_secret_key(officer: User, settings: object) -> None:
    from io import StringIO

    from django.core.management import call_command

    person = make_person(officer, given_names="Zulema", first_surname="López")
    old = settings.SECRET_KEY  # type: ignore[attr-defined]
    settings.SECRET_KEY = "a-rotated-secret-key-" + "y" * 30  # type: ignore[attr-defined]
    settings.SECRET_KEY_FALLBACKS = [old]  # type: ignore[attr-defined]
    assert selectors.person_matches("Lopez") == []  # digests of the old key no longer meet
    out = StringIO()
    call_command("reindex_names", stdout=out)
    assert "1 people" in out.getvalue()
    assert [m.person.pk for m in selectors.person_matches("Lopez")] == [person.pk]


def test_name_score_is_the_mean_best_token_similarity() -> None:
    assert selectors.name_score(["prez"], ["yelitza", "perez"]) == 88.9
    assert selectors.name_score(["jose", "lopez"], ["jose", "lopez", "diaz"]) == 100.0
    assert selectors.name_score(["jose", "lopes"], ["jose", "lopez"]) == 90.0
