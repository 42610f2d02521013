"""The application error base: a stable code, a translated message, the field, a status.

Each app has one vocabulary (an :class:`ErrorCode` enum: every code with its message and
status) and one subclass of :class:`DomainError`. :class:`DomainErrors` carries several at
once (every bad field of a submission). The API's exception handler
(:mod:`asilo.web.core.api`) turns both into ``{"errors": [{"code", "message", "field"}]}``;
pages show ``message`` next to ``field``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Self

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    """A code of an app's error vocabulary, declared once with its translated message and its
    HTTP status (400 unless given)::

        class IdentityErrorCode(ErrorCode):
            PAIR_NOT_FOUND = "review_pair_not_found", _("No pair for review has this id."), 404

    The member is the code itself (``str(code) == "review_pair_not_found"``); ``code.message``
    is the lazy translation and ``code.status`` the status the API answers with.
    """

    message: Promise
    status: int

    def __new__(cls, value: str, message: Promise, status: int = 400) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.message = message
        member.status = status
        return member

    @property
    def declaration(self) -> tuple[str, Promise, int]:
        """This code with its message and status, for another vocabulary that answers with the
        very same code: ``FORBIDDEN = CoreErrorCode.FORBIDDEN.declaration`` states it once."""
        return self.value, self.message, self.status

    @classmethod
    def of(cls, value: str) -> Self:
        """The code whose value is ``value`` (``ValueError`` for an unknown one)."""
        # The enum's look-up by value, which mypy takes for a call of ``__new__``.
        return cls(value)  # type: ignore[call-arg]


class DomainError(Exception):
    """A refusal with a code from an app's vocabulary, the field it concerns and a status."""

    def __init__(self, code: ErrorCode, field: str | None = None, **params: Any) -> None:
        self.code = code
        self.field = field
        self.params = params
        super().__init__(str(code))

    @property
    def status(self) -> int:
        return self.code.status

    @property
    def message(self) -> str:
        """The message in the active language, with its parameters filled in."""
        template = str(self.code.message)
        return template.format(**self.params) if self.params else template

    def as_dict(self) -> dict[str, str | None]:
        return {"code": str(self.code), "message": self.message, "field": self.field}


class DomainErrors(Exception):
    """Every problem of one input at once (each names its field); answered with 400."""

    status = 400

    def __init__(self, errors: Sequence[DomainError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.field}: {e.code}" for e in self.errors))

    def as_list(self) -> list[dict[str, str | None]]:
        return [e.as_dict() for e in self.errors]


class CoreErrorCode(ErrorCode):
    FORBIDDEN = "forbidden", _("Your role may not do this."), 403
    UNAUTHENTICATED = "unauthenticated", _("Sign in or send a valid token."), 401
    NOT_FOUND = "not_found", _("There is nothing at this address."), 404
    METHOD_NOT_ALLOWED = "method_not_allowed", _("This address does not accept {method}."), 405
    INVALID = "invalid", _("Invalid value.")
    PAYLOAD_TOO_LARGE = (
        "payload_too_large",
        _("The request is too large (at most {limit} bytes)."),
        413,
    )
    RATE_LIMITED = "rate_limited", _("Too many requests. Try again later."), 429
    SERVER_ERROR = (
        "server_error",
        _("Something went wrong on our side. It has been logged."),
        500,
    )
    UNAVAILABLE = (
        "unavailable",
        _("The service is briefly unavailable. Try again in a minute."),
        503,
    )
    ERROR = "error", _("The request was refused.")


class CoreError(DomainError):
    """Refusals that belong to no app (rights, transport, availability)."""


class Forbidden(CoreError):
    """The one refusal for a missing right (raised by :func:`asilo.web.core.access.require`)."""

    def __init__(self, field: str | None = None) -> None:
        super().__init__(CoreErrorCode.FORBIDDEN, field)


@dataclass
class ApiError(Exception):
    """A refusal already in the API's terms (status, code, translated message, field)."""

    status: int
    code: str
    message: str
    field: str | None = None


def core_error(code: CoreErrorCode, field: str | None = None, **params: Any) -> dict[str, Any]:
    """One error entry of the API's shape, in the active language."""
    return CoreError(code, field, **params).as_dict()
