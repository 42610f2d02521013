"""What the registration pages share: refusals rendered as pages, the session's new numbers
and PINs, the form (for the family and for a caseworker), the appointment with its notice
links."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from asilo.web.core.access import refuse
from asilo.web.core.actors import request_actor
from asilo.web.core.ratelimits import client_address, refuse_if_rate_limited
from asilo.web.core.roles import Capability, has_capability
from asilo.web.registrations import selectors, services
from asilo.web.registrations.devices import device_of
from asilo.web.registrations.errors import (
    RegistrationError,
    RegistrationInputError,
)
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.forms import (
    FormPage,
    family_size,
    post_to_data,
)
from asilo.web.registrations.models import (
    Program,
    Registration,
)
from asilo.web.registrations.validation import MAX_MEMBERS

SESSION_KEY = "registrations_just_made"


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


def staff_page(*methods: str) -> Callable[[View], View]:
    """A caseworker's or supervisor's page: signed in (else the sign-in page), answering
    only ``methods`` (else 405), a refusal from the app's vocabulary rendered as a page."""

    def decorate(view: View) -> View:
        return login_required(domain_errors(require_http_methods(list(methods))(view)))

    return decorate


def remember(request: HttpRequest, number: str, pin: str | None) -> None:
    """Keep the new registration's number and PIN in this browser's session so that the
    confirmation page (and a resubmission of the same form) can show them again."""
    made = dict(request.session.get(SESSION_KEY, {}))
    if pin is not None or number not in made:
        made[number] = pin or made.get(number) or ""
    request.session[SESSION_KEY] = made


def history_of(registration: Registration) -> list[dict[str, Any]]:
    return selectors.status_history(registration)


def with_notice_links(registration: Registration, *, staff: bool = False) -> dict[str, Any] | None:
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


def form_page(
    request: HttpRequest, page: FormPage, *, staff: bool, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "registrations/form.html",
        {"page": page, "staff": staff, "current_language": get_language()},
        status=status,
    )


def start_page(request: HttpRequest, *, staff: bool) -> HttpResponse:
    """The start page: the programs open for registration (one preselected when only one is
    open, the closed ones said so) and the family sizes to choose from."""
    programs, preselected, closed = selectors.start_choices(selectors.open_programs())
    context = {
        "programs": programs,
        "preselected": preselected,
        "closed": closed,
        "sizes": range(1, MAX_MEMBERS + 1),
        "staff": staff,
    }
    return render(request, "registrations/start.html", context)


def register_page(request: HttpRequest, *, staff: bool) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    size = family_size(source.get("size", "1"))
    program = Program.objects.filter(code=source.get("program", ""), is_open=True).first()
    if program is None:
        raise RegistrationError(C.PROGRAM_NOT_FOUND, "program")
    if request.method == "GET":
        page = FormPage(program=program, size=size, client_request_id=str(uuid.uuid4()))
        page.values = {"language": get_language()}
        return form_page(request, page, staff=staff)
    data = post_to_data(request.POST, size=size)
    actor = request_actor(request) if staff else None
    if actor is None:
        refuse_if_rate_limited(request, data)
    try:
        submission = services.registration_submit(
            actor=actor,
            data=data,
            source=client_address(request),
            device=None if staff else device_of(request),
        )
    except RegistrationInputError as exc:
        page = FormPage(
            program=program,
            size=size,
            client_request_id=str(data["client_request_id"]),
            values=data,
            errors={e.field or "": e.message for e in exc.errors},
        )
        return form_page(request, page, staff=staff, status=400)
    number = submission.registration.number
    remember(request, number, submission.pin)
    # A caseworker lands on the family's page (with the PIN to hand over); the family on
    # its confirmation page.
    target = "registrations:detail" if staff else "registrations:done"
    return HttpResponseRedirect(reverse(target, args=[number]))


def page_or_refuse(request: HttpRequest, capability: Capability) -> None:
    if not has_capability(request.user, capability):
        match = request.resolver_match
        refuse(
            request.user,
            capability,
            object_type="registrations.page",
            note=f"{capability} refused at {getattr(match, 'view_name', '') or 'a page'}",
        )
        raise RegistrationError(C.FORBIDDEN)


def csv_response(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def slip(registration: Registration, pin: str) -> dict[str, Any]:
    return {
        "r": registration,
        "pin": pin,
        "language": registration.language if registration.language in ("en", "es", "ht") else "es",
        "status_url": reverse("registrations:status"),
    }
