"""Authorization matrix of the platform's pages and endpoints: anonymous and every role.

For each: the status each caller gets, that a refused caller sees none of the data, that a
refused write changes nothing, and that refusals to read the audit trail are audited.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from asilo.web.accounts.models import User
from asilo.web.audit.models import AuditEntry
from asilo.web.audit.services import audit_record
from asilo.web.reference.models import PortOfEntry

pytestmark = pytest.mark.django_db

CALLERS = ["anonymous", "officer", "supervisor", "caseworker", "analyst", "auditor", "admin"]
MARKER = "needle-object-4711"  # appears in an audit entry; must not leak to refused callers


@pytest.fixture
def caller(request: pytest.FixtureRequest, users: dict[str, Any]) -> Any:
    audit_record(actor=users["officer"], action="view", object_type="people.person",
                 object_id=MARKER)  # fmt: skip
    return None if request.param == "anonymous" else users[request.param]


def _session(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _refusals() -> int:
    return AuditEntry.objects.filter(action="refused", object_type="audit.auditentry").count()


# Expected status by caller; "login" means a redirect to the sign-in page.
PAGES: dict[str, dict[str, Any]] = {
    "/": {"anonymous": "login", "*": 200},
    "/audit/": {"anonymous": "login", "auditor": 200, "*": 403},
    "/admin/": {"anonymous": "admin-login", "admin": 200, "auditor": 200, "*": "admin-login"},
    "/admin/accounts/user/": {
        "anonymous": "admin-login", "admin": 200, "auditor": 403, "*": "admin-login"
    },
    "/admin/accounts/apitoken/": {
        "anonymous": "admin-login", "admin": 200, "auditor": 403, "*": "admin-login"
    },
    "/admin/reference/portofentry/": {
        "anonymous": "admin-login", "admin": 200, "auditor": 403, "*": "admin-login"
    },
    "/admin/reference/sector/": {
        "anonymous": "admin-login", "admin": 200, "auditor": 403, "*": "admin-login"
    },
    "/admin/reference/fieldoffice/": {
        "anonymous": "admin-login", "admin": 200, "auditor": 403, "*": "admin-login"
    },
    "/admin/accounts/organisation/": {
        "anonymous": "admin-login", "admin": 200, "auditor": 403, "*": "admin-login"
    },
    "/admin/audit/auditentry/": {
        "anonymous": "admin-login", "auditor": 200, "admin": 403, "*": "admin-login"
    },
}  # fmt: skip


def _expected(path: str, who: str) -> Any:
    table = PAGES[path]
    return table.get(who, table.get("*"))


@pytest.mark.parametrize("caller", CALLERS, indirect=True)
@pytest.mark.parametrize("path", list(PAGES))
def test_pages(caller: Any, path: str, request: pytest.FixtureRequest) -> None:
    who = request.node.callspec.params["caller"]
    expected = _expected(path, who)
    before = _refusals()
    response = _session(caller).get(path)
    body = response.content.decode()
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif expected == "admin-login":
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    else:
        assert response.status_code == expected
    if path in ("/audit/", "/admin/audit/auditentry/"):
        assert (MARKER in body) == (expected == 200)
    if path == "/audit/" and who != "anonymous":
        assert _refusals() == before + (expected == 403)


@pytest.mark.parametrize("caller", CALLERS, indirect=True)
def test_audit_api(caller: Any, request: pytest.FixtureRequest, make_token: Any) -> None:
    who = request.node.callspec.params["caller"]
    headers = {"Authorization": f"Bearer {make_token(caller)}"} if caller else {}
    before = _refusals()
    response = Client().get("/api/v1/audit", headers=headers)
    expected = {"anonymous": 401, "auditor": 200}.get(who, 403)
    assert response.status_code == expected
    assert (MARKER in response.content.decode()) == (expected == 200)
    if expected != 200:
        assert response.json()["errors"][0]["code"] in ("unauthenticated", "forbidden")
    if expected == 403:
        assert _refusals() == before + 1
        refusal = AuditEntry.objects.filter(action="refused").latest("id")
        assert refusal.actor_id == caller.pk and "GET /api/v1/audit" in refusal.note


@pytest.mark.parametrize("caller", CALLERS, indirect=True)
def test_audit_api_by_session(caller: Any, request: pytest.FixtureRequest) -> None:
    who = request.node.callspec.params["caller"]
    response = _session(caller).get("/api/v1/audit")
    assert response.status_code == {"anonymous": 401, "auditor": 200}.get(who, 403)


@pytest.mark.parametrize("caller", CALLERS, indirect=True)
def test_admin_user_creation(caller: Any, request: pytest.FixtureRequest) -> None:
    who = request.node.callspec.params["caller"]
    count = User.objects.count()
    response = _session(caller).post(
        "/admin/accounts/user/add/",
        {"username": "intruder", "password1": "x-very-long-pass-123",
         "password2": "x-very-long-pass-123", "role": "admin", "usable_password": "true"},
    )  # fmt: skip
    if who == "admin":
        assert response.status_code == 302, response.content.decode()[:2000]
        created = User.objects.get(username="intruder")
        assert (created.role, created.is_staff, created.is_superuser) == ("admin", True, False)
        assert AuditEntry.objects.filter(
            action="create", object_type="accounts.user", object_id=str(created.pk),
            actor=caller,
        ).exists()  # fmt: skip
    else:
        assert response.status_code in (302, 403)
        assert User.objects.count() == count
        assert not User.objects.filter(username="intruder").exists()


@pytest.mark.parametrize("caller", CALLERS, indirect=True)
def test_admin_port_capacity_change(caller: Any, request: pytest.FixtureRequest) -> None:
    who = request.node.callspec.params["caller"]
    port = PortOfEntry.objects.select_related("field_office", "sector").get(name="Hidalgo")
    before = port.daily_capacity
    response = _session(caller).post(
        f"/admin/reference/portofentry/{port.pk}/change/",
        {"name": port.name, "field_office": port.field_office_id, "sector": port.sector_id,
         "state": port.state, "mexican_state": port.mexican_state,
         "aliases": '["Hidalgo/Pharr"]', "daily_capacity": 250},
    )  # fmt: skip
    port.refresh_from_db()
    if who == "admin":
        assert response.status_code == 302, response.content.decode()[:3000]
        assert port.daily_capacity == 250
        entry = AuditEntry.objects.get(object_type="reference.portofentry", action="update")
        assert entry.before == {"daily_capacity": before}
        assert entry.after == {"daily_capacity": 250}
    else:
        assert response.status_code in (302, 403)
        assert port.daily_capacity == before


@pytest.mark.parametrize("caller", CALLERS, indirect=True)
def test_audit_entries_cannot_be_deleted_in_admin(caller: Any) -> None:
    entry = AuditEntry.objects.get(object_id=MARKER)
    response = _session(caller).post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code in (302, 403)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("caller", CALLERS, indirect=True)
def test_admin_token_revocation(
    caller: Any, request: pytest.FixtureRequest, users: dict[str, Any], make_token: Any
) -> None:
    from asilo.web.accounts.models import ApiToken

    who = request.node.callspec.params["caller"]
    raw = make_token(users["officer"])
    token = ApiToken.objects.get(user=users["officer"])
    response = _session(caller).post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk], "index": 0},
    )
    token.refresh_from_db()
    revoked = token.revoked_at is not None
    assert revoked == (who == "admin")
    assert response.status_code in (200, 302, 403)
    api = Client().get("/api/v1/audit", headers={"Authorization": f"Bearer {raw}"})
    assert api.status_code == (401 if revoked else 403)  # an officer's token: 403 when valid
