"""The supervisors' review queue: pairs of records that may be the same person, one pair
side by side (each view audited), decisions "same person" / "different people", each
reversible. Views stay thin: selectors read, services write."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from asilo.web.core.actors import request_actor
from asilo.web.core.errors import DomainError
from asilo.web.core.pages import raise_http
from asilo.web.encounters.models import Pathway
from asilo.web.identity import selectors, services
from asilo.web.identity.models import PairStatus, Source
from asilo.web.registrations.models import Status as RegistrationStatus


def _labels() -> dict[str, Any]:
    return {
        "pathways": dict(Pathway.choices),
        "sources": dict(Source.choices),
        "statuses": dict(PairStatus.choices),
        "registration_statuses": dict(RegistrationStatus.choices),
        "sexes": {"F": _("Female"), "M": _("Male"), "X": _("Unspecified or another sex (X)")},
    }


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    try:
        pending = selectors.review_queue(actor=request_actor(request))
        decided = selectors.review_queue(
            actor=request_actor(request), status=PairStatus.SAME, limit=50
        )
        decided += selectors.review_queue(
            actor=request_actor(request), status=PairStatus.DIFFERENT, limit=50
        )
    except DomainError as exc:
        raise_http(exc)
        raise
    decided.sort(key=lambda r: r.pair.decided_at or r.pair.found_at, reverse=True)
    context = {
        "pending": pending,
        "decided": decided,
        "run": selectors.latest_run(),
        **_labels(),
    }
    return render(request, "identity/review_queue.html", context)


def _pair_page(
    request: HttpRequest, pair_id: int, status: int = 200, error: str = ""
) -> HttpResponse:
    try:
        view = selectors.review_pair_view(actor=request_actor(request), pair_id=pair_id)
    except DomainError as exc:
        raise_http(exc)
        raise
    fields = [
        ("given_names", _("Given names")),
        ("first_surname", _("First surname")),
        ("second_surname", _("Second surname")),
        ("date_of_birth", _("Date of birth (or year)")),
        ("sex", _("Sex")),
        ("nationality", _("Nationality")),
        ("a_number", _("A-number")),
        ("document_number", _("Document number")),
    ]
    rows = []
    for name, label in fields:
        left, right = getattr(view.left, name), getattr(view.right, name)
        if name == "sex":
            words = _labels()["sexes"]
            left, right = words.get(left, left), words.get(right, right)
        rows.append({"label": label, "left": left, "right": right, "same": left == right})
    context = {"view": view, "rows": rows, "error": error, **_labels()}
    return render(request, "identity/review_pair.html", context, status=status)


@login_required
def review_pair(request: HttpRequest, pair_id: int) -> HttpResponse:
    return _pair_page(request, pair_id)


@login_required
@require_POST
def review_decide(request: HttpRequest, pair_id: int) -> HttpResponse:
    decision = request.POST.get("decision", "")
    try:
        services.review_decide(actor=request_actor(request), pair_id=pair_id, decision=decision)
    except DomainError as exc:
        raise_http(exc)
        return _pair_page(request, pair_id, status=exc.status, error=exc.message)
    if decision == PairStatus.SAME:
        messages.success(request, _("Recorded: the same person. You can undo it."))
    else:
        messages.success(request, _("Recorded: different people. You can undo it."))
    return redirect("identity:review_pair", pair_id=pair_id)


@login_required
@require_POST
def review_undo(request: HttpRequest, pair_id: int) -> HttpResponse:
    try:
        services.review_undo(actor=request_actor(request), pair_id=pair_id)
    except DomainError as exc:
        raise_http(exc)
        return _pair_page(request, pair_id, status=exc.status, error=exc.message)
    messages.success(request, _("The decision was undone; the pair awaits a decision again."))
    return redirect("identity:review_pair", pair_id=pair_id)
