"""API authentication: bearer tokens for machine clients, the session for pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from asilo.web.accounts.models import ApiToken, hash_token

#: ``last_used_at`` is refreshed at most this often (a write on every read would cost more
#: than the read).
LAST_USED_RESOLUTION = timedelta(minutes=1)


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; the token's SHA-256 is looked up, never the token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            api_token = ApiToken.objects.select_related("user").get(
                digest=hash_token(token), revoked_at__isnull=True
            )
        except ApiToken.DoesNotExist:
            return None
        if api_token.expires_at is not None and api_token.expires_at <= timezone.now():
            return None
        user = api_token.user
        if not user.is_active:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """The pages' session. The CSRF check applies to a signed-in session only: a request with
    no session (or a bad token) is unauthenticated (401), never "CSRF check failed" (403)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)


API_AUTH = [BearerTokenAuth(), SessionAuth()]
