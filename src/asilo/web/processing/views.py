"""The border-processing pages. Views stay thin: rights through ``has_capability``, reads through
the apps' selectors (audited where they show a person), every write through the services.

Refusals: anonymous users go to sign-in; a signed-in role without the capability gets 403 (the
selectors and services also audit the refusal). Bad input re-renders the form with each error on
its field and writes nothing.
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from asilo.web.accounts.roles import Capability, has_capability
from asilo.web.core.access import require
from asilo.web.core.layout import layout_template
from asilo.web.encounters import selectors as enc_selectors
from asilo.web.encounters import services as enc_services
from asilo.web.encounters.models import (
    Authority,
    EncounterStatus,
    ExceptionStatus,
    Outcome,
    OverrideVerdict,
    Pathway,
    TaskClosing,
)
from asilo.web.encounters.services import (
    CUSTODY,
    ENCOUNTER,
    FAMILY_EXCEPTION,
    OVERRIDE,
    REUNIFICATION_TASK,
)
from asilo.web.people import selectors as people_selectors
from asilo.web.people.errors import DomainError
from asilo.web.processing import family, queries
from asilo.web.processing.forms import (
    MAX_MEMBERS,
    MEMBER_FIELDS,
    MEMBER_PREFIX,
    BookOutForm,
    EncounterForm,
    ExceptionDecisionForm,
    ExceptionRequestForm,
    MemberFormSet,
    OverrideForm,
    ReviewForm,
    TaskCloseForm,
    TaskNoteForm,
)

DEMOGRAPHICS = {
    "single_adult": gettext_lazy("Single adult"),
    "family_unit": gettext_lazy("Family unit (FMUA)"),
    "unaccompanied_child": gettext_lazy("Unaccompanied child"),
    "accompanied_minor": gettext_lazy("Accompanied minor"),
}


def _need(
    request: HttpRequest, capability: Capability, object_type: str, object_id: int | None = None
) -> None:
    """403 unless the user has the capability; the refusal is audited (``require``)."""
    try:
        require(request.user, capability, object_type=object_type, object_id=object_id)
    except DomainError as exc:
        raise PermissionDenied from exc


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context.setdefault("layout", layout_template())
    context.setdefault("now", timezone.now())
    context.setdefault("es", (get_language() or "en").startswith("es"))
    return render(request, template, context, status=status)


def _raise_http(exc: DomainError) -> None:
    """Turn a refusal that is not about the input into the HTTP answer it stands for."""
    if exc.status == 403:
        raise PermissionDenied from exc
    if exc.status == 404:
        raise Http404 from exc


def _put_error(form: Form, field: str | None, message: str) -> None:
    if field is not None and field in form.fields:
        form.add_error(field, message)
    else:
        form.add_error(None, message)


# --- dashboard ----------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _need(request, Capability.ENCOUNTER_VIEW, CUSTODY)
    now = timezone.now()
    context: dict[str, Any] = {
        "counts": queries.custody_counts(now=now),
        "statuses": queries.encounter_status_counts(),
        "overdue": enc_selectors.custody_list(actor=request.user, status="overdue", now=now),
        "near_due": enc_selectors.custody_list(actor=request.user, status="near_due", now=now),
        "children_alone": enc_selectors.custody_check(actor=request.user),
        "standard_report": enc_selectors.standard_report(actor=request.user, now=now),
        "beyond_standard": enc_selectors.custodies_open().filter(standard_due_at__lt=now).count(),
        "now": now,
    }
    if has_capability(request.user, Capability.OVERRIDE_REVIEW):
        context["overrides"] = enc_selectors.override_list(actor=request.user, reviewed=False)
    if has_capability(request.user, Capability.FAMILY_EXCEPTION_APPROVE):
        context["exceptions"] = enc_selectors.family_exception_list(
            actor=request.user, status=ExceptionStatus.PENDING
        )
    context["decided"] = context["statuses"].get(EncounterStatus.DECIDED, 0)
    return _page(request, "processing/dashboard.html", context)


# --- custody list -------------------------------------------------------------------------


PAGE_SIZE = 50


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


@login_required
def custody_list(request: HttpRequest) -> HttpResponse:
    _need(request, Capability.ENCOUNTER_VIEW, CUSTODY)
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
    page = _page_number(request)
    now = timezone.now()
    rows = enc_selectors.custody_list(
        actor=request.user,
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
        body = enc_services.custody_list_export(actor=request.user, clocks=clocks, filters=filters)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="custody-{status}-{scope}-p{page}.csv"'
        )
        return response
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
        return _page(request, "processing/_custody_rows.html", context)
    return _page(request, "processing/custody_list.html", context)


# --- record an encounter ------------------------------------------------------------------


def _member_initial(data: QueryDict) -> list[dict[str, Any]]:
    """What the officer typed for each member, to redisplay without validating."""
    try:
        total = int(data.get(f"{MEMBER_PREFIX}-TOTAL_FORMS", "1"))
    except ValueError:
        total = 1
    members = []
    for i in range(max(0, min(total, MAX_MEMBERS))):
        member: dict[str, Any] = {}
        for name in MEMBER_FIELDS:
            key = f"{MEMBER_PREFIX}-{i}-{name}"
            member[name] = data.getlist(key) if name == "vulnerabilities" else data.get(key, "")
        members.append(member)
    return members


def _encounter_forms(
    request: HttpRequest,
) -> tuple[EncounterForm, Any, bool]:
    """The forms for this request; the flag says whether to try to record the encounter."""
    if request.method != "POST":
        return EncounterForm(), MemberFormSet(prefix=MEMBER_PREFIX), False
    action = request.POST.get("action", "decide")
    if action == "decide":
        return (
            EncounterForm(request.POST),
            MemberFormSet(request.POST, prefix=MEMBER_PREFIX),
            True,
        )
    members = _member_initial(request.POST)
    if action == "add_member" and len(members) < MAX_MEMBERS:
        members.append({"sex": "unknown"})
    elif action.startswith("remove_member:") and len(members) > 1:
        with contextlib.suppress(ValueError, IndexError):
            del members[int(action.split(":", 1)[1])]
    initial = {k: request.POST.get(k) for k in EncounterForm.base_fields}
    for flag in ("title42_exception_granted", "cbp_one_appointment"):
        initial[flag] = bool(request.POST.get(flag))
    return (
        EncounterForm(initial=initial),
        MemberFormSet(prefix=MEMBER_PREFIX, initial=members),
        False,
    )


def _place_service_error(
    form: EncounterForm, formset: Any, field: str | None, message: str
) -> None:
    """Put a service's error on the field it names (``people.1.age`` is member 2's age)."""
    if field and field.startswith("people."):
        parts = field.split(".")
        if len(parts) >= 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(formset.forms) and parts[2] in formset.forms[index].fields:
                formset.forms[index].add_error(parts[2], message)
                return
    if field and field.split(".")[0] in form.fields:
        form.add_error(field.split(".")[0], message)
        return
    form.add_error(None, message)


@login_required
@require_http_methods(["GET", "POST"])
def encounter_new(request: HttpRequest) -> HttpResponse:
    _need(request, Capability.ENCOUNTER_RECORD, ENCOUNTER)
    form, formset, submit = _encounter_forms(request)
    if submit and form.is_valid() and formset.is_valid():
        members = [f for f in formset.forms if f.cleaned_data]
        document = form.document()
        document["people"] = [m.person() for m in members]
        try:
            recorded = enc_services.encounter_record(
                actor=request.user,
                document=document,
                client_request_id=form.cleaned_data.get("client_request_id") or None,
            )
        except enc_services.EncounterErrors as exc:
            for error in exc.errors:
                _place_service_error(form, formset, error.field, error.message)
        except DomainError as exc:
            _raise_http(exc)
            _place_service_error(form, formset, exc.field, exc.message)
        else:
            if recorded.created:
                messages.success(
                    request, _("Encounter recorded; the decision awaits confirmation.")
                )
            else:
                messages.info(request, _("This encounter was already recorded; here it is."))
            return redirect("processing:encounter_detail", encounter_id=recorded.encounter.pk)
    status = 400 if submit else 200
    context = {"form": form, "formset": formset, "max_members": MAX_MEMBERS}
    if request.htmx and not submit:
        return _page(request, "processing/_encounter_form.html", context)
    return _page(request, "processing/encounter_new.html", context, status=status)


# --- one encounter: decision, confirm, override -------------------------------------------


def _encounter_context(request: HttpRequest, encounter_id: int) -> dict[str, Any]:
    try:
        encounter = enc_selectors.encounter_view(actor=request.user, encounter_id=encounter_id)
    except DomainError as exc:
        _raise_http(exc)
        raise
    decision = encounter.decision
    now = timezone.now()
    participants = list(encounter.participants.all())
    clocks = {
        c.person_id: enc_selectors.custody_clock(
            c, now=now, within_hours=enc_selectors.NEAR_DUE_HOURS
        )
        for c in encounter.custodies.all()
    }
    override = getattr(decision, "override", None)
    cards = people_selectors.people_cards(
        actor=request.user,
        person_ids=[p.person_id for p in participants],
        purpose="encounter_page",
    )
    people = family.person_rows(participants, clocks, cards)
    return {
        "people": people,
        "units": family.unit_summaries(people),
        "outcomes": dict(Outcome.choices),
        "encounter": encounter,
        "decision": decision,
        "result": decision.result,
        "override": override,
        "rows": [(p, clocks.get(p.person_id)) for p in participants],
        "pathways": dict(Pathway.choices),
        "authorities": dict(Authority.choices),
        "demographics": DEMOGRAPHICS,
        "can_confirm": encounter.status == EncounterStatus.DECIDED
        and has_capability(request.user, Capability.DECISION_CONFIRM),
        "can_override": encounter.status == EncounterStatus.DECIDED
        and has_capability(request.user, Capability.DECISION_OVERRIDE),
        "can_book_out": has_capability(request.user, Capability.CUSTODY_MANAGE)
        and encounter.status != EncounterStatus.DECIDED,
        "can_see_people": has_capability(request.user, Capability.PERSON_VIEW),
    }


@login_required
def encounter_detail(request: HttpRequest, encounter_id: int) -> HttpResponse:
    context = _encounter_context(request, encounter_id)
    context["override_form"] = OverrideForm(initial={"authority": context["decision"].authority})
    return _page(request, "processing/encounter_detail.html", context)


@login_required
@require_POST
def encounter_confirm(request: HttpRequest, encounter_id: int) -> HttpResponse:
    _need(request, Capability.DECISION_CONFIRM, ENCOUNTER, encounter_id)
    try:
        enc_services.decision_confirm(actor=request.user, encounter_id=encounter_id)
    except DomainError as exc:
        _raise_http(exc)
        context = _encounter_context(request, encounter_id)
        context["override_form"] = OverrideForm()
        context["action_error"] = exc.message
        return _page(request, "processing/encounter_detail.html", context, status=409)
    messages.success(request, _("Decision confirmed. The people can now be booked out."))
    return redirect("processing:encounter_detail", encounter_id=encounter_id)


@login_required
@require_POST
def encounter_override(request: HttpRequest, encounter_id: int) -> HttpResponse:
    _need(request, Capability.DECISION_OVERRIDE, ENCOUNTER, encounter_id)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            enc_services.decision_override(
                actor=request.user,
                encounter_id=encounter_id,
                authority=form.cleaned_data["authority"],
                pathway=form.cleaned_data["pathway"],
                destination=form.cleaned_data["destination"] or None,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            _raise_http(exc)
            _put_error(form, exc.field, exc.message)
        else:
            messages.success(request, _("Override recorded; a supervisor will review it."))
            return redirect("processing:encounter_detail", encounter_id=encounter_id)
    context = _encounter_context(request, encounter_id)
    context["override_form"] = form
    context["override_open"] = True
    return _page(request, "processing/encounter_detail.html", context, status=400)


# --- people and families ------------------------------------------------------------------


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    try:
        person = people_selectors.person_view(actor=request.user, person_id=person_id)
    except DomainError as exc:
        _raise_http(exc)
        raise
    now = timezone.now()
    context = {
        "person": person,
        "age_today": person.age_on(timezone.localdate()),
        "history": queries.person_history(person.pk, now=now),
        "families": people_selectors.family_units_of_person(person),
        "pathways": dict(Pathway.choices),
    }
    return _page(request, "processing/person_detail.html", context)


@login_required
def family_detail(request: HttpRequest, family_unit_id: int) -> HttpResponse:
    try:
        unit = people_selectors.family_unit_view(actor=request.user, family_unit_id=family_unit_id)
    except DomainError as exc:
        _raise_http(exc)
        raise
    now = timezone.now()
    context = {
        "unit": unit,
        "memberships": list(unit.memberships.all()),
        "encounters": queries.family_encounters(unit.pk),
        "clocks": queries.family_custodies(unit.pk, now=now),
        "tasks": queries.family_tasks(unit.pk),
        "pathways": dict(Pathway.choices),
        "can_book_out": has_capability(request.user, Capability.CUSTODY_MANAGE),
    }
    return _page(request, "processing/family_detail.html", context)


# --- overrides: review by a supervisor ----------------------------------------------------


@login_required
def override_list(request: HttpRequest) -> HttpResponse:
    _need(request, Capability.OVERRIDE_REVIEW, OVERRIDE)
    return _override_page(request, {}, 200)


def _override_page(request: HttpRequest, forms: dict[int, ReviewForm], status: int) -> HttpResponse:
    pending = enc_selectors.override_list(actor=request.user, reviewed=False)
    reviewed = enc_selectors.override_list(actor=request.user, reviewed=True, limit=50)
    rows = [(o, forms.get(o.pk) or ReviewForm(prefix=f"o{o.pk}")) for o in pending]
    context = {
        "pending": rows,
        "reviewed": reviewed,
        "pathways": dict(Pathway.choices),
        "authorities": dict(Authority.choices),
        "verdicts": dict(OverrideVerdict.choices),
    }
    return _page(request, "processing/override_list.html", context, status=status)


@login_required
@require_POST
def override_review(request: HttpRequest, override_id: int) -> HttpResponse:
    _need(request, Capability.OVERRIDE_REVIEW, OVERRIDE, override_id)
    form = ReviewForm(request.POST, prefix=f"o{override_id}")
    if form.is_valid():
        try:
            enc_services.override_review(
                actor=request.user,
                override_id=override_id,
                verdict=form.cleaned_data["verdict"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            # Not _raise_http: a refusal such as reviewing one's own decision (403) is shown
            # on the form, beside the verdict, rather than as a bare "forbidden" page.
            if exc.status == 404:
                raise Http404 from exc
            _put_error(form, exc.field, exc.message)
        else:
            messages.success(
                request,
                _("Review recorded: %(verdict)s.")
                % {"verdict": OverrideVerdict(form.cleaned_data["verdict"]).label},
            )
            return redirect("processing:override_list")
    return _override_page(request, {override_id: form}, 400)


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
        "pathways": dict(Pathway.choices),
        "outcomes": dict(Outcome.choices),
    }


def _children_named(request: HttpRequest, exc: DomainError) -> str:
    """The refusal ``family_child_left_alone`` naming the children (one audited read of their
    names, for a role that may see them; else their ids and ages)."""
    ids = list(exc.params.get("person_ids") or [])
    names = people_selectors.people_names(
        actor=request.user, person_ids=ids, purpose="family_child_left_alone"
    )
    ages = queries.ages_in_encounter_of(ids, exc.params.get("encounter_id"))
    labels = []
    for person_id in ids:
        name = names.get(person_id) or _("Person #%(id)s") % {"id": person_id}
        labels.append(_("%(name)s (age %(age)s)") % {"name": name, "age": ages.get(person_id, "?")})
    params = {**exc.params, "children": ", ".join(labels)}
    return type(exc)(exc.code, exc.field, **params).message


@login_required
@require_http_methods(["GET", "POST"])
def book_out(request: HttpRequest, custody_id: int) -> HttpResponse:
    _need(request, Capability.CUSTODY_MANAGE, CUSTODY, custody_id)
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
                    actor=request.user,
                    custody_id=custody_id,
                    outcome=outcome,
                    family=with_family,
                )
            except DomainError as exc:
                _raise_http(exc)
                message = exc.message
                if str(exc.code) == "family_child_left_alone":
                    message = _children_named(request, exc)
                    context["offer_family"] = True
                _put_error(form, exc.field, message)
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
    return _page(request, "processing/book_out.html", context, status=status)


@login_required
@require_POST
def exception_request(request: HttpRequest, custody_id: int) -> HttpResponse:
    _need(request, Capability.CUSTODY_MANAGE, FAMILY_EXCEPTION)
    context = _custody_context(request, custody_id)
    form = ExceptionRequestForm(request.POST, prefix="x")
    if form.is_valid():
        try:
            enc_services.family_exception_request(
                actor=request.user,
                custody_id=custody_id,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            _raise_http(exc)
            _put_error(form, exc.field if exc.field != "custody_id" else None, exc.message)
        else:
            messages.success(
                request, _("Family exception requested; a supervisor approves or denies it.")
            )
            return redirect(reverse("processing:book_out", args=[custody_id]) + "?requested=1")
    context.update({"form": BookOutForm(), "exception_form": form, "offer_exception": True})
    return _page(request, "processing/book_out.html", context, status=400)


@login_required
def exception_list(request: HttpRequest) -> HttpResponse:
    _need(request, Capability.CUSTODY_MANAGE, FAMILY_EXCEPTION)
    return _exception_page(request, {}, 200)


def _exception_page(
    request: HttpRequest,
    forms: dict[int, ExceptionDecisionForm],
    status: int,
    task_forms: dict[tuple[int, str], Form] | None = None,
) -> HttpResponse:
    exceptions = enc_selectors.family_exception_list(actor=request.user)
    tasks = enc_selectors.reunification_task_list(actor=request.user)
    can_decide = has_capability(request.user, Capability.FAMILY_EXCEPTION_APPROVE)
    cards = queries.exception_cards(exceptions)
    # One audited read of the names of everyone on the page.
    person_ids = sorted({m.person_id for card in cards for m in card.family})
    cards_of_people = people_selectors.people_cards(
        actor=request.user, person_ids=person_ids, purpose="family_exceptions_page"
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
        for t in tasks
    ]
    context = {
        "rows": rows,
        "tasks": task_rows,
        "people": cards_of_people,
        "outcomes": dict(Outcome.choices),
        "statuses": dict(ExceptionStatus.choices),
        "closings": dict(TaskClosing.choices),
    }
    return _page(request, "processing/exception_list.html", context, status=status)


@login_required
@require_POST
def exception_decide(request: HttpRequest, exception_id: int) -> HttpResponse:
    _need(request, Capability.FAMILY_EXCEPTION_APPROVE, FAMILY_EXCEPTION, exception_id)
    form = ExceptionDecisionForm(request.POST, prefix=f"e{exception_id}")
    if form.is_valid():
        service = (
            enc_services.family_exception_approve
            if form.cleaned_data["decision"] == "approve"
            else enc_services.family_exception_deny
        )
        try:
            service(actor=request.user, exception_id=exception_id, note=form.cleaned_data["note"])
        except DomainError as exc:
            # Not _raise_http: a refusal such as reviewing one's own decision (403) is shown
            # on the form, beside the verdict, rather than as a bare "forbidden" page.
            if exc.status == 404:
                raise Http404 from exc
            _put_error(form, exc.field, exc.message)
        else:
            if form.cleaned_data["decision"] == "approve":
                messages.success(
                    request,
                    _(
                        "Family exception approved; a reunification task is open. The officer who"
                        " asked is told."
                    ),
                )
            else:
                messages.success(
                    request, _("Family exception denied. The officer who asked is told.")
                )
            return redirect("processing:exception_list")
    return _exception_page(request, {exception_id: form}, 400)


# --- reunification tasks ------------------------------------------------------------------


@login_required
@require_POST
def task_step(request: HttpRequest, task_id: int) -> HttpResponse:
    _need(request, Capability.CUSTODY_MANAGE, REUNIFICATION_TASK, task_id)
    step = request.POST.get("step", "")
    try:
        enc_services.reunification_task_step(actor=request.user, task_id=task_id, step=step)
    except DomainError as exc:
        _raise_http(exc)
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Step recorded: contact made with the family.")
            if step == "contact_made"
            else _("Step recorded: sponsor or parent located."),
        )
    return redirect(reverse("processing:exception_list") + f"#task-{task_id}")


@login_required
@require_POST
def task_note(request: HttpRequest, task_id: int) -> HttpResponse:
    _need(request, Capability.CUSTODY_MANAGE, REUNIFICATION_TASK, task_id)
    form = TaskNoteForm(request.POST, prefix=f"n{task_id}")
    if form.is_valid():
        try:
            enc_services.reunification_task_note(
                actor=request.user, task_id=task_id, text=form.cleaned_data["text"]
            )
        except DomainError as exc:
            _raise_http(exc)
            _put_error(form, "text" if exc.field == "text" else None, exc.message)
        else:
            messages.success(request, _("Note added to the reunification task."))
            return redirect(reverse("processing:exception_list") + f"#task-{task_id}")
    return _exception_page(request, {}, 400, {(task_id, "note"): form})


@login_required
@require_POST
def task_close(request: HttpRequest, task_id: int) -> HttpResponse:
    _need(request, Capability.CUSTODY_MANAGE, REUNIFICATION_TASK, task_id)
    form = TaskCloseForm(request.POST, prefix=f"c{task_id}")
    if form.is_valid():
        try:
            enc_services.reunification_task_close(
                actor=request.user,
                task_id=task_id,
                note=form.cleaned_data["note"],
                outcome=form.cleaned_data["outcome"],
            )
        except DomainError as exc:
            _raise_http(exc)
            _put_error(form, exc.field, exc.message)
        else:
            messages.success(
                request,
                _("Reunification task closed: %(how)s.")
                % {"how": TaskClosing(form.cleaned_data["outcome"]).label},
            )
            return redirect(reverse("processing:exception_list") + f"#task-{task_id}")
    return _exception_page(request, {}, 400, {(task_id, "close"): form})


# --- staff notifications ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """The staff member's own notifications (the answers to the exceptions they asked)."""
    if request.method == "POST":
        count = enc_services.notifications_mark_read(actor=request.user)
        messages.success(
            request,
            ngettext(
                "%(n)d notification marked as read.", "%(n)d notifications marked as read.", count
            )
            % {"n": count},
        )
        return redirect("processing:notifications")
    context = {
        "notifications": enc_selectors.notifications_for(actor=request.user),
        "outcomes": dict(Outcome.choices),
    }
    return _page(request, "processing/notifications.html", context)


# --- the officer's day --------------------------------------------------------------------


@login_required
def encounter_list(request: HttpRequest) -> HttpResponse:
    """Encounters, newest first: filter by status and place, search by name, A-number or
    encounter id, 50 a page."""
    _need(request, Capability.ENCOUNTER_VIEW, ENCOUNTER)
    status = request.GET.get("status", "")
    if status not in EncounterStatus.values:
        status = ""
    place = request.GET.get("place") or ""
    query = (request.GET.get("q") or "").strip()[:100]
    page = _page_number(request)
    error = ""
    try:
        rows = enc_selectors.encounter_search(
            actor=request.user,
            query=query,
            status=status or None,
            place=place or None,
            limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE,
        )
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        rows, error = [], exc.message
    encounters, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    filters = {"status": status, "place": place, "q": query}
    context = {
        "encounters": encounters,
        "status": status,
        "place": place,
        "q": query,
        "error": error,
        "statuses": list(EncounterStatus.choices),
        "places": queries.custody_places(),
        "page": page,
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if more else None,
        "query": urlencode({k: v for k, v in filters.items() if v}),
    }
    return _page(request, "processing/encounter_list.html", context)


@login_required
def work_queue(request: HttpRequest) -> HttpResponse:
    """The officer's day on one screen: every count is a link to the list behind it."""
    _need(request, Capability.ENCOUNTER_VIEW, CUSTODY)
    now = timezone.now()
    summary = enc_selectors.custody_summary(actor=request.user, now=now)
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
            (summary.exceptions_pending, _("family exceptions asked"), exceptions),
            (
                summary.reunification_tasks_open,
                _("reunification tasks open"),
                exceptions + "#tasks-h",
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
    return _page(request, "processing/work_queue.html", {"items": items, "now": now})
