"""The core's middleware: one error shape under ``/api/``, the request body limit, a database
that cannot be reached (503 with ``Retry-After``), and refusals kept after a rollback."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from asilo.web.core.access import flush_refusals, reset_refusals
from asilo.web.core.api import (
    RETRY_AFTER_SECONDS,
    database_unavailable,
    json_errors,
    log_failure,
)
from asilo.web.core.errors import CoreErrorCode, DomainError, core_error

API_PREFIX = "/api/"

_STATUS_CODES = {
    401: CoreErrorCode.UNAUTHENTICATED,
    403: CoreErrorCode.FORBIDDEN,
    404: CoreErrorCode.NOT_FOUND,
    405: CoreErrorCode.METHOD_NOT_ALLOWED,
    413: CoreErrorCode.PAYLOAD_TOO_LARGE,
    429: CoreErrorCode.RATE_LIMITED,
    500: CoreErrorCode.SERVER_ERROR,
    503: CoreErrorCode.UNAVAILABLE,
}


def max_body_bytes() -> int:
    return int(getattr(settings, "ASILO_MAX_REQUEST_BYTES", 256 * 1024))


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _error_for(request: HttpRequest, status: int) -> dict[str, object]:
    code = _STATUS_CODES.get(status, CoreErrorCode.ERROR)
    if code is CoreErrorCode.METHOD_NOT_ALLOWED:
        return core_error(code, method=request.method or "")
    if code is CoreErrorCode.PAYLOAD_TOO_LARGE:
        return core_error(code, limit=max_body_bytes())
    return core_error(code)


class CoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reset_refusals()
        too_large = self._too_large(request)
        if too_large is not None:
            return too_large
        try:
            response = self.get_response(request)
        finally:
            flush_refusals()
        if _is_api(request) and response.status_code >= 400 and not _is_json(response):
            status = response.status_code
            converted = json_errors(status, [_error_for(request, status)])
            if response.has_header("Allow"):
                converted["Allow"] = response["Allow"]
            response = converted
        return _protect(response)

    def _too_large(self, request: HttpRequest) -> HttpResponse | None:
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("multipart/"):
            return None  # file uploads: Django's own limits (DATA_UPLOAD_MAX_*)
        if _content_length(request) <= max_body_bytes():
            return None
        if _is_api(request):
            return json_errors(413, [_error_for(request, 413)])
        return HttpResponse(
            _("The request is too large."), status=413, content_type="text/plain; charset=utf-8"
        )

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(exc, DomainError) and retry_after is not None:  # a rate limit (pages)
            response = HttpResponse(
                exc.message, status=exc.status, content_type="text/plain; charset=utf-8"
            )
            response["Retry-After"] = str(retry_after)
            return response
        if database_unavailable(exc):
            log_failure(request, exc)
            if _is_api(request):
                return json_errors(503, [_error_for(request, 503)])
            return unavailable_page()
        if _is_api(request):
            log_failure(request, exc)
            return json_errors(500, [_error_for(request, 500)])
        return None


def _protect(response: HttpResponse) -> HttpResponse:
    """Every page and API answer: never stored by a browser or proxy (they carry personal
    data or the signed-in state; static files are served before this, and cached), no
    features beyond what the pages use."""
    response["Cache-Control"] = "no-store"
    response.setdefault("Permissions-Policy", getattr(settings, "ASILO_PERMISSIONS_POLICY", ""))
    return response


def _is_json(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")


def unavailable_page() -> HttpResponse:
    """The page's answer when the database cannot be reached: a short text, 503, retry."""
    response = HttpResponse(
        str(core_error(CoreErrorCode.UNAVAILABLE)["message"]),
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
