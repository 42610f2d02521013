"""The public pages (no JavaScript, tiny pages, in Spanish, Haitian Creole and English): the
start page and the form, the confirmation, the status page with the appointment, a lost PIN,
the family's own members."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from asilo.web.core.relationships import RelationshipToPrincipal
from asilo.web.registrations import lockout, selectors, services
from asilo.web.registrations.devices import with_device_cookie
from asilo.web.registrations.errors import (
    RegistrationError,
    RegistrationInputError,
)
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.forms import (
    NATIONALITIES,
)
from asilo.web.registrations.models import (
    Registration,
    Sex,
)
from asilo.web.registrations.validation import MEMBER_FIELDS
from asilo.web.registrations.views.common import (
    SESSION_KEY,
    domain_errors,
    history_of,
    register_page,
    start_page,
    with_notice_links,
)


@require_http_methods(["GET"])
def start(request: HttpRequest) -> HttpResponse:
    return start_page(request, staff=False)


@domain_errors
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    # The form gives the family's browser its device id (a first-party cookie).
    return with_device_cookie(request, register_page(request, staff=False))


@require_http_methods(["GET"])
def done(request: HttpRequest, number: str) -> HttpResponse:
    made = request.session.get(SESSION_KEY, {})
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
            "history": history_of(registration),
            "status": selectors.registration_status_label(registration),
            "members": registration.members.count(),
            "awaiting_code": services.awaiting_code(registration),
            "code_number": registration.number,
        },
    )


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "registrations/status_form.html", {})
    number = request.POST.get("number", "")
    pin = request.POST.get("pin", "")
    try:
        registration = lockout.status_lookup(request, number=number, pin=pin)
    except RegistrationError as exc:
        return render(
            request,
            "registrations/status_form.html",
            {"error": exc.message, "number": number},
            status=exc.status,
        )
    history = history_of(registration)
    appointment = with_notice_links(registration)
    unverified_after = services.rules_unverified_after(registration.program)
    # The family signed in with its number and PIN here: its notice page opens without
    # asking again (the appointments app's family session).
    request.session["appointments_registration"] = registration.pk
    return render(
        request,
        "registrations/status.html",
        {
            "registration": registration,
            "status": selectors.registration_status_label(registration),
            "last": history[-1] if history else None,
            "history": history,
            "members": registration.members.count(),
            "appointment": appointment,
            "expected": None if appointment else selectors.expected_days(registration),
            "rules_unverified_after": unverified_after,
            "awaiting_code": services.awaiting_code(registration),
            "code_number": registration.number,
        },
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
            lockout.code_tries(request)
            try:
                context["pin"] = services.pin_recovery_confirm(
                    number=number, code=request.POST.get("code", "")
                )
            except RegistrationError as wrong:
                if wrong.code == C.PIN_CODE_INVALID:
                    lockout.code_tries(request, wrong=True)
                raise
            context["step"] = "done"
            context["number"] = services.normalise_number(number)
            # This browser proved it reaches the family's contact: someone else's wrong PINs
            # on the number no longer lock it out (registrations.lockout).
            lockout.trust(request, number)
        except RegistrationError as exc:
            context.update({"step": "code", "error": exc.message})
            status_code = exc.status
    return render(request, "registrations/recover.html", context, status=status_code)


@require_http_methods(["POST"])
def verify_contact(request: HttpRequest) -> HttpResponse:
    """The code sent to the family's phone or e-mail → the family joins the queue; or
    another code. The same answers whatever the number (``services.contact``)."""
    number = services.normalise_number(request.POST.get("number", "").strip())
    context: dict[str, Any] = {"code_number": number}
    status_code = 200
    if request.POST.get("action") == "resend":
        services.registration_contact_resend(number=number)
        context["code_resent"] = True
    else:
        try:
            services.registration_contact_confirm(number=number, code=request.POST.get("code", ""))
            context["confirmed"] = True
        except RegistrationError as exc:
            context["code_error"] = exc.message
            status_code = exc.status
    return render(request, "registrations/verify.html", context, status=status_code)


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
                    data={name: request.POST.get(name, "") for name in MEMBER_FIELDS},
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
            "status": selectors.registration_status_label(registration),
            "members": list(registration.members.order_by("position")),
            "errors": errors,
            "done": done,
            "sexes": Sex.choices,
            "relationships": [
                c
                for c in RelationshipToPrincipal.choices
                if c[0] != RelationshipToPrincipal.PRINCIPAL
            ],
            "nationalities": NATIONALITIES,
        },
        status=400 if errors else 200,
    )
