"""Writes of the accounts app: users and API tokens. Each write is audited in its transaction."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from asilo.web.accounts.errors import AccountsError, AccountsErrorCode
from asilo.web.accounts.models import ApiToken, Organisation, RoleGrant, User, hash_token
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change, audit_record, audit_refusal
from asilo.web.core.access import require
from asilo.web.core.actors import Actor
from asilo.web.core.roles import Capability, Role

#: Roles that may enter the admin site (what they see there is decided by capability).
STAFF_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})


def is_staff_role(role: str) -> bool:
    return role in STAFF_ROLES


def check_role(role: str) -> None:
    """Refuse a role that is not one of :class:`Role` (the message names the roles)."""
    if role not in Role.values:
        raise AccountsError(AccountsErrorCode.UNKNOWN_ROLE, "role", roles=", ".join(Role.values))


def user_create(
    *,
    actor: Actor | None,
    username: str,
    role: str,
    password: str | None,
    organisation: str | None = None,
    validate_password: bool = True,
) -> User:
    """Create an active user of ``role``; a caseworker needs an existing ``organisation``.

    ``password=None`` leaves the password unusable (token-only users).
    """
    check_role(role)
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
                        AccountsErrorCode.WEAK_PASSWORD, "password", reasons=" ".join(exc.messages)
                    ) from exc
            user.set_password(password)
        user.save()
        audit_change(
            actor=actor,
            action=AuditAction.CREATE,
            obj=user,
            after={"username": username, "role": role, "organisation": organisation or None},
        )
    return user


def token_create(*, actor: Actor | None, user: User, rotate: bool = False) -> str:
    """Issue a new API token for ``user``; returns the raw token (only its SHA-256 is kept).

    It expires after ``ASILO_TOKEN_DAYS`` (default 90). ``rotate``: the user's other tokens
    are revoked in the same transaction (the new one replaces them)."""
    if not user.is_active:
        raise AccountsError(AccountsErrorCode.INACTIVE_USER, "username")
    raw = ApiToken.new_raw_token()
    now = timezone.now()
    days = int(getattr(settings, "ASILO_TOKEN_DAYS", 90))
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            digest=hash_token(raw),
            prefix=raw[:8],
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        audit_change(
            actor=actor,
            action=AuditAction.TOKEN_CREATE,
            obj=token,
            after={"user_id": user.pk, "prefix": token.prefix, "expires_in_days": days},
        )
        if rotate:
            older = ApiToken.objects.filter(user=user, revoked_at__isnull=True).exclude(pk=token.pk)
            for old_token in older:
                token_revoke(actor=actor, token=old_token)
    return raw


def token_revoke(*, actor: Actor | None, token: ApiToken) -> ApiToken:
    """Revoke a token (it stops authenticating at once)."""
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_change(actor=actor, action=AuditAction.UPDATE, obj=token, after={"revoked": True})
    return token


def user_by_username(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist as exc:
        raise AccountsError(AccountsErrorCode.UNKNOWN_USER, "username") from exc


def login_record(*, user: User) -> None:
    """Audit a successful sign-in."""
    audit_change(actor=user, action=AuditAction.LOGIN, obj=user)


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


# --- separation of duties ----------------------------------------------------------------------

#: Roles that read personal data, and the admin role (an admin could otherwise make a second
#: admin account to approve their own requests): giving one needs a second administrator.
APPROVAL_ROLES = frozenset(
    {Role.OFFICER, Role.SUPERVISOR, Role.CASEWORKER, Role.AUDITOR, Role.ADMIN}
)


def needs_approval(role: str) -> bool:
    return role in APPROVAL_ROLES


def account_state(user: User) -> dict[str, object]:
    """What the audit trail records of an account before and after a change."""
    return {
        "username": user.username,
        "role": user.role,
        "organisation": user.organisation.name if user.organisation else None,
        "is_active": user.is_active,
    }


def user_role_request(
    *,
    actor: User,
    user: User,
    role: str,
    organisation: Organisation | None = None,
) -> RoleGrant | None:
    """Ask for ``user`` to get ``role``. Nobody changes their own role. A role that reads
    personal data (or admin) waits for a second administrator (a pending :class:`RoleGrant`,
    returned); any other role applies at once (``None``)."""
    require(actor, Capability.USERS_MANAGE, user)
    check_role(role)
    if user.pk == actor.pk:
        audit_refusal(actor=actor, obj=user, note="own role change refused")
        raise AccountsError(AccountsErrorCode.OWN_ROLE, "role")
    if role == Role.CASEWORKER and organisation is None:
        raise AccountsError(AccountsErrorCode.ORGANISATION_REQUIRED, "organisation")
    with transaction.atomic():
        if needs_approval(role):
            return role_grant_open(actor=actor, user=user, role=role, organisation=organisation)
        before = account_state(user)
        user.role = role
        user.organisation = organisation
        user.is_staff = is_staff_role(role)
        user.save(update_fields=["role", "organisation", "is_staff"])
        audit_change(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=user,
            before=before,
            after=account_state(user),
        )
    return None


def role_grant_open(
    *, actor: User, user: User, role: str, organisation: Organisation | None
) -> RoleGrant:
    """A request for ``user`` to get ``role`` that waits for a second administrator (a role
    that reads personal data, or admin); audited in the same transaction."""
    require(actor, Capability.USERS_MANAGE, user)
    with transaction.atomic():
        grant = RoleGrant.objects.create(
            user=user, role=role, organisation=organisation, requested_by=actor
        )
        audit_change(
            actor=actor,
            action=AuditAction.ROLE_REQUEST,
            obj=grant,
            after={"user_id": user.pk, "role": role},
            note="awaits a second administrator",
        )
    return grant


def role_grant_decide(*, actor: User, grant: RoleGrant, approve: bool, base_url: str) -> RoleGrant:
    """A second administrator approves (the role takes effect, the account is activated and its
    holder gets a reset link when they have no password yet) or denies a role request."""
    require(actor, Capability.USERS_MANAGE, grant)
    if actor.pk in (grant.requested_by_id, grant.user_id):
        audit_refusal(actor=actor, obj=grant, note="a role request needs a second administrator")
        raise AccountsError(AccountsErrorCode.SECOND_ADMIN_REQUIRED)
    with transaction.atomic():
        locked = RoleGrant.objects.select_for_update().get(pk=grant.pk)
        if locked.status != RoleGrant.Status.PENDING:
            raise AccountsError(AccountsErrorCode.GRANT_DECIDED)
        locked.status = RoleGrant.Status.APPROVED if approve else RoleGrant.Status.DENIED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        user = User.objects.select_for_update().get(pk=locked.user_id)
        before = account_state(user)
        if approve:
            user.role = locked.role
            user.organisation = locked.organisation
            user.is_staff = is_staff_role(locked.role)
            user.is_active = True
            user.save(update_fields=["role", "organisation", "is_staff", "is_active"])
        audit_change(
            actor=actor,
            action=AuditAction.APPROVE if approve else AuditAction.DENY,
            obj=locked,
            before=before,
            after=account_state(user),
            note=f"requested by user {locked.requested_by_id}",
        )
    if approve and not user.has_usable_password() and user.email:
        password_reset_issue(actor=actor, user=user, base_url=base_url)
    return locked


def password_reset_link(user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return base_url.rstrip("/") + path


def password_reset_issue(*, actor: User, user: User, base_url: str) -> None:
    """Reset ``user``'s password: the old one stops working at once and the user gets a
    one-time link (valid ``PASSWORD_RESET_TIMEOUT``) to set a new one. The administrator never
    sees a password or the link; the reset is audited and the user is told by e-mail."""
    require(actor, Capability.USERS_MANAGE, user)
    if not user.email:
        raise AccountsError(AccountsErrorCode.NO_EMAIL, "email")
    with transaction.atomic():
        user.set_unusable_password()
        user.save(update_fields=["password"])
        link = password_reset_link(user, base_url)
        hours = int(settings.PASSWORD_RESET_TIMEOUT // 3600)
        body = _(
            "An administrator of asilo reset the password of your account %(username)s.\n"
            "Set a new password within %(hours)s hours with this one-time link:\n%(link)s\n"
            "If you did not expect this, tell your supervisor."
        ) % {"username": user.username, "hours": hours, "link": link}
        try:
            sent = send_mail(
                _("asilo: set your password"),
                body,
                None,
                [user.email],
                fail_silently=False,
            )
        except Exception as exc:  # the backend refused: roll back, say so
            raise AccountsError(AccountsErrorCode.RESET_NOT_SENT) from exc
        if sent != 1:
            raise AccountsError(AccountsErrorCode.RESET_NOT_SENT)
        audit_change(
            actor=actor, action=AuditAction.PASSWORD_RESET, obj=user, after={"link_sent": True}
        )


def password_set_record(*, user: User) -> None:
    """Audit that a user set their password through a reset link."""
    audit_change(actor=user, action=AuditAction.PASSWORD_SET, obj=user)
