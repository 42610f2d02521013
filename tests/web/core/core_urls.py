"""A URLconf for the core's tests: the site's own, plus an API whose operations fail the way a
real endpoint can (an exception, a database that went away), with the core's handlers."""

from __future__ import annotations

from django.db import OperationalError
from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI

from asilo.web.core.api import install_error_handlers
from asilo.web.urls import urlpatterns as site_patterns

#: Kept apart from the ``raise`` so that the source line in a traceback does not show it.
SECRET_NAME = ("Maria", "Lopez")

failing = NinjaAPI(urls_namespace="core-test", auth=None)
install_error_handlers(failing)


@failing.get("/boom")
def boom(request: HttpRequest) -> dict[str, str]:
    raise RuntimeError("a bug with a name in its message: " + " ".join(SECRET_NAME))


@failing.get("/database-gone")
def database_gone(request: HttpRequest) -> dict[str, str]:
    raise OperationalError("server closed the connection unexpectedly")


def page_boom(request: HttpRequest) -> None:
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    path("api/test/", failing.urls),
    path("page-boom/", page_boom),
    *site_patterns,
]

handler404 = "asilo.web.core.views.not_found"
handler500 = "asilo.web.core.views.server_error"
