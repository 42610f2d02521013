"""The navigation bar: each page declares the capability it needs; users see only their pages.

:data:`NAV_ITEMS` is the whole bar, in its order: each entry names a page by its URL name and
the capability it needs. An entry whose URL name does not resolve is left out, so a
half-installed app never breaks the layout.
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


#: The counts shown beside some entries (e.g. unread notifications), by URL name: the app
#: that owns the count provides it from its ``AppConfig.ready`` (this module names no app).
BADGES: dict[str, Callable[[HttpRequest], int]] = {}


NAV_ITEMS: list[NavItem] = [
    NavItem(_("Home"), "home", None),
    NavItem(_("Audit"), "audit:search", Capability.AUDIT_VIEW),
    NavItem(_("Administration"), "admin:index", Capability.USERS_MANAGE),
    NavItem(_("API"), "api:openapi-view", None),
    # No role holds both "view" capabilities of registrations, so nobody sees it twice.
    NavItem(
        _("Registrations"), "registrations:staff_list", Capability.REGISTRATION_VIEW_ORGANISATION
    ),
    NavItem(_("Registrations"), "registrations:staff_list", Capability.REGISTRATION_VIEW_ALL),
    NavItem(
        _("Call-backs and review tasks"), "registrations:tasks", Capability.REGISTRATION_VERIFY
    ),
    NavItem(_("Check-in"), "appointments:checkin", Capability.CHECKIN_PERFORM),
    NavItem(_("Capacities"), "appointments:capacities", Capability.CAPACITY_MANAGE),
    NavItem(_("Allocation runs"), "appointments:runs", Capability.ALLOCATION_RUN),
    NavItem(_("Day at the ports"), "appointments:day", Capability.ALLOCATION_RUN),
    NavItem(_("Fairness"), "appointments:fairness", Capability.FAIRNESS_VIEW),
    NavItem(_("Same person?"), "identity:review_queue", Capability.IDENTITY_REVIEW),
    NavItem(_("Processing"), "processing:dashboard", Capability.ENCOUNTER_VIEW),
    NavItem(_("My work"), "processing:work_queue", Capability.ENCOUNTER_VIEW),
    NavItem(_("Encounters"), "processing:encounter_list", Capability.ENCOUNTER_VIEW),
    NavItem(_("Record an encounter"), "processing:encounter_new", Capability.ENCOUNTER_RECORD),
    NavItem(_("Custody"), "processing:custody_list", Capability.ENCOUNTER_VIEW),
    NavItem(_("Overrides"), "processing:override_list", Capability.OVERRIDE_REVIEW),
    NavItem(_("Family exceptions"), "processing:exception_list", Capability.CUSTODY_MANAGE),
    NavItem(_("Notifications"), "processing:notifications", Capability.CUSTODY_MANAGE),
    NavItem(_("Statistics"), "dashboards:statistics", Capability.STATS_VIEW),
    NavItem(_("Forecasts"), "forecasts:encounters", Capability.FORECAST_VIEW),
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
        badge = BADGES[item.url_name](request) if item.url_name in BADGES else 0
        items.append(
            {"label": item.label, "url": url, "current": request.path == url, "badge": badge}
        )
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: ``nav_items`` for the signed-in user."""
    return {"nav_items": items_for(request)}
