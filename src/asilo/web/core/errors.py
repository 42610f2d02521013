"""The application error base: a stable code, a translated message, the field, a status.

Each app has one vocabulary (a ``StrEnum`` of codes, messages, statuses) and one subclass of
:class:`DomainError`. :class:`DomainErrors` carries several at once (every bad field of a
submission). The API's exception handler (:mod:`asilo.web.core.api`) turns both into
``{"errors": [{"code", "message", "field"}]}``; pages show ``message`` next to ``field``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refusal with a code from an app's vocabulary, the field it concerns and a status."""

    messages: ClassVar[Mapping[str, Promise]] = {}
    statuses: ClassVar[Mapping[str, int]] = {}

    def __init__(self, code: StrEnum, field: str | None = None, **params: Any) -> None:
        self.code = code
        self.field = field
        self.params = params
        super().__init__(str(code))

    @property
    def status(self) -> int:
        return self.statuses.get(self.code, 400)

    @property
    def message(self) -> str:
        """The message in the active language, with its parameters filled in."""
        template = str(self.messages[self.code])
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


class CoreErrorCode(StrEnum):
    FORBIDDEN = "forbidden"
    UNAUTHENTICATED = "unauthenticated"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    INVALID = "invalid"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    UNAVAILABLE = "unavailable"
    ERROR = "error"


CORE_MESSAGES: dict[str, Promise] = {
    CoreErrorCode.FORBIDDEN: _("Your role may not do this."),
    CoreErrorCode.UNAUTHENTICATED: _("Sign in or send a valid token."),
    CoreErrorCode.NOT_FOUND: _("There is nothing at this address."),
    CoreErrorCode.METHOD_NOT_ALLOWED: _("This address does not accept {method}."),
    CoreErrorCode.INVALID: _("Invalid value."),
    CoreErrorCode.PAYLOAD_TOO_LARGE: _("The request is too large (at most {limit} bytes)."),
    CoreErrorCode.RATE_LIMITED: _("Too many requests. Try again later."),
    CoreErrorCode.SERVER_ERROR: _("Something went wrong on our side. It has been logged."),
    CoreErrorCode.UNAVAILABLE: _("The service is briefly unavailable. Try again in a minute."),
    CoreErrorCode.ERROR: _("The request was refused."),
}

CORE_STATUSES: dict[str, int] = {
    CoreErrorCode.FORBIDDEN: 403,
    CoreErrorCode.UNAUTHENTICATED: 401,
    CoreErrorCode.NOT_FOUND: 404,
    CoreErrorCode.METHOD_NOT_ALLOWED: 405,
    CoreErrorCode.PAYLOAD_TOO_LARGE: 413,
    CoreErrorCode.RATE_LIMITED: 429,
    CoreErrorCode.SERVER_ERROR: 500,
    CoreErrorCode.UNAVAILABLE: 503,
}


class CoreError(DomainError):
    """Refusals that belong to no app (rights, transport, availability)."""

    messages = CORE_MESSAGES
    statuses = CORE_STATUSES


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
