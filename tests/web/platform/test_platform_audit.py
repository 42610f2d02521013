"""The audit trail: append-only entries, the auditor's search (page and API)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from asilo.web.audit.models import AppendOnlyError, AuditEntry
from asilo.web.audit.selectors import AuditFilters, audit_entries, audit_page
from asilo.web.audit.services import audit_record

pytestmark = pytest.mark.django_db


def _at(day: str, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(day).replace(hour=hour))


def _entry(actor: Any, day: str, **fields: Any) -> AuditEntry:
    return AuditEntry.objects.create(
        at=_at(day), actor=actor, actor_username=actor.username, actor_role=actor.role, **fields
    )


@pytest.fixture
def trail(make_user: Any) -> dict[str, Any]:
    officer = make_user("officer", "off1")
    supervisor = make_user("supervisor", "sup1")
    entries = [
        _entry(officer, "2024-03-01", action="create", object_type="encounters.encounter",
               object_id="1", after={"pathway": "processing"}, catalogue_version="v1"),
        _entry(officer, "2024-03-02", action="view", object_type="people.person", object_id="7"),
        _entry(supervisor, "2024-03-02", action="review", object_type="encounters.override",
               object_id="3", note="upheld"),
        _entry(supervisor, "2024-03-05", action="view", object_type="people.person", object_id="8"),
    ]  # fmt: skip
    return {"officer": officer, "supervisor": supervisor, "ids": [e.pk for e in entries]}


def _ids(filters: AuditFilters) -> list[int]:
    """Matching ids, leaving out the entries that creating the test users wrote."""
    entries = audit_entries(filters).exclude(object_type="accounts.user")
    return list(entries.values_list("pk", flat=True))


def test_filters_select_exactly(trail: dict[str, Any]) -> None:
    a, b, c, d = trail["ids"]
    assert _ids(AuditFilters()) == [d, c, b, a]
    assert _ids(AuditFilters(actor="off1")) == [b, a]
    assert _ids(AuditFilters(action="view")) == [d, b]
    assert _ids(AuditFilters(object_type="people.person", object_id="8")) == [d]
    assert _ids(AuditFilters(since=date(2024, 3, 2), until=date(2024, 3, 2))) == [c, b]
    assert _ids(AuditFilters(since=date(2024, 3, 3))) == [d]
    assert _ids(AuditFilters(actor="sup1", action="create")) == []


def test_pages(trail: dict[str, Any]) -> None:
    page = audit_page(AuditFilters(since=date(2024, 1, 1), until=date(2024, 12, 31)), 2, 3)
    assert page.paginator.count == 4 and page.paginator.num_pages == 2
    assert [e.pk for e in page.object_list] == [trail["ids"][0]]


def test_entries_cannot_be_changed_or_deleted(trail: dict[str, Any]) -> None:
    entry = AuditEntry.objects.get(pk=trail["ids"][0])
    entry.note = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(note="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).note == ""


def test_api_search_for_auditor(trail: dict[str, Any], make_user: Any, bearer_as: Any) -> None:
    auditor = make_user("auditor")
    headers = bearer_as(auditor)
    response = Client().get(
        "/api/v1/audit", {"actor": "off1", "per_page": 1, "page": 2}, headers=headers
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (2, 2, 2)
    [entry] = body["entries"]
    assert entry["id"] == trail["ids"][0]
    assert entry["after"] == {"pathway": "processing"}
    assert entry["catalogue_version"] == "v1"
    assert entry["actor_username"] == "off1" and entry["actor_role"] == "officer"


def test_api_search_by_date_range(trail: dict[str, Any], make_user: Any, bearer_as: Any) -> None:
    headers = bearer_as(make_user("auditor"))
    response = Client().get(
        "/api/v1/audit", {"since": "2024-03-02", "until": "2024-03-02"}, headers=headers
    )
    assert [e["id"] for e in response.json()["entries"]] == trail["ids"][2:0:-1]


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"since": "2024-03-05", "until": "2024-03-01"}, "bad_date_range", "until"),
        ({"since": "yesterday"}, "invalid", "since"),
        ({"action": "teleport"}, "invalid", "action"),
        ({"page": 0}, "invalid", "page"),
        ({"per_page": 501}, "invalid", "per_page"),
    ],
)
def test_api_bad_query_is_a_structured_400(
    make_user: Any, bearer_as: Any, params: dict[str, Any], code: str, field: str
) -> None:
    response = Client().get("/api/v1/audit", params, headers=bearer_as(make_user("auditor")))
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]


def test_api_error_message_in_spanish(make_user: Any, bearer_as: Any) -> None:
    headers = {**bearer_as(make_user("auditor")), "accept-language": "es"}
    response = Client().get(
        "/api/v1/audit", {"since": "2024-03-05", "until": "2024-03-01"}, headers=headers
    )
    assert response.json()["errors"][0]["message"] == (
        "La fecha de inicio es posterior a la fecha de fin."
    )


def test_search_page_for_auditor(trail: dict[str, Any], client_as: Any, make_user: Any) -> None:
    client = client_as(make_user("auditor"))
    response = client.get("/audit/", {"actor": "sup1", "action": "view"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 entry" in html
    assert "people.person #8" in html
    assert "people.person #7" not in html
    assert '<label for="id_actor">Actor (username)</label>' in html


def test_search_page_paginates(make_user: Any, client_as: Any) -> None:
    officer = make_user("officer", "busy")
    for i in range(55):
        audit_record(actor=officer, action="view", object_type="people.person", object_id=i)
    client = client_as(make_user("auditor"))
    first = client.get("/audit/", {"actor": "busy"}).content.decode()
    assert "55 entries" in first and "Page 1 of 2" in first
    assert 'href="?actor=busy&amp;page=2"' in first
    second = client.get("/audit/", {"actor": "busy", "page": 2}).content.decode()
    assert "Page 2 of 2" in second
    assert second.count("people.person #") == 5


def test_search_page_bad_dates(make_user: Any, client_as: Any) -> None:
    client = client_as(make_user("auditor"))
    response = client.get("/audit/", {"since": "2024-03-05", "until": "2024-03-01"})
    assert response.status_code == 400
    assert "The start date is after the end date." in response.content.decode()


def test_search_page_in_spanish(make_user: Any, client_as: Any) -> None:
    client = client_as(make_user("auditor"))
    html = client.get("/audit/", {"action": "login"}, headers={"accept-language": "es"})
    html = html.content.decode()
    assert "Registro de auditoría" in html and "Buscar" in html
    assert '<option value="login_failed">inicio de sesión fallido</option>' in html


def test_htmx_request_gets_only_the_results(
    trail: dict[str, Any], make_user: Any, client_as: Any
) -> None:
    client = client_as(make_user("auditor"))
    response = client.get("/audit/", {"actor": "off1"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "2 entries" in html and "<html" not in html


def test_time_window_boundaries(make_user: Any) -> None:
    officer = make_user("officer")
    late = timezone.make_aware(datetime(2024, 3, 2, 23, 59, 59))
    entry = AuditEntry.objects.create(at=late, actor=officer, action="view", object_type="x")
    assert _ids(AuditFilters(until=date(2024, 3, 2))) == [entry.pk]
    assert _ids(AuditFilters(since=date(2024, 3, 2) + timedelta(days=1))) == []


@pytest.mark.parametrize(
    ("params", "language", "field", "message"),
    [
        ({"since": "yesterday"}, "en", "since", "Enter a valid date (YYYY-MM-DD)."),
        ({"since": "yesterday"}, "es", "since", "Introduzca una fecha válida (AAAA-MM-DD)."),
        ({"page": 0}, "en", "page", "Enter a value of at least 1."),
        ({"page": 0}, "es", "page", "Introduzca un valor de al menos 1."),
        ({"page": "two"}, "es", "page", "Introduzca un número entero."),
        ({"actor": "x" * 151}, "en", "actor", "Enter at most 150 characters."),
    ],
)
def test_api_validation_messages_are_translated(
    make_user: Any,
    bearer_as: Any,
    params: dict[str, Any],
    language: str,
    field: str,
    message: str,
) -> None:
    headers = {**bearer_as(make_user("auditor")), "accept-language": language}
    response = Client().get("/api/v1/audit", params, headers=headers)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "invalid", "message": message, "field": field}]


def test_api_enum_message_lists_the_choices(make_user: Any, bearer_as: Any) -> None:
    response = Client().get(
        "/api/v1/audit", {"action": "teleport"}, headers=bearer_as(make_user("auditor"))
    )
    [error] = response.json()["errors"]
    assert error["message"].startswith("Choose one of: ")
    assert "'login_failed'" in error["message"]
