"""Who acts: the :data:`Actor` every service takes, resolved once by the view.

A service's ``actor`` is an authenticated, active staff user, never Django's
``AnonymousUser``: a view or an endpoint calls :func:`request_actor` once (after
``login_required`` or the API's authentication) and hands the result on. A request with no
signed-in, active user is refused there (401 ``unauthenticated``), so no service has to ask.

The public (an asylum seeker on the registration pages) is not an actor: services that the
public may call take ``actor: Actor | None``, where ``None`` is the public.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.http import HttpRequest

from asilo.web.core.errors import CoreError, CoreErrorCode

if TYPE_CHECKING:
    from asilo.web.accounts.models import User

    #: An authenticated, active staff user (the only kind of user that acts).
    Actor: TypeAlias = User
else:  # at run time the alias is only a name; the user model is settings.AUTH_USER_MODEL
    Actor = object

__all__ = ["Actor", "request_actor"]


def request_actor(request: HttpRequest) -> Actor:
    """The signed-in staff user of ``request``; 401 ``unauthenticated`` for anyone else.

    django-ninja puts its authenticated user on ``request.auth``; pages have ``request.user``.
    """
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        raise CoreError(CoreErrorCode.UNAUTHENTICATED)
    actor: Actor = user
    return actor
