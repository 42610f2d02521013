"""The caseworkers' and supervisors' pages: assisted registration, the list of
registrations with its filters, a registration's page, the call-back and review tasks, the
export and the printable slip."""

from __future__ import annotations

from functools import partial
from typing import Protocol
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from asilo.web.accounts.models import Organisation
from asilo.web.core.actors import Actor, request_actor
from asilo.web.core.roles import Capability, has_capability
from asilo.web.registrations import assignment, exports, selectors, services
from asilo.web.registrations.errors import (
    RegistrationError,
)
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.forms import (
    VULNERABILITY_LABELS,
)
from asilo.web.registrations.models import (
    Channel,
    Program,
    Registration,
    Status,
    TaskKind,
    TaskOutcome,
    TaskState,
)
from asilo.web.registrations.reasons import status_label, task_details, vulnerability_label
from asilo.web.registrations.services.verification import OUTCOMES_BY_KIND
from asilo.web.registrations.views.common import (
    SESSION_KEY,
    csv_response,
    history_of,
    page_or_refuse,
    register_page,
    slip,
    staff_page,
    start_page,
    with_notice_links,
)


@staff_page("GET", "POST")
def assisted_register(request: HttpRequest) -> HttpResponse:
    page_or_refuse(request, Capability.REGISTRATION_CREATE)
    if "program" not in request.GET and request.method == "GET":
        return start_page(request, staff=True)
    return register_page(request, staff=True)


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

#: ``needs_verification`` finds the families a caseworker must check and those still to type
#: back the code sent to them (the detail page says which), so its filter names both.
NEEDS_EITHER_CHECK = _("Needs verification (by a caseworker, or of the code sent to the family)")


def _status_choices() -> list[tuple[str, str]]:
    """The status filter: each status in the words its registrations' pages use."""
    return [
        (s.value, str(NEEDS_EITHER_CHECK) if s == Status.NEEDS_VERIFICATION else status_label(s))
        for s in Status
    ]


@staff_page("GET")
def staff_list(request: HttpRequest) -> HttpResponse:
    chosen = {name: request.GET.get(name, "").strip() for name in _LIST_FILTERS}
    error = ""
    try:
        rows = selectors.registration_list(user=request.user, **chosen)
    except RegistrationError as exc:
        if exc.code == C.FORBIDDEN:
            raise
        error = exc.message
        rows = selectors.registration_list(user=request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in chosen.items() if v})
    labels = selectors.status_labels(page)
    return render(
        request,
        "registrations/staff/list.html",
        {
            "page": page,
            "rows": [{"r": r, "status": labels[r.pk]} for r in page],
            "chosen": chosen,
            "query": query,
            "error": error,
            "statuses": _status_choices(),
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


class _DetailWrite(Protocol):
    """A write of a registration's page, its own field already given."""

    def __call__(self, *, actor: Actor, registration: Registration, note: str) -> object: ...


@staff_page("GET", "POST")
def staff_detail(request: HttpRequest, number: str) -> HttpResponse:
    registration = selectors.registration_get(user=request.user, number=number)
    message = error = ""
    if request.method == "POST":
        page_or_refuse(request, Capability.REGISTRATION_VERIFY)
        posted = request.POST
        # The page's two forms: each names its action and gives its own field beside the note.
        writes: dict[str, _DetailWrite] = {
            "flag": partial(
                services.registration_flag_vulnerability,
                vulnerability=posted.get("vulnerability", ""),
            ),
            "duplicate": partial(
                services.registration_mark_duplicate,
                other_number=posted.get("other_number", ""),
            ),
        }
        write = writes.get(posted.get("action", ""))
        if write is not None:
            try:
                write(
                    actor=request_actor(request),
                    registration=registration,
                    note=posted.get("note", ""),
                )
            except RegistrationError as exc:
                error = exc.message
            else:
                message = "saved"
        registration = selectors.registration_get(user=request.user, number=number)
    made = request.session.get(SESSION_KEY, {})
    return render(
        request,
        "registrations/staff/detail.html",
        {
            "r": registration,
            "members": list(registration.members.all()),
            "history": history_of(registration),
            "status": selectors.registration_status_label(registration),
            "appointment": with_notice_links(registration, staff=True),
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


_OUTCOMES: dict[str, list[TaskOutcome]] = {
    kind: [o for o in TaskOutcome if o in allowed] for kind, allowed in OUTCOMES_BY_KIND.items()
}


@staff_page("GET", "POST")
def staff_tasks(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, Capability.REGISTRATION_REVIEW_HOLDS):
        page_or_refuse(request, Capability.REGISTRATION_VERIFY)
    user = request_actor(request)
    error = ""
    if request.method == "POST":
        try:
            task_id = int(request.POST.get("task", "0") or 0)
        except ValueError:
            task_id = 0
        try:
            if request.POST.get("action") == "assign":
                assignment.registration_assign(
                    actor=user,
                    number=request.POST.get("number", ""),
                    organisation_id=_int(request.POST.get("organisation", "")),
                )
            else:
                services.review_task_close(
                    actor=user,
                    task_id=task_id,
                    outcome=request.POST.get("outcome", ""),
                    note=request.POST.get("note", ""),
                )
        except RegistrationError as exc:
            error = exc.message
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
        user,
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
        unassigned = task.kind == TaskKind.CALLBACK and all(
            r.organisation_id is None for r in registrations
        )
        tasks.append(
            {
                "task": task,
                "own": own,
                "unassigned": unassigned,
                "others": len(registrations) - len(own),
                "details": (
                    task_details(task.kind, task.detail, note=task.opening_note) if own else []
                ),
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
            "organisations": (
                Organisation.objects.order_by("name")
                if has_capability(user, Capability.REGISTRATION_REVIEW_HOLDS)
                else []
            ),
        },
        status=400 if error else 200,
    )


TASKS_PER_PAGE = 20


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        return 0


@staff_page("GET")
def staff_export(request: HttpRequest) -> HttpResponse:
    """The organisation's registrations (the list's filters apply) as a CSV file."""
    page_or_refuse(request, Capability.REGISTRATION_CREATE)
    chosen = {name: request.GET.get(name, "").strip() for name in _LIST_FILTERS}
    rows = selectors.registration_list(user=request.user, **chosen)
    body = exports.registrations_export_csv(actor=request_actor(request), rows=rows)
    return csv_response(body, "registrations.csv")


@staff_page("GET")
def staff_slip(request: HttpRequest, number: str) -> HttpResponse:
    """The registration slip (number, PIN when this session made it, how to check the
    status), printed in the family's language."""
    registration = selectors.registration_get(user=request.user, number=number)
    made = request.session.get(SESSION_KEY, {})
    return render(
        request,
        "registrations/staff/slip.html",
        {"slips": [slip(registration, made.get(registration.number, ""))]},
    )
