"""The accounts error vocabulary: one code per refusal, with a translated message."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class AccountsErrorCode(StrEnum):
    UNKNOWN_ROLE = "unknown_role"
    USERNAME_TAKEN = "username_taken"
    USERNAME_INVALID = "username_invalid"
    ORGANISATION_REQUIRED = "organisation_required"
    WEAK_PASSWORD = "weak_password"
    UNKNOWN_USER = "unknown_user"
    INACTIVE_USER = "inactive_user"
    OWN_ROLE = "own_role"
    SECOND_ADMIN_REQUIRED = "second_admin_required"
    GRANT_DECIDED = "grant_decided"
    NO_EMAIL = "no_email"
    RESET_NOT_SENT = "reset_not_sent"


MESSAGES = {
    AccountsErrorCode.UNKNOWN_ROLE: _("Unknown role."),
    AccountsErrorCode.USERNAME_TAKEN: _("This username is already taken."),
    AccountsErrorCode.USERNAME_INVALID: _(
        "A username has 1 to 150 letters, digits and the characters @ . + - _."
    ),
    AccountsErrorCode.ORGANISATION_REQUIRED: _("A caseworker must belong to an organisation."),
    AccountsErrorCode.WEAK_PASSWORD: _("The password is too weak."),
    AccountsErrorCode.UNKNOWN_USER: _("No such user."),
    AccountsErrorCode.INACTIVE_USER: _("This user is inactive."),
    AccountsErrorCode.OWN_ROLE: _("Nobody may change their own role, organisation or status."),
    AccountsErrorCode.SECOND_ADMIN_REQUIRED: _(
        "A second administrator must decide: not the one who asked, not the user concerned."
    ),
    AccountsErrorCode.GRANT_DECIDED: _("This role request was already decided."),
    AccountsErrorCode.NO_EMAIL: _(
        "This user has no e-mail address to send a password reset link to."
    ),
    AccountsErrorCode.RESET_NOT_SENT: _(
        "The password reset link could not be sent; nothing was changed."
    ),
}


class AccountsError(Exception):
    """A refused accounts operation: ``code``, a translated ``message``, the ``field``."""

    def __init__(
        self, code: AccountsErrorCode, field: str | None = None, detail: str | None = None
    ) -> None:
        self.code = code
        self.field = field
        self.detail = detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        base = str(MESSAGES[self.code])
        return f"{base} {self.detail}" if self.detail else base
