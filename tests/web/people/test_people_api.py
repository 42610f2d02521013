"""The people API through HTTP with real tokens: reads, search, rights, audit of refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from asilo.web.accounts.models import User
from asilo.web.audit.models import AuditAction, AuditEntry
from asilo.web.people import services
from asilo.web.people.models import Person
from asilo.web.people.validation import clean_identity

ON = date(2022, 5, 10)
ROLES = ["officer", "supervisor", "caseworker", "analyst", "auditor", "admin"]
MAY_VIEW = {"officer", "supervisor", "auditor"}
MAY_EDIT = {"officer", "supervisor"}


@pytest.fixture
def people(user_of: Callable[..., User]) -> dict[str, Any]:
    creator = user_of("officer", "creator")
    mother = services.person_create(
        actor=creator,
        identity=clean_identity(
            {
                "nationality": "SLV",
                "given_names": "Marta",
                "first_surname": "López",
                "age": 29,
                "documents": [
                    {"kind": "national_id", "number": "0456-7", "issuing_country": "SLV"}
                ],
            },
            on=ON,
        ),
        on=ON,
    )
    child = services.person_create(
        actor=creator,
        identity=clean_identity({"nationality": "SLV", "given_names": "Luis", "age": 4}, on=ON),
        on=ON,
    )
    unit = services.family_unit_create(
        actor=creator,
        members=[
            services.MemberInput(person=mother, role="adult", relationship="parent"),
            services.MemberInput(person=child, role="child", relationship="child"),
        ],
    )
    return {"mother": mother, "child": child, "unit": unit}


def test_get_person_returns_the_decrypted_record(
    people: dict[str, Any], officer: User, api_as: Callable[..., Any]
) -> None:
    res = api_as(officer).get(f"/people/{people['mother'].pk}")
    assert res.status_code == 200
    body = res.json()
    assert body["given_names"] == "Marta" and body["first_surname"] == "López"
    assert body["documents"] == [
        {"kind": "national_id", "issuing_country": "SLV", "number": "0456-7"}
    ]
    assert body["age"] == 29 and body["nationality"] == "SLV"


def test_search_api_is_typo_tolerant(
    people: dict[str, Any], officer: User, api_as: Callable[..., Any]
) -> None:
    res = api_as(officer).get("/people", q="Lpez")
    assert res.status_code == 200
    assert [r["person"]["id"] for r in res.json()["results"]] == [people["mother"].pk]
    res = api_as(officer).get("/people", q="x")
    assert res.status_code == 400
    assert res.json()["errors"][0]["code"] == "query_too_short"
    assert res.json()["errors"][0]["field"] == "q"


def test_family_unit_api(people: dict[str, Any], officer: User, api_as: Callable[..., Any]) -> None:
    client = api_as(officer)
    views = AuditEntry.objects.filter(action=AuditAction.VIEW, actor=officer)
    res = client.get(f"/family-units/{people['unit'].pk}")
    assert res.status_code == 200
    assert sorted(views.values_list("object_type", "object_id")) == sorted(
        [
            ("people.familyunit", str(people["unit"].pk)),
            ("people.person", str(people["mother"].pk)),
            ("people.person", str(people["child"].pk)),
        ]
    )
    members = res.json()["members"]
    assert [(m["role"], m["relationship"], m["person"]["given_names"]) for m in members] == [
        ("adult", "parent", "Marta"),
        ("child", "child", "Luis"),
    ]
    res = api_as(officer).get("/family-units", q="Luis")
    assert [u["id"] for u in res.json()["results"]] == [people["unit"].pk]


def test_unknown_person_is_404(officer: User, api_as: Callable[..., Any]) -> None:
    res = api_as(officer).get("/people/424242")
    assert res.status_code == 404
    assert res.json() == {
        "errors": [
            {"code": "person_not_found", "message": "No person has this id.", "field": "person_id"}
        ]
    }


def test_spanish_error_message(officer: User, api_as: Callable[..., Any]) -> None:
    client = api_as(officer)
    res = client.client.get(
        "/api/v1/people/424242",
        headers={"Authorization": f"Bearer {client.token}", "Accept-Language": "es"},
    )
    assert res.status_code == 404
    assert res.json()["errors"][0]["message"] == "Ninguna persona tiene este identificador."


def _reads(people: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"/people/{people['mother'].pk}", {}),
        ("/people", {"q": "López"}),
        (f"/family-units/{people['unit'].pk}", {}),
        ("/family-units", {"q": "López"}),
    ]


@pytest.mark.parametrize("role", [None, *ROLES])
def test_authorization_matrix_for_reads(
    people: dict[str, Any],
    user_of: Callable[..., User],
    api_as: Callable[..., Any],
    role: str | None,
) -> None:
    user = user_of(role) if role else None
    client = api_as(user)
    for path, params in _reads(people):
        refusals_before = AuditEntry.objects.filter(action=AuditAction.REFUSED).count()
        res = client.get(path, **params)
        if role is None:
            assert res.status_code == 401, path
            assert res.json()["errors"][0]["code"] == "unauthenticated"
        elif role in MAY_VIEW:
            assert res.status_code == 200, (role, path)
        else:
            assert res.status_code == 403, (role, path)
            body = res.json()
            assert list(body) == ["errors"] and body["errors"][0]["code"] == "forbidden"
            assert "Marta" not in res.content.decode()
            refusals = AuditEntry.objects.filter(action=AuditAction.REFUSED)
            assert refusals.count() == refusals_before + 1
            assert refusals.latest("id").actor == user


@pytest.mark.parametrize("role", [None, *ROLES])
def test_authorization_matrix_for_profile_update(
    people: dict[str, Any],
    user_of: Callable[..., User],
    api_as: Callable[..., Any],
    role: str | None,
) -> None:
    user = user_of(role) if role else None
    person_id = people["mother"].pk
    res = api_as(user).patch(f"/people/{person_id}", {"vulnerabilities": ["pregnancy"]})
    after = Person.objects.get(pk=person_id).vulnerabilities
    if role is None:
        assert res.status_code == 401 and after == []
    elif role in MAY_EDIT:
        assert res.status_code == 200 and after == ["pregnancy"]
        assert res.json()["vulnerabilities"] == ["pregnancy"]
    else:
        assert res.status_code == 403 and after == []


def test_profile_update_validates_fields(
    people: dict[str, Any], officer: User, api_as: Callable[..., Any]
) -> None:
    res = api_as(officer).patch(
        f"/people/{people['mother'].pk}", {"vulnerabilities": ["pregnancy", "sad"]}
    )
    assert res.status_code == 400
    assert res.json()["errors"][0]["field"] == "vulnerabilities.1"
    assert Person.objects.get(pk=people["mother"].pk).vulnerabilities == []


def test_correcting_a_name_reindexes_and_audits_field_names_only(
    people: dict[str, Any], officer: User, api_as: Callable[..., Any]
) -> None:
    from asilo.web.people import selectors

    mother = people["mother"]
    res = api_as(officer).patch(
        f"/people/{mother.pk}",
        {"first_surname": "Lozano", "date_of_birth": "1993-01-20", "sex": "female"},
    )
    assert res.status_code == 200, res.content
    body = res.json()
    assert (body["first_surname"], body["date_of_birth"], body["sex"]) == (
        "Lozano",
        "1993-01-20",
        "female",
    )
    assert [m.person.pk for m in selectors.person_matches("Lozano")] == [mother.pk]
    assert selectors.person_matches("Lopez") == []
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE).latest("id")
    assert entry.after == {"sex": "female", "corrected": ["first_surname", "date_of_birth"]}
    assert entry.before == {"sex": "unknown"}
    assert "Lozano" not in str(entry.after) and "López" not in str(entry.before)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"given_names": "M4rta"}, "given_names", "name_invalid"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "date_of_birth_in_future"),
        ({"sex": "w"}, "sex", "sex_invalid"),
        ({"a_number": "A12"}, "a_number", "a_number_invalid"),
    ],
)
def test_bad_corrections_change_nothing(
    people: dict[str, Any],
    officer: User,
    api_as: Callable[..., Any],
    body: dict[str, Any],
    field: str,
    code: str,
) -> None:
    mother = people["mother"]
    res = api_as(officer).patch(f"/people/{mother.pk}", body)
    assert res.status_code == 400
    assert res.json()["errors"][0] == {
        "code": code,
        "message": res.json()["errors"][0]["message"],
        "field": field,
    }
    fresh = Person.objects.get(pk=mother.pk)
    assert (fresh.given_names, fresh.date_of_birth, fresh.sex, fresh.a_number) == (
        "Marta",
        None,
        "unknown",
        None,
    )


def test_a_number_of_another_person_is_refused(
    people: dict[str, Any], officer: User, api_as: Callable[..., Any]
) -> None:
    api = api_as(officer)
    assert (
        api.patch(f"/people/{people['mother'].pk}", {"a_number": "A123456789"}).status_code == 200
    )
    res = api.patch(f"/people/{people['child'].pk}", {"a_number": "123456789"})
    assert res.status_code == 409
    assert res.json()["errors"][0]["code"] == "a_number_in_use"
    assert Person.objects.get(pk=people["child"].pk).a_number is None
