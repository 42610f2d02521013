"""The officer's day: the dashboard, the work queue, the encounter and custody lists and
the staff's notifications.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from asilo.web.core.actors import request_actor
from asilo.web.core.http import HtmxRequest
from asilo.web.core.roles import Capability, has_capability
from asilo.web.encounters import selectors as enc_selectors
from asilo.web.encounters import services as enc_services
from asilo.web.encounters.models import (
    EncounterStatus,
    ExceptionStatus,
)
from asilo.web.encounters.object_types import (
    CUSTODY,
    ENCOUNTER,
)
from asilo.web.people.errors import DomainError
from asilo.web.processing import queries
from asilo.web.processing.views._common import (
    PAGE_SIZE,
    needs,
    page_number,
    render_page,
)
from asilo.web.processing.views.listing import (
    TIME_ORDERS,
    ListRequest,
    csv_export,
    list_page,
    list_request,
    selected_page,
)

# --- dashboard ----------------------------------------------------------------------------


@needs(Capability.ENCOUNTER_VIEW, CUSTODY)
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context: dict[str, Any] = {
        "counts": queries.custody_counts(now=now),
        "statuses": queries.encounter_status_counts(),
        "overdue": enc_selectors.custody_list(
            actor=request_actor(request), status="overdue", now=now
        ),
        "near_due": enc_selectors.custody_list(
            actor=request_actor(request), status="near_due", now=now
        ),
        "children_alone": enc_selectors.custody_check(actor=request_actor(request)),
        "standard_report": enc_selectors.standard_report(actor=request_actor(request), now=now),
        "beyond_standard": enc_selectors.custodies_open().filter(standard_due_at__lt=now).count(),
        "now": now,
    }
    if has_capability(request.user, Capability.OVERRIDE_REVIEW):
        context["overrides"] = enc_selectors.override_list(
            actor=request_actor(request), reviewed=False
        )
    if has_capability(request.user, Capability.FAMILY_EXCEPTION_APPROVE):
        context["exceptions"] = enc_selectors.family_exception_list(
            actor=request_actor(request), status=ExceptionStatus.PENDING
        )
    context["decided"] = context["statuses"].get(EncounterStatus.DECIDED, 0)
    return render_page(request, "processing/dashboard.html", context)


# --- custody list -------------------------------------------------------------------------


@needs(Capability.ENCOUNTER_VIEW, CUSTODY)
def custody_list(request: HtmxRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in enc_selectors.CUSTODY_FILTERS:
        status = "open"
    scope = request.GET.get("scope", "live")
    if scope not in enc_selectors.CUSTODY_SCOPES:
        scope = "live"
    order = request.GET.get("order", "due")
    if order not in enc_selectors.CUSTODY_ORDERS:
        order = "due"
    place = request.GET.get("place") or None
    page = page_number(request)
    now = timezone.now()
    rows = enc_selectors.custody_list(
        actor=request_actor(request),
        status=status,
        place=place,
        scope=scope,
        order=order,
        now=now,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    clocks, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    filters = {"status": status, "scope": scope, "order": order, "place": place or "", "page": page}
    if request.GET.get("format") == "csv":
        name = f"custody-{status}-{scope}-p{page}.csv"
        return csv_export(request, enc_services.custody_list_export, name, filters, clocks=clocks)
    query = {k: v for k, v in filters.items() if v and k != "page"}
    context = {
        "clocks": clocks,
        "status": status,
        "scope": scope,
        "order": order,
        "place": place or "",
        "page": page,
        "page_str": str(page),
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if more else None,
        "query": urlencode(query),
        "places": queries.custody_places(),
        "filters": [
            ("open", _("Open")),
            ("overdue", _("Overdue")),
            ("near_due", _("Due within 12 hours")),
            ("beyond_standard", _("Beyond the 72-hour standard")),
            ("closed", _("Booked out")),
            ("all", _("All")),
        ],
        "scopes": [
            ("live", _("Live (the day's work)")),
            ("historical", _("Historical replays")),
            ("all", _("Live and historical")),
        ],
        "orders": [
            ("due", _("Soonest due first")),
            ("booked_in", _("Booked in, oldest first")),
            ("-booked_in", _("Booked in, newest first")),
        ],
        "can_book_out": has_capability(request.user, Capability.CUSTODY_MANAGE),
        "now": now,
    }
    if request.htmx:
        return render_page(request, "processing/_custody_rows.html", context)
    return render_page(request, "processing/custody_list.html", context)


# --- staff notifications ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """The staff member's own notifications (the answers to the exceptions they asked)."""
    if request.method == "POST":
        count = enc_services.notifications_mark_read(actor=request_actor(request))
        messages.success(
            request,
            ngettext(
                "%(n)d notification marked as read.", "%(n)d notifications marked as read.", count
            )
            % {"n": count},
        )
        return redirect("processing:notifications")
    asked = list_request(request, orders=("newest",), filters={"show": ("unread",)})
    pager = selected_page(
        request,
        asked,
        enc_selectors.notifications_for,
        with_order=False,
        unread_only=asked.filters["show"] == "unread",
    )
    context = {
        "notifications": pager.rows,
        "pager": pager,
        "show": asked.filters["show"],
    }
    return render_page(request, "processing/notifications.html", context)


# --- the officer's day --------------------------------------------------------------------


@needs(Capability.ENCOUNTER_VIEW, ENCOUNTER)
def encounter_list(request: HttpRequest) -> HttpResponse:
    """Encounters, newest first (or oldest): filter by status and place, search by name,
    A-number or encounter id, 50 a page; the page's rows as CSV."""
    places = queries.custody_places()
    asked = list_request(request, filters={"status": EncounterStatus.values, "place": places})
    query = (request.GET.get("q") or "").strip()[:100]
    asked = ListRequest(asked.prefix, asked.page, asked.order, {**asked.filters, "q": query})
    error = ""
    try:
        pager = selected_page(
            request,
            asked,
            enc_selectors.encounter_search,
            query=query,
            status=asked.filters["status"] or None,
            place=asked.filters["place"] or None,
        )
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        pager, error = list_page([], asked), exc.message
    if asked.wants_csv(request):
        return csv_export(
            request,
            enc_services.encounter_list_export,
            f"encounters-p{asked.page}.csv",
            asked.audit,
            encounters=pager.rows,
        )
    context = {
        "encounters": pager.rows,
        "pager": pager,
        "status": asked.filters["status"],
        "place": asked.filters["place"],
        "q": query,
        "error": error,
        "statuses": list(EncounterStatus.choices),
        "places": places,
        "orders": TIME_ORDERS,
    }
    return render_page(request, "processing/encounter_list.html", context)


@needs(Capability.ENCOUNTER_VIEW, CUSTODY)
def work_queue(request: HttpRequest) -> HttpResponse:
    """The officer's day on one screen: every count is a link to the list behind it."""
    now = timezone.now()
    summary = enc_selectors.custody_summary(actor=request_actor(request), now=now)
    statuses = queries.encounter_status_counts()
    custody = reverse("processing:custody_list")
    items = [
        (
            statuses.get(EncounterStatus.DECIDED, 0),
            _("decisions awaiting confirmation"),
            reverse("processing:encounter_list") + "?status=decided",
        ),
        (summary.overdue, _("past the legal limit"), custody + "?status=overdue&scope=all"),
        (
            summary.near_due,
            _("due within 12 hours"),
            custody + "?status=near_due&scope=all",
        ),
        (
            summary.beyond_standard,
            _("held beyond the 72-hour standard"),
            custody + "?status=beyond_standard&scope=all",
        ),
        (
            summary.children_alone,
            _("children without an adult of their family"),
            reverse("processing:dashboard") + "#children-alone",
        ),
    ]
    if has_capability(request.user, Capability.CUSTODY_MANAGE):
        exceptions = reverse("processing:exception_list")
        items += [
            (
                summary.exceptions_pending,
                _("family exceptions asked"),
                exceptions + "?status=pending",
            ),
            (
                summary.reunification_tasks_open,
                _("reunification tasks open"),
                exceptions + "?t-status=open#tasks-h",
            ),
            (
                enc_selectors.unread_notifications(request.user),
                _("unread notifications"),
                reverse("processing:notifications"),
            ),
        ]
    if has_capability(request.user, Capability.OVERRIDE_REVIEW):
        items.append(
            (
                summary.overrides_awaiting_review,
                _("overrides awaiting review"),
                reverse("processing:override_list"),
            )
        )
    return render_page(request, "processing/work_queue.html", {"items": items, "now": now})
