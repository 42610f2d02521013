"""The accounts app's refusals are the shared core's: ``AccountsErrorCode`` is an
:class:`~asilo.web.core.errors.ErrorCode` (code, translated message and status declared
together) and ``AccountsError`` a :class:`~asilo.web.core.errors.DomainError`, so the
admin pages, the command line and the API's one handler treat them like every other app's.

What was appended to a message as a raw string (the roles, the password validators'
reasons) is now a parameter of the translated message; what a user reads is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from asilo.web.accounts.errors import AccountsError, AccountsErrorCode
from asilo.web.accounts.services import user_create
from asilo.web.audit.models import AuditEntry
from asilo.web.core.errors import DomainError, ErrorCode

pytestmark = pytest.mark.django_db

STRONG = "a-long-border-passphrase-42"
ROLES = "officer, supervisor, caseworker, analyst, auditor, admin"


def test_the_codes_are_the_contract() -> None:
    assert [str(code) for code in AccountsErrorCode] == [
        "unknown_role",
        "username_taken",
        "username_invalid",
        "organisation_required",
        "weak_password",
        "unknown_user",
        "inactive_user",
        "own_role",
        "second_admin_required",
        "grant_decided",
        "no_email",
        "reset_not_sent",
    ]


def test_the_vocabulary_is_on_the_shared_base() -> None:
    assert issubclass(AccountsErrorCode, ErrorCode)
    assert issubclass(AccountsError, DomainError)
    statuses = {str(code): code.status for code in AccountsErrorCode}
    assert statuses["unknown_user"] == 404
    assert statuses["username_taken"] == 409
    assert statuses["own_role"] == 403
    assert statuses["weak_password"] == 400


def _refusal(**kwargs: Any) -> AccountsError:
    args = {"username": "maria", "role": "officer", "password": STRONG, **kwargs}
    with pytest.raises(AccountsError) as caught:
        user_create(actor=None, **args)
    return caught.value


def test_an_unknown_role_names_the_roles_as_before() -> None:
    refusal = _refusal(role="sheriff")
    assert refusal.as_dict() == {
        "code": "unknown_role",
        "message": f"Unknown role. ({ROLES})",
        "field": "role",
    }
    assert refusal.status == 400


def test_a_weak_password_gives_the_validators_reasons_as_before() -> None:
    refusal = _refusal(password="short")
    assert refusal.as_dict() == {
        "code": "weak_password",
        "message": "The password is too weak. This password is too short. It must contain"
        " at least 12 characters.",
        "field": "password",
    }


def test_the_messages_with_their_parameters_are_translated() -> None:
    with translation.override("es"):
        weak = _refusal(password="short")
        unknown = _refusal(role="sheriff")
        assert weak.message == (
            "La contraseña es demasiado débil. La contraseña es demasiado corta. Debe contener"
            " por lo menos 12 caracteres."
        )
        assert unknown.message == f"Rol desconocido. ({ROLES})"


def test_a_message_without_parameters_is_the_codes_message() -> None:
    refusal = _refusal(username="bad name!")
    assert refusal.message == str(AccountsErrorCode.USERNAME_INVALID.message)
    assert refusal.field == "username"


def _admin_client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_admin_pages_show_an_accounts_refusal_in_the_users_language(
    make_user: Callable[..., Any], test_password: str
) -> None:
    """A refusal from the services reaches the admin page as the shared error's message."""
    admin = make_user("admin")
    officer = make_user("officer")  # no e-mail address: no reset link can be sent
    response = _admin_client(admin).post(
        "/admin/accounts/user/",
        {"action": "send_password_reset", "_selected_action": [officer.pk]},
        follow=True,
        headers={"Accept-Language": "es"},
    )
    assert response.status_code == 200
    with translation.override("es"):
        expected = f"{officer.username}: {AccountsErrorCode.NO_EMAIL.message}".lower()
    assert expected in response.content.decode().lower()  # the admin capitalises messages
    assert "restablecer" in expected  # the Spanish message, not the English one
    officer.refresh_from_db()
    assert officer.check_password(test_password)  # nothing was changed
    assert not AuditEntry.objects.filter(action="password_reset").exists()
