"""Overrides: the list and a supervisor's review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from asilo.web.accounts.roles import Capability
from asilo.web.core.actors import request_actor
from asilo.web.encounters import selectors as enc_selectors
from asilo.web.encounters import services as enc_services
from asilo.web.encounters.models import (
    Authority,
    OverrideVerdict,
    Pathway,
)
from asilo.web.encounters.object_types import (
    OVERRIDE,
)
from asilo.web.people.errors import DomainError
from asilo.web.processing.forms import (
    ReviewForm,
)
from asilo.web.processing.views._common import (
    PAGE_SIZE,
    need,
    put_error,
    render_page,
)
from asilo.web.processing.views.listing import TIME_ORDERS, csv_response, list_page, list_request

# --- overrides: review by a supervisor ----------------------------------------------------


#: Which overrides the list shows.
REVIEW_FILTERS = ("pending", "reviewed", "all")


@login_required
def override_list(request: HttpRequest) -> HttpResponse:
    need(request, Capability.OVERRIDE_REVIEW, OVERRIDE)
    return _override_page(request, {}, 200)


def _override_page(request: HttpRequest, forms: dict[int, ReviewForm], status: int) -> HttpResponse:
    """Overrides awaiting review (by default), reviewed, or all; newest first or oldest; 50 a
    page; the page's rows as CSV. A pending override carries its review form."""
    asked = list_request(
        request, filters={"review": REVIEW_FILTERS}, defaults={"review": "pending"}
    )
    review = asked.filters["review"]
    pager = list_page(
        enc_selectors.override_list(
            actor=request_actor(request),
            reviewed=None if review == "all" else review == "reviewed",
            order=asked.order,
            limit=PAGE_SIZE + 1,
            offset=asked.offset,
        ),
        asked,
    )
    if asked.wants_csv(request) and status == 200:
        body = enc_services.override_list_export(
            actor=request_actor(request), overrides=pager.rows, filters=asked.audit
        )
        return csv_response(body, f"overrides-{review}-p{asked.page}.csv")
    rows = [
        (
            o,
            (forms.get(o.pk) or ReviewForm(prefix=f"o{o.pk}")) if o.reviewed_at is None else None,
        )
        for o in pager.rows
    ]
    context = {
        "rows": rows,
        "pager": pager,
        "review": review,
        "reviews": [
            ("pending", _("Awaiting review")),
            ("reviewed", _("Reviewed")),
            ("all", _("All")),
        ],
        "orders": TIME_ORDERS,
        "pathways": dict(Pathway.choices),
        "authorities": dict(Authority.choices),
        "verdicts": dict(OverrideVerdict.choices),
    }
    return render_page(request, "processing/override_list.html", context, status=status)


@login_required
@require_POST
def override_review(request: HttpRequest, override_id: int) -> HttpResponse:
    need(request, Capability.OVERRIDE_REVIEW, OVERRIDE, override_id)
    form = ReviewForm(request.POST, prefix=f"o{override_id}")
    if form.is_valid():
        try:
            enc_services.override_review(
                actor=request_actor(request),
                override_id=override_id,
                verdict=form.cleaned_data["verdict"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            # Not _raise_http: a refusal such as reviewing one's own decision (403) is shown
            # on the form, beside the verdict, rather than as a bare "forbidden" page.
            if exc.status == 404:
                raise Http404 from exc
            put_error(form, exc.field, exc.message)
        else:
            messages.success(
                request,
                _("Review recorded: %(verdict)s.")
                % {"verdict": OverrideVerdict(form.cleaned_data["verdict"]).label},
            )
            return redirect("processing:override_list")
    return _override_page(request, {override_id: form}, 400)
