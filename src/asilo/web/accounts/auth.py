"""API authentication: bearer tokens for machine clients, the session for pages."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from asilo.web.accounts.models import ApiToken, User, hash_token

#: ``last_used_at`` is refreshed at most this often (a write on every read would cost more
#: than the read).
LAST_USED_RESOLUTION = timedelta(minutes=1)


@cache
def _token_user_sql(vendor: str) -> str:
    """One statement: the user of an unrevoked token, the token's id and whether its
    ``last_used_at`` is older than the resolution. Written once per database vendor, so that a
    request pays for no query compilation (the ORM's was most of an authenticated request's
    cost)."""
    quote = connection.ops.quote_name
    user, token = User._meta, ApiToken._meta
    columns = ", ".join(f"u.{quote(str(f.column))}" for f in user.concrete_fields)
    return (
        f"SELECT {columns}, t.{quote('id')} AS token_id, "
        f"CASE WHEN t.{quote('last_used_at')} IS NULL OR t.{quote('last_used_at')} < %s "
        f"THEN 1 ELSE 0 END AS token_stale "
        f"FROM {quote(token.db_table)} t JOIN {quote(user.db_table)} u "
        f"ON u.{quote(str(user.pk.column))} = t.{quote('user_id')} "
        f"WHERE t.{quote('digest')} = %s AND t.{quote('revoked_at')} IS NULL "
        f"AND (t.{quote('expires_at')} IS NULL OR t.{quote('expires_at')} > %s)"
    )


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``; the token's SHA-256 is looked up, never the token.

    One query reads the token's user; ``last_used_at`` is written at most once a
    :data:`LAST_USED_RESOLUTION`, so most requests write nothing."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        now = timezone.now()
        stale_before = connection.ops.adapt_datetimefield_value(now - LAST_USED_RESOLUTION)
        found = list(
            User.objects.raw(
                _token_user_sql(connection.vendor),
                [stale_before, hash_token(token), connection.ops.adapt_datetimefield_value(now)],
            )
        )
        if not found:
            return None
        user = found[0]
        if not user.is_active:
            return None
        if user.token_stale:  # type: ignore[attr-defined]
            ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)  # type: ignore[attr-defined]
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
