"""The API root (django-ninja) under /api/v1/, with structured errors.

Every error answers ``{"errors": [{"code": ..., "message": ..., "field": ...}]}``: a stable
code, a message translated to the request's language, and the field it concerns (or null).
Each app adds its router below.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
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


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: list[dict[str, str | None]] = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        errors.append(
            {
                "code": "invalid",
                "message": str(err.get("msg", _("Invalid value."))),
                "field": ".".join(loc) or None,
            }
        )
    return error_response(request, 400, errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request,
        401,
        [{"code": "unauthenticated", "message": _("Sign in or send a valid token."), "field": None}],
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(
        request, exc.status_code, [{"code": "error", "message": str(exc), "field": None}]
    )


# Routers of the apps (each app owns its own router module).
