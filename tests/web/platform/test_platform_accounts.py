"""Accounts: creating users and tokens (services and the command line), bearer auth."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner

from asilo.cli.main import app
from asilo.web.accounts.errors import AccountsError, AccountsErrorCode
from asilo.web.accounts.models import ApiToken, Organisation, User, hash_token
from asilo.web.accounts.services import token_create, token_revoke, user_create
from asilo.web.audit.models import AuditEntry
from asilo.web.core.roles import Role

pytestmark = pytest.mark.django_db

STRONG = "a-long-border-passphrase-42"


def test_user_create_sets_role_staff_flag_and_audits() -> None:
    admin = user_create(actor=None, username="ana", role="admin", password=STRONG)
    officer = user_create(actor=admin, username="luis", role="officer", password=STRONG)
    assert (admin.role, admin.is_staff, admin.is_superuser) == ("admin", True, False)
    assert (officer.role, officer.is_staff) == ("officer", False)
    assert officer.check_password(STRONG)
    entry = AuditEntry.objects.get(object_type="accounts.user", object_id=str(officer.pk))
    assert entry.actor_username == "ana"
    assert entry.after == {"username": "luis", "role": "officer", "organisation": None}
    assert STRONG not in str(entry.after)


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"role": "sheriff"}, AccountsErrorCode.UNKNOWN_ROLE, "role"),
        ({"username": "bad name!"}, AccountsErrorCode.USERNAME_INVALID, "username"),
        ({"role": "caseworker"}, AccountsErrorCode.ORGANISATION_REQUIRED, "organisation"),
        ({"password": "short"}, AccountsErrorCode.WEAK_PASSWORD, "password"),
        ({"password": "123456789012345"}, AccountsErrorCode.WEAK_PASSWORD, "password"),
    ],
)
def test_user_create_refuses_bad_input_and_writes_nothing(
    kwargs: dict[str, Any], code: AccountsErrorCode, field: str
) -> None:
    args = {"username": "maria", "role": "officer", "password": STRONG, **kwargs}
    with pytest.raises(AccountsError) as caught:
        user_create(actor=None, **args)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert User.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_duplicate_username_is_refused() -> None:
    user_create(actor=None, username="maria", role="officer", password=STRONG)
    with pytest.raises(AccountsError) as caught:
        user_create(actor=None, username="maria", role="analyst", password=STRONG)
    assert caught.value.code == AccountsErrorCode.USERNAME_TAKEN
    assert User.objects.get(username="maria").role == "officer"


def test_caseworker_gets_organisation() -> None:
    user = user_create(
        actor=None, username="cw", role="caseworker", password=STRONG, organisation="Casa X"
    )
    assert user.organisation == Organisation.objects.get(name="Casa X")


def test_token_is_stored_as_digest_and_authenticates(make_user: Any) -> None:
    auditor = make_user("auditor")
    raw = token_create(actor=None, user=auditor)
    token = ApiToken.objects.get(user=auditor)
    assert token.digest == hash_token(raw) and raw not in (token.digest, token.prefix)
    assert token.last_used_at is None
    ok = Client().get("/api/v1/audit", headers={"Authorization": f"Bearer {raw}"})
    assert ok.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    bad = Client().get("/api/v1/audit", headers={"Authorization": f"Bearer {raw}x"})
    assert bad.status_code == 401
    assert bad.json()["errors"][0]["code"] == "unauthenticated"
    token_revoke(actor=None, token=token)
    revoked = Client().get("/api/v1/audit", headers={"Authorization": f"Bearer {raw}"})
    assert revoked.status_code == 401


def test_token_of_inactive_user_does_not_authenticate(make_user: Any) -> None:
    auditor = make_user("auditor")
    raw = token_create(actor=None, user=auditor)
    auditor.is_active = False
    auditor.save()
    response = Client().get("/api/v1/audit", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401


# --- the command line: asilo users create / asilo token create -----------------------------

runner = CliRunner()


def test_cli_users_create_with_password_file(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text(STRONG + "\n")
    result = runner.invoke(
        app,
        ["users", "create", "--username", "rosa", "--role", "caseworker",
         "--organisation", "Casa del Migrante", "--password-file", str(secret)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created rosa (caseworker of Casa del Migrante)." in result.output
    user = User.objects.get(username="rosa")
    assert user.check_password(STRONG) and user.organisation is not None
    assert STRONG not in result.output


def test_cli_users_create_with_prompt() -> None:
    result = runner.invoke(
        app,
        ["users", "create", "--username", "jorge", "--role", "officer"],
        input=f"{STRONG}\n{STRONG}\n",
    )
    assert result.exit_code == 0, result.output
    assert User.objects.get(username="jorge").check_password(STRONG)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "sheriff"], "--role: unknown role 'sheriff'"),
        (["--role", "caseworker"], "--organisation: A caseworker must belong to an organisation."),
        (["--role", "officer", "--weak"], "--password: The password is too weak."),
    ],
)
def test_cli_users_create_bad_input(tmp_path: Path, args: list[str], message: str) -> None:
    secret = tmp_path / "pw"
    secret.write_text("short\n" if "--weak" in args else STRONG + "\n")
    args = [a for a in args if a != "--weak"]
    result = runner.invoke(
        app, ["users", "create", "--username", "x", *args, "--password-file", str(secret)]
    )
    assert result.exit_code == 2
    assert message in result.output
    assert not User.objects.filter(username="x").exists()


def test_cli_users_create_missing_password_file(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["users", "create", "--username", "x", "--role", "officer",
         "--password-file", str(tmp_path / "nope")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--password-file: cannot read" in result.output
    assert not User.objects.filter(username="x").exists()


def test_cli_token_create_prints_a_working_token(make_user: Any) -> None:
    make_user("auditor", "aud")
    result = runner.invoke(app, ["token", "create", "--username", "aud"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip()
    assert raw.startswith("asl_") and len(raw) > 40
    assert ApiToken.objects.filter(digest=hash_token(raw)).exists()
    response = Client().get("/api/v1/audit", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200


def test_cli_token_create_unknown_user() -> None:
    result = runner.invoke(app, ["token", "create", "--username", "ghost"])
    assert result.exit_code == 2
    assert "No such user." in result.output
    assert ApiToken.objects.count() == 0


def test_role_values_match_contract() -> None:
    assert Role.values == ["officer", "supervisor", "caseworker", "analyst", "auditor", "admin"]


def test_tokens_expire_after_90_days_and_rotate(make_user: Any) -> None:
    """Issue 11, finding 11: API tokens never expired."""
    import time_machine
    from django.test import Client
    from django.utils import timezone

    from asilo.web.accounts.models import ApiToken
    from asilo.web.accounts.services import token_create

    auditor = make_user("auditor")
    first = token_create(actor=None, user=auditor)
    stored = ApiToken.objects.get(prefix=first[:8])
    assert stored.expires_at is not None
    assert 89 <= (stored.expires_at - stored.created_at).days <= 90

    def status(raw: str) -> int:
        return Client().get("/api/v1/audit", headers={"Authorization": f"Bearer {raw}"}).status_code

    assert status(first) == 200
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert status(first) == 401
    second = token_create(actor=None, user=auditor, rotate=True)
    assert status(second) == 200
    assert status(first) == 401  # rotated out
    assert ApiToken.objects.get(prefix=first[:8]).revoked_at is not None
