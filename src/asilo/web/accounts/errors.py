"""The accounts app's error vocabulary: stable codes, translated messages, HTTP statuses."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from asilo.web.core.errors import DomainError, ErrorCode


class AccountsErrorCode(ErrorCode):
    UNKNOWN_ROLE = "unknown_role", _("Unknown role. ({roles})")
    USERNAME_TAKEN = "username_taken", _("This username is already taken."), 409
    USERNAME_INVALID = (
        "username_invalid",
        _("A username has 1 to 150 letters, digits and the characters @ . + - _."),
    )
    ORGANISATION_REQUIRED = (
        "organisation_required",
        _("A caseworker must belong to an organisation."),
    )
    WEAK_PASSWORD = "weak_password", _("The password is too weak. {reasons}")
    UNKNOWN_USER = "unknown_user", _("No such user."), 404
    INACTIVE_USER = "inactive_user", _("This user is inactive."), 409
    OWN_ROLE = "own_role", _("Nobody may change their own role, organisation or status."), 403
    SECOND_ADMIN_REQUIRED = (
        "second_admin_required",
        _("A second administrator must decide: not the one who asked, not the user concerned."),
        403,
    )
    GRANT_DECIDED = "grant_decided", _("This role request was already decided."), 409
    NO_EMAIL = (
        "no_email",
        _("This user has no e-mail address to send a password reset link to."),
        409,
    )
    RESET_NOT_SENT = (
        "reset_not_sent",
        _("The password reset link could not be sent; nothing was changed."),
        503,
    )


class AccountsError(DomainError):
    """A refused accounts operation."""
