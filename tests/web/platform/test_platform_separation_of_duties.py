"""Issue 11, finding 1: an administrator could read personal data. The admin reset an
officer's password in the admin site (no entry in asilo's trail), signed in as the officer and
read a record; an admin could also change its own role to auditor. No second person needed.

Now: the admin never sets or sees a password (a one-time link goes to the user), the reset is
audited and the user told, nobody changes their own role, and a role that reads personal data
waits for a second administrator (audited)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from asilo.web.accounts.models import RoleGrant, User
from asilo.web.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-officer-passphrase-9"


def _admin_client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _change_form(user: User, **changes: Any) -> dict[str, Any]:
    data = {
        "username": user.username,
        "role": user.role,
        "organisation": user.organisation_id or "",
        "is_active": "on" if user.is_active else "",
        "first_name": "",
        "last_name": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != "" or k in ("first_name", "last_name")}


@pytest.fixture
def admins(make_user: Callable[..., User]) -> tuple[User, User]:
    return make_user("admin", "admin-one"), make_user("admin", "admin-two")


def test_the_admin_cannot_set_a_password(
    admins: tuple[User, User], make_user: Callable[..., User], test_password: str
) -> None:
    admin, _ = admins
    officer = make_user("officer")
    client = _admin_client(admin)
    page = client.get(f"/admin/accounts/user/{officer.pk}/password/", follow=True)
    assert b"new_password1" not in page.content and b"password1" not in page.content
    client.post(
        f"/admin/accounts/user/{officer.pk}/password/",
        {"password1": "admin-chosen-password-77", "password2": "admin-chosen-password-77"},
    )
    client.post(
        f"/admin/accounts/user/{officer.pk}/change/",
        {**_change_form(officer), "password": "admin-chosen-password-77"},
    )
    officer.refresh_from_db()
    assert not officer.check_password("admin-chosen-password-77")
    assert officer.check_password(test_password)


def test_a_reset_sends_a_one_time_link_to_the_user_only(
    admins: tuple[User, User], make_user: Callable[..., User], test_password: str
) -> None:
    admin, _ = admins
    officer = make_user("officer")
    User.objects.filter(pk=officer.pk).update(email="officer@example.org")
    client = _admin_client(admin)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "send_password_reset", "_selected_action": [officer.pk]},
        follow=True,
    )
    assert response.status_code == 200
    officer.refresh_from_db()
    assert not officer.check_password(test_password)  # the old password stops at once
    assert not officer.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["officer@example.org"]
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mail.outbox[0].body)
    assert link is not None
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    assert path.encode() not in response.content  # the admin never sees the link
    entry = AuditEntry.objects.get(action="password_reset", object_id=str(officer.pk))
    assert entry.actor == admin
    # The officer (only) uses the link, once.
    user_client = Client()
    form = user_client.get("/" + path, follow=True)
    assert b"new_password1" in form.content
    done = user_client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else "/" + path,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(action="password_set", actor=officer).exists()
    again = Client().get("/" + path, follow=True)
    assert b"new_password1" not in again.content


def test_nobody_changes_their_own_role(admins: tuple[User, User]) -> None:
    admin, _ = admins
    client = _admin_client(admin)
    client.post(f"/admin/accounts/user/{admin.pk}/change/", _change_form(admin, role="auditor"))
    admin.refresh_from_db()
    assert admin.role == "admin"
    assert not RoleGrant.objects.filter(user=admin).exists()
    client.post(f"/admin/accounts/user/{admin.pk}/change/", _change_form(admin, is_active=""))
    admin.refresh_from_db()
    assert admin.is_active


def test_a_personal_data_role_needs_a_second_administrator(
    admins: tuple[User, User], make_user: Callable[..., User]
) -> None:
    first, second = admins
    analyst = make_user("analyst")
    _admin_client(first).post(
        f"/admin/accounts/user/{analyst.pk}/change/", _change_form(analyst, role="auditor")
    )
    analyst.refresh_from_db()
    assert analyst.role == "analyst"  # not yet
    grant = RoleGrant.objects.get(user=analyst)
    assert (grant.role, grant.status, grant.requested_by) == ("auditor", "pending", first)
    assert AuditEntry.objects.filter(action="role_request", actor=first).exists()
    # The one who asked may not approve.
    _admin_client(first).post(
        "/admin/accounts/rolegrant/", {"action": "approve", "_selected_action": [grant.pk]}
    )
    analyst.refresh_from_db()
    grant.refresh_from_db()
    assert (analyst.role, grant.status) == ("analyst", "pending")
    assert AuditEntry.objects.filter(
        action="refused", actor=first, object_type="accounts.rolegrant"
    ).exists()
    # A second administrator approves.
    _admin_client(second).post(
        "/admin/accounts/rolegrant/", {"action": "approve", "_selected_action": [grant.pk]}
    )
    analyst.refresh_from_db()
    grant.refresh_from_db()
    assert (analyst.role, grant.status, grant.decided_by) == ("auditor", "approved", second)
    assert AuditEntry.objects.filter(
        action="approve", actor=second, object_type="accounts.rolegrant"
    ).exists()


def test_a_new_account_with_a_personal_data_role_waits_inactive(
    admins: tuple[User, User],
) -> None:
    first, second = admins
    response = _admin_client(first).post(
        "/admin/accounts/user/add/",
        {"username": "new-officer", "email": "new@example.org", "role": "officer"},
    )
    assert response.status_code == 302, response.content[:500]
    created = User.objects.get(username="new-officer")
    assert not created.is_active and not created.has_usable_password()
    assert mail.outbox == []
    grant = RoleGrant.objects.get(user=created)
    _admin_client(second).post(
        "/admin/accounts/rolegrant/", {"action": "approve", "_selected_action": [grant.pk]}
    )
    created.refresh_from_db()
    assert created.is_active and created.role == "officer"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.org"]
