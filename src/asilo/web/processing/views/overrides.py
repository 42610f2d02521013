"""Overrides: the list and a supervisor's review."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from asilo.web.core.roles import Capability
from asilo.web.encounters import selectors as enc_selectors
from asilo.web.encounters import services as enc_services
from asilo.web.encounters.models import (
    OverrideVerdict,
)
from asilo.web.encounters.object_types import (
    OVERRIDE,
)
from asilo.web.processing.forms import (
    ReviewForm,
)
from asilo.web.processing.views._common import attempt, needs, render_page
from asilo.web.processing.views.listing import TIME_ORDERS, csv_export, list_request, selected_page

# --- overrides: review by a supervisor ----------------------------------------------------


#: Which overrides the list shows.
REVIEW_FILTERS = ("pending", "reviewed", "all")


@needs(Capability.OVERRIDE_REVIEW, OVERRIDE)
def override_list(request: HttpRequest) -> HttpResponse:
    return _override_page(request, {}, 200)


def _override_page(request: HttpRequest, forms: dict[int, ReviewForm], status: int) -> HttpResponse:
    """Overrides awaiting review (by default), reviewed, or all; newest first or oldest; 50 a
    page; the page's rows as CSV. A pending override carries its review form."""
    asked = list_request(
        request, filters={"review": REVIEW_FILTERS}, defaults={"review": "pending"}
    )
    review = asked.filters["review"]
    pager = selected_page(
        request,
        asked,
        enc_selectors.override_list,
        reviewed=None if review == "all" else review == "reviewed",
    )
    if asked.wants_csv(request) and status == 200:
        return csv_export(
            request,
            enc_services.override_list_export,
            f"overrides-{review}-p{asked.page}.csv",
            asked.audit,
            overrides=pager.rows,
        )
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
        "verdicts": dict(OverrideVerdict.choices),
    }
    return render_page(request, "processing/override_list.html", context, status=status)


@require_POST
@needs(Capability.OVERRIDE_REVIEW, OVERRIDE)
def override_review(request: HttpRequest, override_id: int) -> HttpResponse:
    form = ReviewForm(request.POST, prefix=f"o{override_id}")
    if attempt(
        request,
        form,
        enc_services.override_review,
        refusals_on_form=True,
        override_id=override_id,
    ):
        messages.success(
            request,
            _("Review recorded: %(verdict)s.")
            % {"verdict": OverrideVerdict(form.cleaned_data["verdict"]).label},
        )
        return redirect("processing:override_list")
    return _override_page(request, {override_id: form}, 400)
