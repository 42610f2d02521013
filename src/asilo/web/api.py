"""The API root (django-ninja) under /api/v1/, with structured errors.

Every error answers ``{"errors": [{"code": ..., "message": ..., "field": ...}]}``: a stable
code, a message translated to the request's language, and the field it concerns (or null).
The one exception handler lives in :mod:`asilo.web.core.api`. Each app adds its router below.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from asilo.web.accounts.auth import API_AUTH
from asilo.web.core.api import AsiloAPI, decorate, install_error_handlers, validation_message
from asilo.web.core.errors import ApiError
from asilo.web.core.renderers import OrjsonRenderer

__all__ = ["ApiError", "api", "error_response", "validation_message"]

api = AsiloAPI(
    title="asilo API",
    version="1",
    description="Border processing, registration and statistics. Token (Bearer) or session auth.",
    urls_namespace="api",
    auth=API_AUTH,
    renderer=OrjsonRenderer(),
)
install_error_handlers(api)


def error_response(request: HttpRequest, status: int, errors: list[dict[str, Any]]) -> HttpResponse:
    return decorate(api.create_response(request, {"errors": errors}, status=status))


# Routers of the apps (each app owns its own router module).
api.add_router("/", "asilo.web.health.router")
api.add_router("/", "asilo.web.audit.api.router")
api.add_router("/", "asilo.web.people.api.router")
api.add_router("/", "asilo.web.encounters.api.router")
api.add_router("/", "asilo.web.registrations.api.router")
api.add_router("/", "asilo.web.appointments.api.router")
