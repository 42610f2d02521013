"""The device signal of the self-service channel: a first-party cookie with a random id, set
by the registration form (no fingerprinting, nothing about the person). A registration keeps
only its keyed digest (``Registration.device_digest``), so that many families registered from
one browser are held for review (``fraud.check_shared_origin``)."""

from __future__ import annotations

import re
import secrets

from django.http import HttpRequest, HttpResponse

COOKIE = "asilo_device"
#: Two years: a family registers once; the same browser a month later is the same device.
MAX_AGE = 2 * 365 * 24 * 3600
_VALID = re.compile(r"^[A-Za-z0-9_-]{22}$")


def device_of(request: HttpRequest) -> str | None:
    """The browser's device id, when it sent a well-formed one."""
    value = request.COOKIES.get(COOKIE, "")
    return value if _VALID.match(value) else None


def with_device_cookie(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Give a browser without a device id one (HttpOnly, SameSite=Lax, Secure over HTTPS)."""
    if device_of(request) is None:
        response.set_cookie(
            COOKIE,
            secrets.token_urlsafe(16),
            max_age=MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
