"""A role that reads personal data (or admin) waits for a second administrator: every way of
asking for one (a new account in the admin site, a change of an existing one) opens the
request through one service, with one audit entry, for holders of ``users.manage`` only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from asilo.web.accounts.models import RoleGrant, User
from asilo.web.accounts.services import role_grant_open
from asilo.web.audit.models import AuditEntry
from asilo.web.core.errors import Forbidden

pytestmark = pytest.mark.django_db


def _admin_client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_a_role_request_is_the_same_entry_from_a_new_account_or_a_change(
    make_user: Callable[..., Any],
) -> None:
    """The admin's new account and the change of an existing one open a role request through
    the one service: the same grant and the same audit entry (on the grant, naming the user)."""
    admin = make_user("admin")
    analyst = make_user("analyst")
    client = _admin_client(admin)
    client.post(
        "/admin/accounts/user/add/",
        {"username": "new-officer", "email": "new@example.org", "role": "officer"},
    )
    client.post(
        f"/admin/accounts/user/{analyst.pk}/change/",
        {"username": analyst.username, "role": "auditor", "is_active": "on"},
    )
    created = User.objects.get(username="new-officer")
    for user, role in ((created, "officer"), (analyst, "auditor")):
        grant = RoleGrant.objects.get(user=user)
        assert (grant.role, grant.status, grant.requested_by) == (role, "pending", admin)
        entry = AuditEntry.objects.get(action="role_request", object_id=str(grant.pk))
        assert entry.object_type == "accounts.rolegrant"
        assert entry.after == {"user_id": user.pk, "role": role}
        assert entry.note == "awaits a second administrator"


def test_only_a_holder_of_users_manage_opens_a_role_request(
    make_user: Callable[..., Any],
) -> None:
    supervisor = make_user("supervisor")
    analyst = make_user("analyst")
    with pytest.raises(Forbidden):
        role_grant_open(actor=supervisor, user=analyst, role="auditor", organisation=None)
    assert not RoleGrant.objects.exists()
    assert AuditEntry.objects.filter(action="refused", actor=supervisor).exists()
