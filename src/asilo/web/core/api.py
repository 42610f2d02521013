"""One error schema and one exception handler for the whole API.

Every failure answers ``{"errors": [{"code", "message", "field"}]}`` (:class:`ErrorsOut`):
the app's :class:`DomainError` and :class:`DomainErrors`, validation (400), a missing or bad
credential (401 with ``WWW-Authenticate: Bearer``), 404, 405, 413, 429, a database that is
not reachable (503 with ``Retry-After``) and any other exception (500, logged without the
request's data).

:class:`AsiloAPI` also answers ``HEAD`` on every address that serves ``GET``, as HTTP asks:
the GET answer's status and headers, without its body.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from asilo.web.core.errors import (
    ApiError,
    CoreErrorCode,
    DomainError,
    DomainErrors,
    core_error,
)

log = logging.getLogger("asilo.api")

#: Seconds a client should wait when the database cannot be reached.
RETRY_AFTER_SECONDS = 5


class ErrorOut(Schema):
    """One error: a stable code, a message in the request's language, the field (or null)."""

    code: str = Field(examples=["forbidden"])
    message: str
    field: str | None = None


class ErrorsOut(Schema):
    """Every error answer of the API."""

    errors: list[ErrorOut]


#: The error statuses an operation documents (``response={200: X, **ERRORS}``).
ERRORS: dict[int, type[Schema]] = {
    400: ErrorsOut,
    401: ErrorsOut,
    403: ErrorsOut,
    404: ErrorsOut,
    409: ErrorsOut,
}
#: The error statuses of an operation that cannot conflict (a read, a profile update).
READ_ERRORS: dict[int, type[Schema]] = {
    status: schema for status, schema in ERRORS.items() if status != 409
}


def json_errors(status: int, errors: list[dict[str, Any]]) -> HttpResponse:
    """The error answer outside ninja (middleware, URL resolver): same shape and headers."""
    response = JsonResponse({"errors": errors}, status=status)
    return decorate(response)


def decorate(response: HttpResponse) -> HttpResponse:
    """Headers every error answer carries (by status)."""
    if response.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="asilo"'
    if response.status_code == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def database_unavailable(exc: BaseException) -> bool:
    """True for a database that cannot be reached (not for a bad query or constraint)."""
    if isinstance(exc, InterfaceError):
        return True
    if isinstance(exc, OperationalError):
        text = str(exc).lower()
        return any(
            marker in text
            for marker in (
                "connection",
                "server closed",
                "terminating",
                "could not connect",
                "database is locked",
                "the database system is",
                "unable to open",
                "shutting down",
            )
        )
    return False


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered (never the path: paths and queries can carry names)."""
    match = getattr(request, "resolver_match", None)
    return str(getattr(match, "route", "") or "?")


def log_failure(request: HttpRequest, exc: BaseException) -> None:
    """Log a failure by its type, route and stack frames, without its message (a database
    error's message can quote the values of a row)."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error(
        "unhandled %s on %s %s\n%s", type(exc).__name__, request.method, route_of(request), frames
    )


#: Messages for pydantic's error types, in the request's language (pydantic speaks English
#: only). ``%(name)s`` takes the error's context (``min_length``, ``ge``, ``expected``...).
VALIDATION_MESSAGES: dict[str, Any] = {
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
    template = VALIDATION_MESSAGES.get(str(err.get("type", "")))
    if template is not None:
        context = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
        try:
            return str(template) % context if "%(" in str(template) else str(template)
        except KeyError:
            pass
    message = err.get("msg")
    if not message:
        return str(core_error(CoreErrorCode.INVALID)["message"])
    return str(message).removeprefix("Value error, ")


def install_error_handlers(api: NinjaAPI) -> None:
    """Register the one exception handler for every failure on ``api``."""

    def respond(request: HttpRequest, status: int, errors: list[dict[str, Any]]) -> HttpResponse:
        return decorate(api.create_response(request, {"errors": errors}, status=status))

    @api.exception_handler(DomainError)
    def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = respond(request, exc.status, [exc.as_dict()])
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    @api.exception_handler(DomainErrors)
    def _domain_many(request: HttpRequest, exc: DomainErrors) -> HttpResponse:
        return respond(request, exc.status, exc.as_list())

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(
            request, exc.status, [{"code": exc.code, "message": exc.message, "field": exc.field}]
        )

    @api.exception_handler(NinjaValidationError)
    def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors: list[dict[str, Any]] = []
        for err in exc.errors:
            loc = [
                str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")
            ]
            errors.append(
                {
                    "code": str(CoreErrorCode.INVALID),
                    "message": validation_message(err),
                    "field": ".".join(loc) or None,
                }
            )
        return respond(request, 400, errors)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, [core_error(CoreErrorCode.UNAUTHENTICATED)])

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {
            401: CoreErrorCode.UNAUTHENTICATED,
            403: CoreErrorCode.FORBIDDEN,
            404: CoreErrorCode.NOT_FOUND,
            429: CoreErrorCode.RATE_LIMITED,
        }.get(exc.status_code, CoreErrorCode.ERROR)
        entry = core_error(code)
        if code is CoreErrorCode.ERROR and str(exc):
            entry["message"] = str(exc)
        return respond(request, exc.status_code, [entry])

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, [core_error(CoreErrorCode.NOT_FOUND)])

    @api.exception_handler(DatabaseError)
    def _database(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
        if database_unavailable(exc):
            log.warning("database unavailable: %s", type(exc).__name__)
            return respond(request, 503, [core_error(CoreErrorCode.UNAVAILABLE)])
        log_failure(request, exc)
        return respond(request, 500, [core_error(CoreErrorCode.SERVER_ERROR)])

    @api.exception_handler(Exception)
    def _any(request: HttpRequest, exc: Exception) -> HttpResponse:
        log_failure(request, exc)
        return respond(request, 500, [core_error(CoreErrorCode.SERVER_ERROR)])


def answer_head(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """``view`` answering ``HEAD`` as it answers ``GET`` (same status, headers and
    ``Content-Length``), with an empty body. An address without GET still answers 405."""

    @wraps(view)
    def view_or_head(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method != "HEAD":
            return view(request, *args, **kwargs)
        request.method = "GET"
        try:
            response = view(request, *args, **kwargs)
        finally:
            request.method = "HEAD"
        if response.status_code == 405:
            return response
        if isinstance(response, HttpResponse):
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    return view_or_head


class AsiloAPI(NinjaAPI):
    """The NinjaAPI whose every address answers ``HEAD`` like ``GET`` (ninja routes an
    operation by its declared methods only, so HEAD was a 405)."""

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = answer_head(pattern.callback)
        return patterns, app_name, namespace
