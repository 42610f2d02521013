"""The pages' middleware, skipped by token-authenticated API requests.

A machine client calls ``/api/`` with ``Authorization: Bearer <token>`` and no session cookie:
it has no session to load, no signed-in user to find from it, no flash messages and no htmx
headers. Each class below is Django's (or the library's) own middleware, named in
``settings.MIDDLEWARE`` instead of it; it does all its usual work for every other request
(pages, and API requests that carry the session cookie) and none for a token API request,
which gets an anonymous ``request.user`` until the token authenticates it. The CSRF check is
untouched (django-ninja exempts token-authenticated operations from it already).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as _AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware as _MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as _SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django_htmx.middleware import HtmxMiddleware as _HtmxMiddleware

API_PREFIX = "/api/"
_MARK = "_asilo_token_api"


def is_token_api(request: HttpRequest) -> bool:
    """An ``/api/`` request with a bearer token and without the session cookie (decided once
    per request)."""
    known = request.__dict__.get(_MARK)
    if known is not None:
        return bool(known)
    scheme = request.META.get("HTTP_AUTHORIZATION", "").split(" ", 1)[0]
    answer = (
        request.path_info.startswith(API_PREFIX)
        and scheme.lower() == "bearer"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )
    setattr(request, _MARK, answer)
    if answer:
        request.user = AnonymousUser()  # until the token authenticates the request
    return answer


class _SkippedByTokenApi:
    """Mixin: pass a token API request straight on."""

    get_response: Any

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_token_api(request):
            response: HttpResponse = self.get_response(request)
            return response
        called: HttpResponse = super().__call__(request)  # type: ignore[misc]
        return called


class SessionMiddleware(_SkippedByTokenApi, _SessionMiddleware):
    pass


class AuthenticationMiddleware(_SkippedByTokenApi, _AuthenticationMiddleware):
    pass


class MessageMiddleware(_SkippedByTokenApi, _MessageMiddleware):
    pass


class HtmxMiddleware(_SkippedByTokenApi, _HtmxMiddleware):
    pass
