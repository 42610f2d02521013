"""The API root (django-ninja) under /api/v1/, with structured errors.

Every error answers ``{"errors": [{"code": ..., "message": ..., "field": ...}]}``: a stable
code, a message translated to the request's language, and the field it concerns (or null).
Each app adds its router below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from asilo.web.accounts.auth import API_AUTH


@dataclass
class ApiError(Exception):
    """A refusal with a code from the app's error vocabulary."""

    status: int
    code: str
    message: str
    field: str | None = None


api = NinjaAPI(
    title="asilo API",
    version="1",
    description="Border processing, registration and statistics. Token (Bearer) or session auth.",
    urls_namespace="api",
    auth=API_AUTH,
)


def error_response(
    request: HttpRequest, status: int, errors: list[dict[str, str | None]]
) -> HttpResponse:
    return api.create_response(request, {"errors": errors}, status=status)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(
        request, exc.status, [{"code": exc.code, "message": exc.message, "field": exc.field}]
    )


#: Messages for pydantic's error types, in the request's language (pydantic speaks English
#: only). ``%(name)s`` takes the error's context (``min_length``, ``ge``, ``expected``...).
_VALIDATION_MESSAGES: dict[str, Any] = {
    "missing": gettext_lazy("This field is required."),
    "date_parsing": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "date_type": gettext_lazy("Enter a valid date (YYYY-MM-DD)."),
    "datetime_parsing": gettext_lazy("Enter a valid date and time (ISO 8601)."),
    "datetime_from_date_parsing": gettext_lazy("Enter a valid date and time (ISO 8601)."),
    "datetime_type": gettext_lazy("Enter a valid date and time (ISO 8601)."),
    "time_parsing": gettext_lazy("Enter a valid time (HH:MM)."),
    "time_type": gettext_lazy("Enter a valid time (HH:MM)."),
    "int_parsing": gettext_lazy("Enter a whole number."),
    "int_type": gettext_lazy("Enter a whole number."),
    "int_from_float": gettext_lazy("Enter a whole number."),
    "float_parsing": gettext_lazy("Enter a number."),
    "float_type": gettext_lazy("Enter a number."),
    "bool_parsing": gettext_lazy("Enter true or false."),
    "bool_type": gettext_lazy("Enter true or false."),
    "string_type": gettext_lazy("Enter text."),
    "string_too_short": gettext_lazy("Enter at least %(min_length)s characters."),
    "string_too_long": gettext_lazy("Enter at most %(max_length)s characters."),
    "string_pattern_mismatch": gettext_lazy("This value does not have the expected format."),
    "greater_than_equal": gettext_lazy("Enter a value of at least %(ge)s."),
    "greater_than": gettext_lazy("Enter a value greater than %(gt)s."),
    "less_than_equal": gettext_lazy("Enter a value of at most %(le)s."),
    "less_than": gettext_lazy("Enter a value less than %(lt)s."),
    "enum": gettext_lazy("Choose one of: %(expected)s."),
    "literal_error": gettext_lazy("Choose one of: %(expected)s."),
    "too_short": gettext_lazy("Give at least %(min_length)s items."),
    "too_long": gettext_lazy("Give at most %(max_length)s items."),
    "list_type": gettext_lazy("Give a list."),
    "dict_type": gettext_lazy("Give an object."),
    "model_type": gettext_lazy("Give an object."),
    "model_attributes_type": gettext_lazy("Give an object."),
    "json_invalid": gettext_lazy("The request body is not valid JSON."),
    "extra_forbidden": gettext_lazy("This field is not allowed."),
}


def validation_message(err: dict[str, Any]) -> str:
    """A pydantic error as a message in the request's language (its own text as a fallback;
    a custom validator's ``ValueError`` text is kept without pydantic's prefix)."""
    template = _VALIDATION_MESSAGES.get(str(err.get("type", "")))
    if template is not None:
        context = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
        try:
            return str(template) % context if "%(" in str(template) else str(template)
        except KeyError:
            pass
    message = str(err.get("msg") or _("Invalid value."))
    return message.removeprefix("Value error, ")


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: list[dict[str, str | None]] = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        errors.append(
            {
                "code": "invalid",
                "message": validation_message(err),
                "field": ".".join(loc) or None,
            }
        )
    return error_response(request, 400, errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request,
        401,
        [
            {
                "code": "unauthenticated",
                "message": _("Sign in or send a valid token."),
                "field": None,
            }
        ],
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(
        request, exc.status_code, [{"code": "error", "message": str(exc), "field": None}]
    )


# Routers of the apps (each app owns its own router module).
api.add_router("/", "asilo.web.audit.api.router")
api.add_router("/", "asilo.web.people.api.router")
api.add_router("/", "asilo.web.encounters.api.router")
api.add_router("/", "asilo.web.registrations.api.router")
api.add_router("/", "asilo.web.appointments.api.router")
