"""Pages: the public self-service registration and status page (no JavaScript, tiny pages, in
Spanish, Haitian Creole and English), and the caseworkers' pages (assisted registration,
their organisation's registrations, the call-back and review task list, bulk import)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from asilo.web.accounts.roles import Capability, has_capability
from asilo.web.core.access import refuse
from asilo.web.core.ratelimits import refuse_if_rate_limited
from asilo.web.registrations import exports, importer, selectors, services
from asilo.web.registrations.errors import (
    RegistrationError,
    RegistrationInputError,
)
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.forms import (
    NATIONALITIES,
    VULNERABILITY_LABELS,
    FormPage,
    family_size,
    post_to_data,
)
from asilo.web.registrations.models import (
    Channel,
    Program,
    Registration,
    Relationship,
    Sex,
    Status,
    TaskKind,
    TaskOutcome,
    TaskState,
)
from asilo.web.registrations.reasons import status_label, task_details, vulnerability_label
from asilo.web.registrations.validation import MAX_MEMBERS

_SESSION_KEY = "registrations_just_made"

View = Callable[..., HttpResponse]


def _error_page(request: HttpRequest, exc: RegistrationError) -> HttpResponse:
    return render(request, "registrations/error.html", {"message": exc.message}, status=exc.status)


def domain_errors(view: View) -> View:
    """Render a refusal from the app's vocabulary as a page with its status, never a 500."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except RegistrationError as exc:
            return _error_page(request, exc)

    return wrapper


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _remember(request: HttpRequest, number: str, pin: str | None) -> None:
    """Keep the new registration's number and PIN in this browser's session so that the
    confirmation page (and a resubmission of the same form) can show them again."""
    made = dict(request.session.get(_SESSION_KEY, {}))
    if pin is not None or number not in made:
        made[number] = pin or made.get(number) or ""
    request.session[_SESSION_KEY] = made


def _history(registration: Registration) -> list[dict[str, Any]]:
    return selectors.status_history(registration)


def _appointment(registration: Registration, *, staff: bool = False) -> dict[str, Any] | None:
    """The family's appointment (the lifecycle's selector) with the links to its notice: the
    family's own page, or for staff the printable notice."""
    appointment = selectors.current_appointment_of(registration)
    if appointment is None:
        return None
    try:
        if staff:
            appointment["notice_url"] = reverse(
                "appointments:staff_notice", args=[appointment["id"]]
            )
        else:
            appointment["notice_url"] = reverse("appointments:family_notice")
        appointment["ics_url"] = reverse("appointments:notice_ics", args=[appointment["id"]])
    except NoReverseMatch:
        appointment.setdefault("notice_url", "")
    return appointment


def _expected_window(registration: Registration) -> dict[str, Any] | None:
    """For a family still waiting: the range of days of its appointment, estimated from the
    queue ahead and the capacities (the appointments app's ``expected_window``)."""
    from django.apps import apps

    if not apps.is_installed("asilo.web.appointments"):
        return None
    from asilo.web.appointments.selectors import expected_window

    window = expected_window(registration)
    if window is None:
        return None
    return {
        "earliest": window.best.day,
        "latest": window.worst.day,
        "days": window.horizon_days,
        "ports": window.ports,
    }


# --- public pages -----------------------------------------------------------------------------


@require_http_methods(["GET"])
def start(request: HttpRequest) -> HttpResponse:
    programs, preselected, closed = selectors.start_choices(selectors.open_programs())
    return render(
        request,
        "registrations/start.html",
        {
            "programs": programs,
            "preselected": preselected,
            "closed": closed,
            "sizes": range(1, MAX_MEMBERS + 1),
        },
    )


def _form_page(request: HttpRequest, page: FormPage, *, staff: bool, status: int = 200) -> Any:
    return render(
        request,
        "registrations/form.html",
        {"page": page, "staff": staff, "current_language": get_language()},
        status=status,
    )


def _register(request: HttpRequest, *, staff: bool) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    size = family_size(source.get("size", "1"))
    program = Program.objects.filter(code=source.get("program", ""), is_open=True).first()
    if program is None:
        raise RegistrationError(C.PROGRAM_NOT_FOUND, "program")
    if request.method == "GET":
        page = FormPage(program=program, size=size, client_request_id=str(uuid.uuid4()))
        page.values = {"language": get_language()}
        return _form_page(request, page, staff=staff)
    data = post_to_data(request.POST, size=size)
    actor = request.user if staff else None
    if actor is None:
        refuse_if_rate_limited(request, data)
    try:
        submission = services.registration_submit(
            actor=actor, data=data, source=client_address(request)
        )
    except RegistrationInputError as exc:
        page = FormPage(
            program=program,
            size=size,
            client_request_id=str(data["client_request_id"]),
            values=data,
            errors={e.field or "": e.message for e in exc.errors},
        )
        return _form_page(request, page, staff=staff, status=400)
    number = submission.registration.number
    _remember(request, number, submission.pin)
    # A caseworker lands on the family's page (with the PIN to hand over); the family on
    # its confirmation page.
    target = "registrations:detail" if staff else "registrations:done"
    return HttpResponseRedirect(reverse(target, args=[number]))


@domain_errors
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    return _register(request, staff=False)


@require_http_methods(["GET"])
def done(request: HttpRequest, number: str) -> HttpResponse:
    made = request.session.get(_SESSION_KEY, {})
    if number not in made:
        return HttpResponseRedirect(reverse("registrations:status"))
    registration = Registration.objects.filter(number=number).first()
    if registration is None:
        return HttpResponseRedirect(reverse("registrations:status"))
    return render(
        request,
        "registrations/done.html",
        {
            "registration": registration,
            "pin": made[number],
            "history": _history(registration),
            "status": status_label(registration.status, registration.closed_reason),
            "members": registration.members.count(),
        },
    )


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "registrations/status_form.html", {})
    number = request.POST.get("number", "")
    pin = request.POST.get("pin", "")
    try:
        registration = services.registration_status_lookup(number=number, pin=pin)
    except RegistrationError as exc:
        return render(
            request,
            "registrations/status_form.html",
            {"error": exc.message, "number": number},
            status=exc.status,
        )
    history = _history(registration)
    appointment = _appointment(registration)
    unverified_after = services.rules_unverified_after(registration.program)
    # The family signed in with its number and PIN here: its notice page opens without
    # asking again (the appointments app's family session).
    request.session["appointments_registration"] = registration.pk
    return render(
        request,
        "registrations/status.html",
        {
            "registration": registration,
            "status": status_label(registration.status, registration.closed_reason),
            "last": history[-1] if history else None,
            "history": history,
            "members": registration.members.count(),
            "appointment": appointment,
            "expected": None if appointment else _expected_window(registration),
            "rules_unverified_after": unverified_after,
        },
    )


# --- caseworker pages -------------------------------------------------------------------------


def _require(request: HttpRequest, capability: Capability) -> None:
    if not has_capability(request.user, capability):
        match = request.resolver_match
        refuse(
            request.user,
            capability,
            object_type="registrations.page",
            note=f"{capability} refused at {getattr(match, 'view_name', '') or 'a page'}",
        )
        raise RegistrationError(C.FORBIDDEN)


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def assisted_register(request: HttpRequest) -> HttpResponse:
    _require(request, Capability.REGISTRATION_CREATE)
    if "program" not in request.GET and request.method == "GET":
        programs, preselected, closed = selectors.start_choices(selectors.open_programs())
        return render(
            request,
            "registrations/start.html",
            {
                "programs": programs,
                "preselected": preselected,
                "closed": closed,
                "sizes": range(1, MAX_MEMBERS + 1),
                "staff": True,
            },
        )
    return _register(request, staff=True)


_LIST_FILTERS = (
    "status",
    "program",
    "channel",
    "organisation",
    "port",
    "registered_from",
    "registered_to",
)
PAGE_SIZE = 50


@login_required
@domain_errors
@require_http_methods(["GET"])
def staff_list(request: HttpRequest) -> HttpResponse:
    from django.core.paginator import Paginator

    from asilo.web.accounts.models import Organisation

    chosen = {name: request.GET.get(name, "").strip() for name in _LIST_FILTERS}
    error = ""
    try:
        rows = selectors.registration_list(user=request.user, **chosen)  # type: ignore[arg-type]
    except RegistrationError as exc:
        if exc.code == C.FORBIDDEN:
            raise
        error = exc.message
        rows = selectors.registration_list(user=request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in chosen.items() if v})
    return render(
        request,
        "registrations/staff/list.html",
        {
            "page": page,
            "rows": [{"r": r, "status": status_label(r.status, r.closed_reason)} for r in page],
            "chosen": chosen,
            "query": query,
            "error": error,
            "statuses": [(s.value, s.label) for s in Status],
            "programs": Program.objects.order_by("code"),
            "channels": [(c.value, c.label) for c in Channel],
            "organisations": Organisation.objects.order_by("name")
            if has_capability(request.user, Capability.REGISTRATION_VIEW_ALL)
            else [],
            "ports": selectors.all_ports(),
            "counts": selectors.status_counts(request.user),
            "may_create": has_capability(request.user, Capability.REGISTRATION_CREATE),
            "may_verify": has_capability(request.user, Capability.REGISTRATION_VERIFY),
        },
        status=400 if error else 200,
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, number: str) -> HttpResponse:
    registration = selectors.registration_get(user=request.user, number=number)
    message = error = ""
    if request.method == "POST":
        _require(request, Capability.REGISTRATION_VERIFY)
        note = request.POST.get("note", "")
        try:
            if request.POST.get("action") == "flag":
                services.registration_flag_vulnerability(
                    actor=request.user,  # type: ignore[arg-type]
                    registration=registration,
                    vulnerability=request.POST.get("vulnerability", ""),
                    note=note,
                )
                message = "flagged"
            elif request.POST.get("action") == "duplicate":
                services.registration_mark_duplicate(
                    actor=request.user,  # type: ignore[arg-type]
                    registration=registration,
                    other_number=request.POST.get("other_number", ""),
                    note=note,
                )
                message = "duplicate"
        except RegistrationError as exc:
            error = exc.message
        registration = selectors.registration_get(user=request.user, number=number)
    made = request.session.get(_SESSION_KEY, {})
    return render(
        request,
        "registrations/staff/detail.html",
        {
            "r": registration,
            "members": list(registration.members.all()),
            "history": _history(registration),
            "status": status_label(registration.status, registration.closed_reason),
            "appointment": _appointment(registration, staff=True),
            "tasks": registration.review_tasks.all(),
            "pin": made.get(registration.number, ""),
            "may_verify": has_capability(request.user, Capability.REGISTRATION_VERIFY)
            and registration.organisation_id == getattr(request.user, "organisation_id", None),
            "vulnerabilities": VULNERABILITY_LABELS,
            "vulnerability_names": [vulnerability_label(v) for v in registration.vulnerabilities],
            "message": message,
            "error": error,
        },
        status=400 if error else 200,
    )


_OUTCOMES = {
    TaskKind.CALLBACK: [TaskOutcome.VERIFIED, TaskOutcome.NOT_REACHED, TaskOutcome.DETAILS_WRONG],
    TaskKind.DUPLICATE_PERSON: [TaskOutcome.NOT_A_DUPLICATE, TaskOutcome.CONFIRMED_DUPLICATE],
    TaskKind.DUPLICATE_REGISTRATION: [
        TaskOutcome.NOT_A_DUPLICATE,
        TaskOutcome.CONFIRMED_DUPLICATE,
    ],
    TaskKind.SHARED_PHONE: [TaskOutcome.NO_ABUSE, TaskOutcome.ABUSE_REFERRED],
    TaskKind.SHARED_PLACE: [TaskOutcome.NO_ABUSE, TaskOutcome.ABUSE_REFERRED],
    TaskKind.BURST: [TaskOutcome.NO_ABUSE, TaskOutcome.ABUSE_REFERRED],
    TaskKind.VULNERABILITY: [TaskOutcome.NOTED],
}


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def staff_tasks(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, Capability.REGISTRATION_REVIEW_HOLDS):
        _require(request, Capability.REGISTRATION_VERIFY)
    user = request.user
    error = ""
    if request.method == "POST":
        try:
            task_id = int(request.POST.get("task", "0") or 0)
        except ValueError:
            task_id = 0
        try:
            if request.POST.get("action") == "take":
                services.callback_take(actor=user, task_id=task_id)  # type: ignore[arg-type]
            else:
                services.review_task_close(
                    actor=user,  # type: ignore[arg-type]
                    task_id=task_id,
                    outcome=request.POST.get("outcome", ""),
                    note=request.POST.get("note", ""),
                )
        except RegistrationError as exc:
            error = exc.message
    from django.core.paginator import Paginator

    kind = request.GET.get("kind", "").strip()
    state = request.GET.get("state", "").strip() or TaskState.OPEN
    family = request.GET.get("family", "").strip()
    if kind and kind not in TaskKind.values:
        error = str(RegistrationError(C.FILTER_INVALID, "kind", value=kind).message)
        kind = ""
    if state not in TaskState.values:
        error = str(RegistrationError(C.FILTER_INVALID, "state", value=state).message)
        state = TaskState.OPEN
    rows = selectors.review_tasks_for(
        user,  # type: ignore[arg-type]
        kind=kind or None,
        state=state,
        family=family or None,
    )
    page = Paginator(rows, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    tasks = []
    organisation_id = getattr(user, "organisation_id", None)
    for task in page:
        registrations = list(task.registrations.all())
        own = [r for r in registrations if r.organisation_id == organisation_id]
        tasks.append(
            {
                "task": task,
                "own": own,
                "unassigned": not own,
                "others": len(registrations) - len(own),
                "details": task_details(task.kind, task.detail) if own else [],
                "outcomes": [(o.value, o.label) for o in _OUTCOMES.get(task.kind, [])],
            }
        )
    chosen = {"kind": kind, "state": state, "family": family}
    return render(
        request,
        "registrations/staff/tasks.html",
        {
            "tasks": tasks,
            "page": page,
            "error": error,
            "chosen": chosen,
            "query": urlencode({k: v for k, v in chosen.items() if v}),
            "kinds": [(k.value, k.label) for k in TaskKind],
            "states": [(k.value, k.label) for k in TaskState],
        },
        status=400 if error else 200,
    )


TASKS_PER_PAGE = 20


_IMPORT_KEY = "registrations_last_import"


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def staff_import(request: HttpRequest) -> HttpResponse:
    _require(request, Capability.REGISTRATION_CREATE)
    context: dict[str, Any] = {
        "programs": selectors.open_programs(),
        "columns": importer.ALL_COLUMNS,
        "sexes": [(s.value, s.label) for s in Sex],
        "relationships": [(r.value, r.label) for r in Relationship],
    }
    if request.method == "GET":
        return render(request, "registrations/staff/import.html", context)
    program = Program.objects.filter(code=request.POST.get("program", "")).first()
    upload = request.FILES.get("file")
    problem: RegistrationError | None = None
    if program is None:
        problem = RegistrationError(C.PROGRAM_NOT_FOUND, "program")
    elif upload is None or not upload.size:
        problem = RegistrationError(C.FILE_REQUIRED, "file")
    elif upload.size is not None and upload.size > 5_000_000:
        problem = RegistrationError(C.CSV_TOO_LARGE, "file", limit=importer.MAX_ROWS)
    if problem is not None or program is None or upload is None:
        context["error"] = problem.message if problem else ""
        return render(request, "registrations/staff/import.html", context, status=400)
    report = importer.registrations_import_csv(
        actor=request.user,  # type: ignore[arg-type]
        program=program,
        content=upload.read(),
    )
    for _family, number, pin, _status in report.created:
        _remember(request, number, pin)
    request.session[_IMPORT_KEY] = [list(c) for c in report.created]
    context["report"] = report
    context["created"] = [
        {"family": f, "number": n, "pin": p, "status": status_label(st)}
        for f, n, p, st in report.created
    ]
    return render(
        request,
        "registrations/staff/import.html",
        context,
        status=200 if report.ok else 400,
    )


@login_required
@domain_errors
@require_http_methods(["GET"])
def staff_import_csv(request: HttpRequest) -> HttpResponse:
    """The last import's numbers and PINs (kept in this session only) as a CSV file."""
    _require(request, Capability.REGISTRATION_CREATE)
    created = [tuple(c) for c in request.session.get(_IMPORT_KEY, [])]
    languages = dict(
        Registration.objects.filter(number__in=[c[1] for c in created]).values_list(
            "number", "language"
        )
    )
    body = exports.import_slips_csv(
        actor=request.user,
        created=created,  # type: ignore[arg-type]
        languages=languages,
    )
    return _csv_response(body, "registrations-import.csv")


@login_required
@domain_errors
@require_http_methods(["GET"])
def staff_import_slips(request: HttpRequest) -> HttpResponse:
    """One printable slip per family of the last import, each in the family's language."""
    _require(request, Capability.REGISTRATION_CREATE)
    created = [tuple(c) for c in request.session.get(_IMPORT_KEY, [])]
    slips = []
    for _family, number, pin, _status in created:
        registration = selectors.registration_get(user=request.user, number=number)
        slips.append(_slip(registration, pin))
    return render(request, "registrations/staff/slip.html", {"slips": slips})


def _csv_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@domain_errors
@require_http_methods(["GET"])
def staff_export(request: HttpRequest) -> HttpResponse:
    """The organisation's registrations (the list's filters apply) as a CSV file."""
    _require(request, Capability.REGISTRATION_CREATE)
    chosen = {name: request.GET.get(name, "").strip() for name in _LIST_FILTERS}
    rows = selectors.registration_list(user=request.user, **chosen)  # type: ignore[arg-type]
    body = exports.registrations_export_csv(actor=request.user, rows=rows)
    return _csv_response(body, "registrations.csv")


def _slip(registration: Registration, pin: str) -> dict[str, Any]:
    return {
        "r": registration,
        "pin": pin,
        "language": registration.language if registration.language in ("en", "es", "ht") else "es",
        "status_url": reverse("registrations:status"),
    }


@login_required
@domain_errors
@require_http_methods(["GET"])
def staff_slip(request: HttpRequest, number: str) -> HttpResponse:
    """The registration slip (number, PIN when this session made it, how to check the
    status), printed in the family's language."""
    registration = selectors.registration_get(user=request.user, number=number)
    made = request.session.get(_SESSION_KEY, {})
    return render(
        request,
        "registrations/staff/slip.html",
        {"slips": [_slip(registration, made.get(registration.number, ""))]},
    )


@require_http_methods(["GET", "POST"])
def pin_recover(request: HttpRequest) -> HttpResponse:
    """A lost PIN: the number → a one-time code to the contact on file → a new PIN."""
    number = request.POST.get("number", "").strip()
    context: dict[str, Any] = {"number": number, "step": "ask"}
    status_code = 200
    if request.method == "POST" and request.POST.get("action") == "send":
        services.pin_recovery_request(number=number)
        context["step"] = "code"
    elif request.method == "POST" and request.POST.get("action") == "confirm":
        try:
            context["pin"] = services.pin_recovery_confirm(
                number=number, code=request.POST.get("code", "")
            )
            context["step"] = "done"
            context["number"] = services.normalise_number(number)
        except RegistrationError as exc:
            context.update({"step": "code", "error": exc.message})
            status_code = exc.status
    return render(request, "registrations/recover.html", context, status=status_code)


_FAMILY_SESSION = "appointments_registration"


@require_http_methods(["GET", "POST"])
def family_members(request: HttpRequest) -> HttpResponse:
    """The family, signed in on the status page with its number and PIN, adds a member,
    removes one or corrects a name or date of birth."""
    pk = request.session.get(_FAMILY_SESSION)
    registration = Registration.objects.filter(pk=pk).first() if pk else None
    if registration is None:
        return HttpResponseRedirect(reverse("registrations:status"))
    errors: list[str] = []
    done = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            position = int(request.POST.get("position", "-1") or -1)
        except ValueError:
            position = -1
        try:
            if action == "add":
                services.registration_member_add(
                    actor=None,
                    registration=registration,
                    data={
                        name: request.POST.get(name, "")
                        for name in (
                            "given_names",
                            "surnames",
                            "date_of_birth",
                            "age",
                            "sex",
                            "nationality",
                            "relationship",
                        )
                    },
                )
            elif action == "remove":
                if request.POST.get("confirm") != "yes":
                    raise RegistrationError(C.CONFIRM_REQUIRED, "confirm")
                services.registration_member_remove(
                    actor=None, registration=registration, position=position
                )
            elif action == "correct":
                services.registration_member_correct(
                    actor=None,
                    registration=registration,
                    position=position,
                    changes={
                        name: request.POST.get(name, "").strip()
                        for name in ("given_names", "surnames", "date_of_birth")
                    },
                )
            else:
                raise RegistrationError(C.FILTER_INVALID, "action", value=action)
            done = action
        except RegistrationInputError as exc:
            errors = list(dict.fromkeys(e.message for e in exc.errors))
        except RegistrationError as exc:
            errors = [exc.message]
        registration.refresh_from_db()
    return render(
        request,
        "registrations/family.html",
        {
            "registration": registration,
            "status": status_label(registration.status, registration.closed_reason),
            "members": list(registration.members.order_by("position")),
            "errors": errors,
            "done": done,
            "sexes": Sex.choices,
            "relationships": [c for c in Relationship.choices if c[0] != Relationship.PRINCIPAL],
            "nationalities": NATIONALITIES,
        },
        status=400 if errors else 200,
    )
