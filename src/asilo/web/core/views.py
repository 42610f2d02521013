"""Error views of the whole site (``handler404``/``handler500``): JSON under ``/api/``, and a
database that cannot be reached answers 503 with ``Retry-After`` everywhere."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from asilo.web.core.api import database_unavailable, json_errors
from asilo.web.core.errors import CoreErrorCode, core_error
from asilo.web.core.middleware import API_PREFIX, unavailable_page


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return json_errors(404, [core_error(CoreErrorCode.NOT_FOUND)])
    return defaults.page_not_found(request, exception or Exception())


def server_error(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]
    unavailable = exc is not None and database_unavailable(exc)
    if request.path_info.startswith(API_PREFIX):
        code = CoreErrorCode.UNAVAILABLE if unavailable else CoreErrorCode.SERVER_ERROR
        return json_errors(503 if unavailable else 500, [core_error(code)])
    if unavailable:
        return unavailable_page()
    return defaults.server_error(request)
