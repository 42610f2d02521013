"""``GET /api/v1/health``: the API's cheapest authenticated answer, and a database check.

It authenticates like every endpoint (a bearer token or the session), runs ``SELECT 1`` on the
default database and answers ``{"status": "ok", "database": "ok"}``. A database that does not
answer gives 503 with the API's error shape (code ``database_unavailable``). Load balancers and
the request-cost benchmark (``benchmarks/api_load.py``) use it as the floor of the stack: what
token authentication, the middleware, django-ninja and one query cost with no work behind them.
No personal data is read, so nothing is audited.
"""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from asilo.web.core.api import ERRORS, ErrorsOut

router = Router(tags=["health"])


class Health(Schema):
    status: str
    database: str


@router.get(
    "/health", response={200: Health, 401: ERRORS[401], 503: ErrorsOut}, summary="Health check"
)
def health(request: HttpRequest) -> Status[Any]:
    """Whether the API and its database answer (authenticated, like every endpoint)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        error = {
            "code": "database_unavailable",
            "message": _("The database does not answer."),
            "field": None,
        }
        return Status(503, {"errors": [error]})
    return Status(200, {"status": "ok", "database": "ok"})
