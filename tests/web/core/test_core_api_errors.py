"""Issue 11, finding 11 (API correctness) and issue 12's core: one error shape for every API
failure, 401 with ``WWW-Authenticate: Bearer`` on every method, unique error schemas."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings

from asilo.web.accounts.models import User
from asilo.web.api import api
from asilo.web.audit.models import AuditEntry
from asilo.web.core.access import flush_refusals, require
from asilo.web.core.errors import Forbidden
from asilo.web.core.roles import Capability

pytestmark = pytest.mark.django_db

#: Operations that accept a request without credentials (self-service registration).
#: Self-service: registering, and confirming the contact with the code sent to it (issue 11).
PUBLIC_OPERATIONS = {
    ("post", "/api/v1/registrations"),
    ("post", "/api/v1/registrations/{number}/contact"),
}


def _operations() -> list[tuple[str, str]]:
    schema = json.loads(json.dumps(api.get_openapi_schema()))
    ops = []
    for route, methods in schema["paths"].items():
        for method in methods:
            ops.append((method, route))
    return sorted(ops)


def _concrete(route: str) -> str:
    parts = []
    for part in route.split("/"):
        parts.append("1" if part.startswith("{") else part)
    return "/".join(parts)


def _assert_error_shape(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"errors"} and body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"code", "message", "field"}
        assert error["message"]
    assert body["errors"][0]["code"] == code
    return body


@pytest.mark.parametrize("credentials", ["none", "bad-token"])
def test_missing_or_invalid_token_is_401_on_every_method(credentials: str) -> None:
    """Before: POST/PATCH/PUT without a token answered 403 "CSRF check Failed"."""
    client = Client(enforce_csrf_checks=True)
    headers = {} if credentials == "none" else {"Authorization": "Bearer asl_not-a-real-token"}
    checked = 0
    for method, route in _operations():
        if credentials == "none" and (method, route) in PUBLIC_OPERATIONS:
            continue
        if method == "get":
            response = client.get(_concrete(route), headers=headers)
        else:
            response = getattr(client, method)(
                _concrete(route), data="{}", content_type="application/json", headers=headers
            )
        assert response.status_code == 401, (method, route, response.content[:200])
        assert response["WWW-Authenticate"].startswith("Bearer")
        _assert_error_shape(response, 401, "unauthenticated")
        checked += 1
    assert checked >= 20


def test_unknown_api_path_is_a_json_404() -> None:
    response = Client().get("/api/v1/no-such-thing")
    _assert_error_shape(response, 404, "not_found")


def test_wrong_method_is_a_json_405_with_allow(make_user: Callable[..., User]) -> None:
    client = Client()
    client.force_login(make_user("auditor"), backend="django.contrib.auth.backends.ModelBackend")
    response = client.delete("/api/v1/audit")
    body = _assert_error_shape(response, 405, "method_not_allowed")
    assert "DELETE" in body["errors"][0]["message"]
    assert "GET" in response["Allow"]


def test_too_large_a_body_is_a_json_413() -> None:
    body = json.dumps({"padding": "x" * 300_000})
    response = Client().post("/api/v1/encounters", data=body, content_type="application/json")
    _assert_error_shape(response, 413, "payload_too_large")


@override_settings(ROOT_URLCONF="core_urls")
def test_an_unexpected_exception_is_a_json_500_that_logs_no_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO):
        response = Client(raise_request_exception=False).get("/api/test/boom")
    _assert_error_shape(response, 500, "server_error")
    assert "RuntimeError" in caplog.text
    assert "Maria" not in caplog.text and "Lopez" not in caplog.text


@override_settings(ROOT_URLCONF="core_urls")
def test_a_database_that_went_away_is_a_503_with_retry_after() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/api/test/database-gone")
    _assert_error_shape(response, 503, "unavailable")
    assert int(response["Retry-After"]) > 0
    page = client.get("/page-boom/")
    assert page.status_code == 503 and int(page["Retry-After"]) > 0


def test_error_answers_are_never_cached() -> None:
    response = Client().get("/api/v1/audit")
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]


def test_one_error_schema_in_the_openapi_document() -> None:
    """Before: registrations' ``ErrorOut`` ({"errors": [...]}) and people's ``ErrorOut``
    ({"code", ...}) collided, so the document showed the wrong shape for one of them."""
    schema = json.loads(json.dumps(api.get_openapi_schema()))
    names = set(schema["components"]["schemas"])
    assert {n for n in names if "Error" in n} == {"ErrorOut", "ErrorsOut"}
    errors_out = schema["components"]["schemas"]["ErrorsOut"]
    assert errors_out["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/ErrorOut"}
    registration = schema["paths"]["/api/v1/registrations"]["post"]["responses"]["400"]
    ref = registration["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/ErrorsOut"


def test_a_refusal_inside_a_rolled_back_transaction_stays_audited(
    make_user: Callable[..., User],
) -> None:
    analyst = make_user("analyst")
    before = AuditEntry.objects.filter(action="refused", actor=analyst).count()
    with pytest.raises(Forbidden), transaction.atomic():
        require(analyst, Capability.PERSON_VIEW, object_type="people.person", object_id=7)
    assert flush_refusals() == 1
    entries = AuditEntry.objects.filter(action="refused", actor=analyst)
    assert entries.count() == before + 1
    entry = entries.latest("id")
    assert (entry.object_type, entry.object_id) == ("people.person", "7")
    assert "person.view" in entry.note


def test_a_refusal_that_commits_is_not_written_twice(make_user: Callable[..., User]) -> None:
    analyst = make_user("analyst")
    with transaction.atomic(), pytest.raises(Forbidden):
        require(analyst, Capability.PERSON_VIEW, object_type="people.person")
    assert flush_refusals() == 0
    assert AuditEntry.objects.filter(action="refused", actor=analyst).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_after_the_database_drops_the_connection_the_api_answers_503_json(
    make_user: Callable[..., User], make_token: Callable[[User], str]
) -> None:
    """Before: after a PostgreSQL restart a few requests got an HTML 500."""
    import psycopg

    auditor = make_user("auditor")
    token = make_token(auditor)
    client = Client(raise_request_exception=False)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/audit", headers=headers).status_code == 200
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    try:
        response = client.get("/api/v1/audit", headers=headers)
        _assert_error_shape(response, 503, "unavailable")
        assert int(response["Retry-After"]) > 0
    finally:
        connection.close()
