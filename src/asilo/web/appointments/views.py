"""Pages: capacities, runs, the day at the ports, fairness (staff); check-in (officers); the
family's notice with its QR code (registration number and PIN). Thin: services do the work."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, time
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from asilo.web.appointments import selectors, services
from asilo.web.appointments.calendar import appointment_ics
from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.errors import AppointmentErrorCode as C
from asilo.web.appointments.models import AllocationRun, Appointment, AppointmentStatus
from asilo.web.appointments.notifications import notice_language
from asilo.web.appointments.ports import port_info, zone_of
from asilo.web.appointments.tokens import notice_token, qr_svg
from asilo.web.audit.services import audit_view
from asilo.web.core.access import refuse, require
from asilo.web.core.actors import request_actor
from asilo.web.core.disclosure import aggregates_only
from asilo.web.core.errors import Forbidden
from asilo.web.core.roles import Capability, has_capability
from asilo.web.people.errors import DomainError
from asilo.web.registrations import lockout
from asilo.web.registrations.models import Member, Program, Registration

SESSION_KEY = "appointments_registration"
View = Callable[..., HttpResponse]


def needs(*capabilities: Capability) -> Callable[[View], View]:
    """Signed in and holding at least one of ``capabilities`` (else 403, audited)."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not any(has_capability(request.user, c) for c in capabilities):
                with contextlib.suppress(Forbidden):
                    require(request.user, capabilities[0], object_type="appointments.page")
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _program(request: HttpRequest) -> Program | None:
    code = request.GET.get("program") or request.POST.get("program")
    programs = Program.objects.all()
    if code:
        return programs.filter(code=code).first()
    return programs.filter(code="port-appointments-2023").first() or programs.first()


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The page, answered with the status of its refusal (``context["error"]``), if any."""
    error: DomainError | None = context.get("error")
    return render(request, template, context, status=error.status if error else 200)


def _day(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        return default


def _time(value: str | None) -> time | None:
    if not value:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise AppointmentError(C.HOURS_INVALID, "opens_at") from exc


def _int(value: str | None, field: str, code: C, **params: Any) -> int:
    try:
        return int((value or "").strip())
    except ValueError as exc:
        raise AppointmentError(code, field, **params) from exc


# --- capacities ----------------------------------------------------------------------------


@needs(Capability.CAPACITY_MANAGE)
@require_http_methods(["GET", "POST"])
def capacities(request: HttpRequest) -> HttpResponse:
    program = _program(request)
    start = _day(request.GET.get("start"), timezone.localdate())
    error: DomainError | None = None
    if request.method == "POST" and program is not None:
        try:
            row = services.capacity_set(
                actor=request_actor(request),
                program=program,
                port=request.POST.get("port", ""),
                day=selectors.parse_day(request.POST.get("date")),
                capacity=_int(
                    request.POST.get("capacity"),
                    "capacity",
                    C.CAPACITY_INVALID,
                    limit=services.MAX_CAPACITY,
                ),
                opens_at=_time(request.POST.get("opens_at")),
                closes_at=_time(request.POST.get("closes_at")),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(
                request,
                _("Capacity of %(port)s on %(date)s set to %(n)s persons.")
                % {"port": row.port, "date": row.date.isoformat(), "n": row.capacity},
            )
            return redirect(f"{request.path}?program={program.code}&start={start.isoformat()}")
    context = {
        "programs": Program.objects.all(),
        "program": program,
        "start": start,
        "rows": selectors.capacities(program, start) if program else [],
        "error": error,
        "form": request.POST if error else {},
    }
    return _page(request, "appointments/capacities.html", context)


# --- allocation runs ---------------------------------------------------------------------------


@needs(Capability.ALLOCATION_RUN, Capability.FAIRNESS_VIEW, Capability.AUDIT_VIEW)
@require_http_methods(["GET", "POST"])
def runs(request: HttpRequest) -> HttpResponse:
    program = _program(request)
    error: DomainError | None = None
    if request.method == "POST":
        if not has_capability(request.user, Capability.ALLOCATION_RUN):
            raise PermissionDenied
        try:
            if program is None:
                raise AppointmentError(C.PROGRAM_NOT_FOUND, "program")
            start = selectors.parse_day(request.POST.get("start"))
            if start < timezone.localdate():
                raise AppointmentError(C.DATE_IN_PAST, "start")
            raw_seed = (request.POST.get("seed") or "").strip()
            seed = _int(raw_seed, "seed", C.SEED_INVALID) if raw_seed else None
            if seed is not None and seed < 0:
                raise AppointmentError(C.SEED_INVALID, "seed")
        except DomainError as exc:
            error = exc
        else:
            from asilo.web.appointments.tasks import run_allocation

            result = run_allocation.enqueue(
                program=program.code, start=start.isoformat(), seed=seed, actor_id=request.user.pk
            )
            messages.success(
                request,
                _(
                    "The allocation is queued as a background task (%(id)s). It appears below when"
                    " it has run."
                )
                % {"id": result.id},
            )
            return redirect(f"{request.path}?program={program.code}")
    context = {
        "programs": Program.objects.all(),
        "program": program,
        "runs": selectors.runs(program)[:50] if program else [],
        "queued": selectors.queued_runs(program) if program else [],
        "waiting": selectors.families_waiting(program) if program else 0,
        "can_run": has_capability(request.user, Capability.ALLOCATION_RUN),
        "today": timezone.localdate(),
        "error": error,
    }
    return _page(request, "appointments/runs.html", context)


@needs(Capability.ALLOCATION_RUN, Capability.FAIRNESS_VIEW, Capability.AUDIT_VIEW)
@require_http_methods(["GET", "POST"])
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(AllocationRun.objects.select_related("program", "run_by"), pk=run_id)
    verification = None
    error: DomainError | None = None
    if request.method == "POST":
        try:
            verification = services.allocation_run_verify(
                actor=request_actor(request), run_id=run.pk
            )
        except DomainError as exc:
            error = exc
    # Analysts see aggregates only: the families' numbers and tiers are for supervisors and
    # auditors.
    can_see_families = has_capability(request.user, Capability.ALLOCATION_RUN) or has_capability(
        request.user, Capability.AUDIT_VIEW
    )
    context = {
        "run": run,
        "appointments": selectors.run_appointments(run)[:500] if can_see_families else [],
        "can_see_families": can_see_families,
        "verification": verification,
        "error": error,
    }
    return _page(request, "appointments/run_detail.html", context)


# --- the day at the ports ------------------------------------------------------------------


@needs(Capability.ALLOCATION_RUN)
@require_http_methods(["GET", "POST"])
def day(request: HttpRequest) -> HttpResponse:
    on = _day(request.GET.get("date") or request.POST.get("date"), timezone.localdate())
    port = request.GET.get("port", "")
    shown = request.GET.get("status", "").strip()
    error: DomainError | None = None
    if shown and shown not in AppointmentStatus.values:
        error = AppointmentError(C.STATUS_INVALID, "status", value=shown[:30])
        shown = ""
    if request.method == "POST":
        try:
            closed = services.appointments_close_day(actor=request_actor(request), day=on)
        except DomainError as exc:
            error = exc
        else:
            messages.success(
                request,
                _("Day %(day)s closed: %(n)s no-shows, %(back)s back in the queue.")
                % {"day": on.isoformat(), "n": len(closed.no_shows), "back": closed.back_in_queue},
            )
            return redirect(f"{request.path}?date={on.isoformat()}")
    context = {
        "on": on,
        "port": port,
        "summary": selectors.day_summary(on),
        "appointments": selectors.day_at_port(port, on, shown) if port else [],
        "shown": shown,
        "shown_label": AppointmentStatus(shown).label if shown else "",
        "error": error,
        "statuses": AppointmentStatus,
    }
    return _page(request, "appointments/day.html", context)


# --- fairness ---------------------------------------------------------------------------------


@needs(Capability.FAIRNESS_VIEW)
def fairness(request: HttpRequest) -> HttpResponse:
    program = _program(request)
    # A role that sees only aggregates (the analyst): counts from 1 to 9 withheld (DHS OHSS).
    withhold = aggregates_only(request.user)
    context = {
        "programs": Program.objects.all(),
        "program": program,
        "report": selectors.fairness_report(program, withhold=withhold) if program else {},
        "min_cell": selectors.shown_min_cell(withhold=withhold),
        "withheld": withhold,
    }
    return render(request, "appointments/fairness.html", context)


# --- check-in ---------------------------------------------------------------------------------


def _family(appointment: Appointment) -> list[Member]:
    return list(Member.objects.filter(registration=appointment.registration).order_by("position"))


@needs(Capability.CHECKIN_PERFORM)
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest) -> HttpResponse:
    appointment: Appointment | None = None
    error: DomainError | None = None
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()
    action = request.POST.get("action", "find")
    try:
        if request.method == "POST" and action in ("check_in", "exception"):
            appointment_id = _int(
                request.POST.get("appointment"), "appointment", C.APPOINTMENT_NOT_FOUND
            )
            positions = request.POST.getlist("members")
            if action == "exception":
                services.checkin_exception_grant(
                    actor=request_actor(request),
                    appointment_id=appointment_id,
                    positions=positions,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("Exception granted for the members chosen."))
                appointment = Appointment.objects.select_related("registration").get(
                    pk=appointment_id
                )
            else:
                done = services.appointment_check_in(
                    actor=request_actor(request), appointment_id=appointment_id, positions=positions
                )
                messages.success(
                    request,
                    _("Checked in: %(n)s persons. Encounter #%(encounter)s started.")
                    % {"n": len(done.positions), "encounter": done.encounter.pk},
                )
                return redirect("appointments:checkin_done", appointment_id=appointment_id)
        elif code:
            appointment = services.appointment_for_code(actor=request_actor(request), code=code)
    except DomainError as exc:
        error = exc
        raw_id = request.POST.get("appointment") or ""
        if action in ("check_in", "exception") and raw_id.isdigit():
            appointment = (
                Appointment.objects.select_related("registration").filter(pk=int(raw_id)).first()
            )
    members = _family(appointment) if appointment is not None else []
    if appointment is not None:
        audit_view(actor=request_actor(request), obj=appointment.registration, note="check-in")
    context = {
        "code": code,
        "appointment": appointment,
        "members": members,
        "chosen": {int(p) for p in request.POST.getlist("members") if p.isdigit()}
        if request.method == "POST" and action in ("check_in", "exception")
        else {m.position for m in members},
        "today": timezone.localdate(),
        "error": error,
        "can_grant": has_capability(request.user, Capability.FAMILY_EXCEPTION_APPROVE),
    }
    return _page(request, "appointments/checkin.html", context)


@needs(Capability.CHECKIN_PERFORM)
def checkin_done(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = get_object_or_404(
        Appointment.objects.select_related("registration", "encounter"), pk=appointment_id
    )
    return render(request, "appointments/checkin_done.html", {"appointment": appointment})


# --- notices ------------------------------------------------------------------------------------


def _notice_context(appointment: Appointment | None) -> dict[str, Any]:
    """The notice's content. It is printed in the family's chosen language (its latest
    choice for notices, else the language it registered in), whoever prints it."""
    if appointment is None or appointment.status not in (
        AppointmentStatus.BOOKED,
        AppointmentStatus.CHECKED_IN,
    ):
        return {"appointment": appointment}
    token = notice_token(appointment.pk)
    _phone, _email, language = selectors.contact_of(appointment.registration)
    language = notice_language(language)
    with translation.override(language):
        qr = qr_svg(token, title=_("Appointment code"))
    port = port_info(appointment.port)
    return {
        "appointment": appointment,
        "token": token,
        "qr": qr,
        "members": _family(appointment),
        "notice_language": language,
        "port": port,
        "zone": zone_of(appointment.port).key,
        "ics_url": reverse("appointments:notice_ics", args=[appointment.pk]),
        "map_url": "https://www.openstreetmap.org/search?query="
        + quote(port.map_query if port else ""),
    }


def _staff_may_see(user: Any, registration: Registration) -> bool:
    if has_capability(user, Capability.REGISTRATION_VIEW_ALL):
        return True
    return (
        has_capability(user, Capability.REGISTRATION_VIEW_ORGANISATION)
        and user.organisation_id is not None
        and user.organisation_id == registration.organisation_id
    )


def _staff_reads(
    request: HttpRequest, registration: Registration, *, shown: str, refused: str
) -> bool:
    """Whether the signed-in staff member may see the family's appointment; audited either
    way: a view of what is ``shown``, or a refusal noted ``refused``."""
    if not _staff_may_see(request.user, registration):
        refuse(request.user, Capability.REGISTRATION_VIEW_ORGANISATION, registration, note=refused)
        return False
    audit_view(actor=request_actor(request), obj=registration, note=shown)
    return True


@needs(Capability.REGISTRATION_VIEW_ALL, Capability.REGISTRATION_VIEW_ORGANISATION)
def staff_notice(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = get_object_or_404(
        Appointment.objects.select_related("registration"), pk=appointment_id
    )
    if not _staff_reads(
        request,
        appointment.registration,
        shown="appointment notice",
        refused="appointment notice of another organisation's family",
    ):
        raise PermissionDenied
    context = _notice_context(appointment)
    context["registration"] = appointment.registration
    return render(request, "appointments/notice.html", context)


@require_http_methods(["GET"])
def notice_ics(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """The appointment as a calendar file, for the family signed in with its number and PIN
    or for staff who may see the registration; in the family's language."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("registration"), pk=appointment_id
    )
    family = _signed_in_family(request)
    if family is None or family.pk != appointment.registration_id:
        if not request.user.is_authenticated:
            raise Http404
        if not _staff_reads(
            request,
            appointment.registration,
            shown="calendar file",
            refused="calendar file of a family the caller may not see",
        ):
            raise Http404
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN):
        raise Http404
    _phone, _email, language = selectors.contact_of(appointment.registration)
    body = appointment_ics(appointment, notice_language(language))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="appointment-{appointment.registration.number}.ics"'
    )
    return response


@require_http_methods(["GET", "POST"])
def family_login(request: HttpRequest) -> HttpResponse:
    error: DomainError | None = None
    if request.method == "POST":
        try:
            registration = lockout.status_lookup(
                request, number=request.POST.get("number", ""), pin=request.POST.get("pin", "")
            )
        except DomainError as exc:
            error = exc
        else:
            request.session.cycle_key()
            request.session[SESSION_KEY] = registration.pk
            return redirect("appointments:family_notice")
    return _page(
        request,
        "appointments/family_login.html",
        {"error": error, "number": request.POST.get("number", "")},
    )


def _signed_in_family(request: HttpRequest) -> Registration | None:
    pk = request.session.get(SESSION_KEY)
    return Registration.objects.filter(pk=pk).first() if pk else None


@require_http_methods(["GET", "POST"])
def family_notice(request: HttpRequest) -> HttpResponse:
    registration = _signed_in_family(request)
    if registration is None:
        messages.info(request, _("Sign in with your registration number and PIN."))
        return redirect("appointments:family_login")
    error: DomainError | None = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "resend":
                services.notice_resend(actor=None, registration=registration)
                messages.success(request, _("The notice is being sent again."))
            elif action == "contact":
                services.notice_contact_change(
                    actor=None,
                    registration=registration,
                    phone=request.POST.get("phone", ""),
                    email=request.POST.get("email", ""),
                    language=request.POST.get("language", ""),
                )
                messages.success(request, _("Your notices will go to the new contact."))
            elif action in ("cancel", "another_date"):
                if request.POST.get("confirm") != "yes":
                    raise AppointmentError(C.ACTION_INVALID, "confirm")
                services.appointment_change(actor=None, registration=registration, action=action)
                messages.success(
                    request,
                    _("Your appointment is cancelled.")
                    if action == "cancel"
                    else _("You are back in the queue with your original place."),
                )
            else:
                raise AppointmentError(C.ACTION_INVALID, "action")
        except DomainError as exc:
            error = exc
        else:
            return redirect("appointments:family_notice")
    appointment = selectors.latest_appointment(registration)
    context = _notice_context(appointment)
    phone, email, language = selectors.contact_of(registration)
    context.update(
        {
            "registration": registration,
            "family": True,
            "error": error,
            "contact": {"phone": phone or "", "email": email or "", "language": language},
            "back_in_queue": appointment is not None
            and appointment.status in (AppointmentStatus.NO_SHOW, AppointmentStatus.RESCHEDULED)
            and selectors.no_show_count(registration) < 2,
        }
    )
    return _page(request, "appointments/notice.html", context)


@require_http_methods(["POST"])
def family_logout(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect("appointments:family_login")
