"""The navigation bar: each page declares the capability it needs; users see only their pages.

Apps append their pages to :data:`NAV_ITEMS` (e.g. from their ``AppConfig.ready``); an entry
whose URL name does not resolve is left out, so a half-installed app never breaks the layout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from asilo.web.core.roles import Capability, has_capability


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    capability: Capability | None  # None: every signed-in user
    #: A count shown next to the label (e.g. unread notifications), from the request.
    badge: Callable[[HttpRequest], int] | None = None


NAV_ITEMS: list[NavItem] = [
    NavItem(_("Home"), "home", None),
    NavItem(_("Audit"), "audit:search", Capability.AUDIT_VIEW),
    NavItem(_("Administration"), "admin:index", Capability.USERS_MANAGE),
    NavItem(_("API"), "api:openapi-view", None),
]


def items_for(request: HttpRequest) -> list[dict[str, Any]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = []
    for item in NAV_ITEMS:
        if item.capability is not None and not has_capability(user, item.capability):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        badge = item.badge(request) if item.badge is not None else 0
        items.append(
            {"label": item.label, "url": url, "current": request.path == url, "badge": badge}
        )
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: ``nav_items`` for the signed-in user."""
    return {"nav_items": items_for(request)}
