"""Writes of the accounts app: users and API tokens. Each write is audited in its transaction."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from asilo.web.accounts.errors import AccountsError, AccountsErrorCode
from asilo.web.accounts.models import ApiToken, Organisation, User, hash_token
from asilo.web.accounts.roles import Role
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_record

#: Roles that may enter the admin site (what they see there is decided by capability).
STAFF_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})


def is_staff_role(role: str) -> bool:
    return role in STAFF_ROLES


def user_create(
    *,
    actor: User | AnonymousUser | None,
    username: str,
    role: str,
    password: str | None,
    organisation: str | None = None,
    validate_password: bool = True,
) -> User:
    """Create an active user of ``role``; a caseworker needs an existing ``organisation``.

    ``password=None`` leaves the password unusable (token-only users).
    """
    if role not in Role.values:
        raise AccountsError(AccountsErrorCode.UNKNOWN_ROLE, "role", f"({', '.join(Role.values)})")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise AccountsError(AccountsErrorCode.USERNAME_INVALID, "username") from exc
    if not username or len(username) > 150:
        raise AccountsError(AccountsErrorCode.USERNAME_INVALID, "username")
    if role == Role.CASEWORKER and not organisation:
        raise AccountsError(AccountsErrorCode.ORGANISATION_REQUIRED, "organisation")
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise AccountsError(AccountsErrorCode.USERNAME_TAKEN, "username")
        org = None
        if organisation:
            org, _created = Organisation.objects.get_or_create(name=organisation)
        user = User(username=username, role=role, organisation=org, is_staff=is_staff_role(role))
        if password is None:
            user.set_unusable_password()
        else:
            if validate_password:
                try:
                    password_validation.validate_password(password, user)
                except ValidationError as exc:
                    raise AccountsError(
                        AccountsErrorCode.WEAK_PASSWORD, "password", " ".join(exc.messages)
                    ) from exc
            user.set_password(password)
        user.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="accounts.user",
            object_id=user.pk,
            after={"username": username, "role": role, "organisation": organisation or None},
        )
    return user


def token_create(*, actor: User | AnonymousUser | None, user: User) -> str:
    """Issue a new API token for ``user``; returns the raw token (only its SHA-256 is kept)."""
    if not user.is_active:
        raise AccountsError(AccountsErrorCode.INACTIVE_USER, "username")
    raw = ApiToken.new_raw_token()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, digest=hash_token(raw), prefix=raw[:8])
        audit_record(
            actor=actor,
            action=AuditAction.TOKEN_CREATE,
            object_type="accounts.apitoken",
            object_id=token.pk,
            after={"user_id": user.pk, "prefix": token.prefix},
        )
    return raw


def token_revoke(*, actor: User | AnonymousUser | None, token: ApiToken) -> ApiToken:
    """Revoke a token (it stops authenticating at once)."""
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="accounts.apitoken",
            object_id=token.pk,
            after={"revoked": True},
        )
    return token


def user_by_username(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist as exc:
        raise AccountsError(AccountsErrorCode.UNKNOWN_USER, "username") from exc


def login_record(*, user: User) -> None:
    """Audit a successful sign-in."""
    audit_record(
        actor=user, action=AuditAction.LOGIN, object_type="accounts.user", object_id=user.pk
    )


def login_failure_record(*, username: str, locked_out: bool) -> None:
    """Audit a failed sign-in: the username that was tried, never the password."""
    known = User.objects.filter(username=username).values_list("pk", flat=True).first()
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        object_type="accounts.user",
        object_id=known,
        after={"username": username[:150], "locked_out": locked_out},
    )
