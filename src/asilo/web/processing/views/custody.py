"""Book-out, family exceptions (asked by an officer, decided by a supervisor) and the
reunification tasks an approved exception opens.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from asilo.web.core.actors import request_actor
from asilo.web.core.pages import raise_http
from asilo.web.core.roles import Capability, has_capability
from asilo.web.encounters import selectors as enc_selectors
from asilo.web.encounters import services as enc_services
from asilo.web.encounters.models import (
    ExceptionStatus,
    Outcome,
    TaskClosing,
    TaskStatus,
)
from asilo.web.encounters.object_types import (
    CUSTODY,
    FAMILY_EXCEPTION,
    REUNIFICATION_TASK,
)
from asilo.web.people import selectors as people_selectors
from asilo.web.people.errors import DomainError
from asilo.web.processing import queries
from asilo.web.processing.forms import (
    BookOutForm,
    ExceptionDecisionForm,
    ExceptionRequestForm,
    TaskCloseForm,
    TaskNoteForm,
)
from asilo.web.processing.views._common import (
    attempt,
    needs,
    put_error,
    render_page,
)
from asilo.web.processing.views.listing import (
    TIME_ORDERS,
    ListRequest,
    csv_export,
    list_request,
    selected_page,
)

# --- book-out and family exceptions -------------------------------------------------------


def _custody_context(request: HttpRequest, custody_id: int) -> dict[str, Any]:
    clock = queries.custody_with_clock(custody_id, now=timezone.now())
    if clock is None:
        raise Http404
    custody = clock.custody
    return {
        "clock": clock,
        "custody": custody,
        "participant": queries.participant_of(custody),
        "family": enc_services.family_person_ids(custody),
        "exception": queries.open_exception_of(custody),
    }


def _children_named(request: HttpRequest, exc: DomainError) -> str:
    """The refusal ``family_child_left_alone`` naming the children (one audited read of their
    names, for a role that may see them; else their ids and ages)."""
    ids = list(exc.params.get("person_ids") or [])
    names = people_selectors.people_names(
        actor=request_actor(request), person_ids=ids, purpose="family_child_left_alone"
    )
    ages = queries.ages_in_encounter_of(ids, exc.params.get("encounter_id"))
    labels = []
    for person_id in ids:
        name = names.get(person_id) or _("Person #%(id)s") % {"id": person_id}
        labels.append(_("%(name)s (age %(age)s)") % {"name": name, "age": ages.get(person_id, "?")})
    params = {**exc.params, "children": ", ".join(labels)}
    return type(exc)(exc.code, exc.field, **params).message


@require_http_methods(["GET", "POST"])
@needs(Capability.CUSTODY_MANAGE, CUSTODY)
def book_out(request: HttpRequest, custody_id: int) -> HttpResponse:
    context = _custody_context(request, custody_id)
    form = BookOutForm(request.POST or None)
    exception_form = ExceptionRequestForm(prefix="x")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = form.cleaned_data["outcome"]
            with_family = bool(form.cleaned_data.get("family"))
            try:
                custody = enc_services.custody_book_out(
                    actor=request_actor(request),
                    custody_id=custody_id,
                    outcome=outcome,
                    family=with_family,
                )
            except DomainError as exc:
                raise_http(exc)
                message = exc.message
                if str(exc.code) == "family_child_left_alone":
                    message = _children_named(request, exc)
                    context["offer_family"] = True
                put_error(form, exc.field, message)
                status = exc.status if exc.status in (400, 409) else 400
                if str(exc.code) in ("family_outcome_differs", "family_child_left_alone"):
                    exception_form = ExceptionRequestForm(prefix="x", initial={"outcome": outcome})
                    context["offer_exception"] = True
            else:
                together = enc_selectors.custodies_booked_out_with(custody)
                messages.success(
                    request,
                    ngettext(
                        "Booked out: %(outcome)s.",
                        "Booked out together, %(count)d people: %(outcome)s.",
                        len(together),
                    )
                    % {"outcome": Outcome(outcome).label, "count": len(together)},
                )
                return redirect("processing:encounter_detail", context["custody"].encounter_id)
    context.update({"form": form, "exception_form": exception_form})
    return render_page(request, "processing/book_out.html", context, status=status)


@require_POST
@needs(Capability.CUSTODY_MANAGE, CUSTODY)
def exception_request(request: HttpRequest, custody_id: int) -> HttpResponse:
    context = _custody_context(request, custody_id)
    form = ExceptionRequestForm(request.POST, prefix="x")
    if attempt(request, form, enc_services.family_exception_request, custody_id=custody_id):
        messages.success(
            request, _("Family exception requested; a supervisor approves or denies it.")
        )
        return redirect(reverse("processing:book_out", args=[custody_id]) + "?requested=1")
    context.update({"form": BookOutForm(), "exception_form": form, "offer_exception": True})
    return render_page(request, "processing/book_out.html", context, status=400)


@needs(Capability.CUSTODY_MANAGE, FAMILY_EXCEPTION)
def exception_list(request: HttpRequest) -> HttpResponse:
    return _exception_page(request, {}, 200)


def _exception_page(
    request: HttpRequest,
    forms: dict[int, ExceptionDecisionForm],
    status: int,
    task_forms: dict[tuple[int, str], Form] | None = None,
) -> HttpResponse:
    """Two lists on one page: family exceptions (filter by status, or one by ``?id=``) and
    reunification tasks (parameters prefixed ``t-``); each newest or oldest first, 50 a page,
    and its page's rows as CSV."""
    asked = list_request(request, filters={"status": ExceptionStatus.values})
    one = request.GET.get("id", "")
    exception_id = int(one) if one.isdigit() and len(one) < 10 else None
    if exception_id is not None:
        asked = ListRequest("", asked.page, asked.order, {**asked.filters, "id": str(exception_id)})
    asked_tasks = list_request(request, prefix="t", filters={"status": TaskStatus.values})
    exceptions = selected_page(
        request,
        asked,
        enc_selectors.family_exception_list,
        status=asked.filters["status"] or None,
        exception_id=exception_id,
    )
    tasks = selected_page(
        request,
        asked_tasks,
        enc_selectors.reunification_task_list,
        status=asked_tasks.filters["status"] or None,
    )
    exports: tuple[tuple[ListRequest, Any, str, dict[str, Any]], ...] = (
        (
            asked,
            enc_services.family_exception_list_export,
            "family-exceptions",
            {"exceptions": exceptions.rows},
        ),
        (
            asked_tasks,
            enc_services.reunification_task_list_export,
            "reunification-tasks",
            {"tasks": tasks.rows},
        ),
    )
    for wanted, export, name, shown in exports:
        if status == 200 and wanted.wants_csv(request):
            return csv_export(request, export, f"{name}-p{wanted.page}.csv", wanted.audit, **shown)
    can_decide = has_capability(request.user, Capability.FAMILY_EXCEPTION_APPROVE)
    cards = queries.exception_cards(exceptions.rows)
    # One audited read of the names of everyone on the page.
    person_ids = sorted(
        {m.person_id for card in cards for m in card.family} | {t.person_id for t in tasks.rows}
    )
    cards_of_people = people_selectors.people_cards(
        actor=request_actor(request), person_ids=person_ids, purpose="family_exceptions_page"
    )
    rows = [
        (
            card,
            (forms.get(card.exception.pk) or ExceptionDecisionForm(prefix=f"e{card.exception.pk}"))
            if can_decide and card.exception.status == ExceptionStatus.PENDING
            else None,
        )
        for card in cards
    ]
    task_forms = task_forms or {}
    task_rows = [
        (
            t,
            task_forms.get((t.pk, "note")) or TaskNoteForm(prefix=f"n{t.pk}"),
            task_forms.get((t.pk, "close")) or TaskCloseForm(prefix=f"c{t.pk}"),
        )
        for t in tasks.rows
    ]
    context = {
        "rows": rows,
        "tasks": task_rows,
        "exceptions_page": exceptions,
        "tasks_page": tasks,
        "exception_status": asked.filters["status"],
        "task_status": asked_tasks.filters["status"],
        "exception_statuses": list(ExceptionStatus.choices),
        "task_statuses": list(TaskStatus.choices),
        "orders": TIME_ORDERS,
        "people": cards_of_people,
        "statuses": dict(ExceptionStatus.choices),
        "closings": dict(TaskClosing.choices),
    }
    return render_page(request, "processing/exception_list.html", context, status=status)


@require_POST
@needs(Capability.FAMILY_EXCEPTION_APPROVE, FAMILY_EXCEPTION)
def exception_decide(request: HttpRequest, exception_id: int) -> HttpResponse:
    form = ExceptionDecisionForm(request.POST, prefix=f"e{exception_id}")
    approve = request.POST.get(f"e{exception_id}-decision") == "approve"
    service = (
        enc_services.family_exception_approve if approve else enc_services.family_exception_deny
    )
    if attempt(request, form, service, ("note",), refusals_on_form=True, exception_id=exception_id):
        messages.success(
            request,
            _(
                "Family exception approved; a reunification task is open. The officer who"
                " asked is told."
            )
            if approve
            else _("Family exception denied. The officer who asked is told."),
        )
        return redirect("processing:exception_list")
    return _exception_page(request, {exception_id: form}, 400)


# --- reunification tasks ------------------------------------------------------------------


@require_POST
@needs(Capability.CUSTODY_MANAGE, REUNIFICATION_TASK)
def task_step(request: HttpRequest, task_id: int) -> HttpResponse:
    step = request.POST.get("step", "")
    try:
        enc_services.reunification_task_step(
            actor=request_actor(request), task_id=task_id, step=step
        )
    except DomainError as exc:
        raise_http(exc)
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Step recorded: contact made with the family.")
            if step == "contact_made"
            else _("Step recorded: sponsor or parent located."),
        )
    return redirect(reverse("processing:exception_list") + f"#task-{task_id}")


@require_POST
@needs(Capability.CUSTODY_MANAGE, REUNIFICATION_TASK)
def task_note(request: HttpRequest, task_id: int) -> HttpResponse:
    form = TaskNoteForm(request.POST, prefix=f"n{task_id}")
    if attempt(request, form, enc_services.reunification_task_note, task_id=task_id):
        messages.success(request, _("Note added to the reunification task."))
        return redirect(reverse("processing:exception_list") + f"#task-{task_id}")
    return _exception_page(request, {}, 400, {(task_id, "note"): form})


@require_POST
@needs(Capability.CUSTODY_MANAGE, REUNIFICATION_TASK)
def task_close(request: HttpRequest, task_id: int) -> HttpResponse:
    form = TaskCloseForm(request.POST, prefix=f"c{task_id}")
    if attempt(request, form, enc_services.reunification_task_close, task_id=task_id):
        messages.success(
            request,
            _("Reunification task closed: %(how)s.")
            % {"how": TaskClosing(form.cleaned_data["outcome"]).label},
        )
        return redirect(reverse("processing:exception_list") + f"#task-{task_id}")
    return _exception_page(request, {}, 400, {(task_id, "close"): form})
