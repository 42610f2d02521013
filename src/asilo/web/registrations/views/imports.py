"""A partner's list: the bulk import page, its numbers and PINs as a CSV file, and one
printable slip per family in the family's language."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from asilo.web.core.actors import request_actor
from asilo.web.core.relationships import RelationshipToPrincipal
from asilo.web.core.roles import Capability
from asilo.web.registrations import exports, importer, selectors
from asilo.web.registrations.errors import (
    RegistrationError,
)
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import (
    Program,
    Registration,
    Sex,
)
from asilo.web.registrations.reasons import status_label
from asilo.web.registrations.views.common import (
    csv_response,
    page_or_refuse,
    remember,
    slip,
    staff_page,
)

_IMPORT_KEY = "registrations_last_import"


@staff_page("GET", "POST")
def staff_import(request: HttpRequest) -> HttpResponse:
    page_or_refuse(request, Capability.REGISTRATION_CREATE)
    context: dict[str, Any] = {
        "programs": selectors.open_programs(),
        "columns": importer.ALL_COLUMNS,
        "sexes": [(s.value, s.label) for s in Sex],
        "relationships": [(r.value, r.label) for r in RelationshipToPrincipal],
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
        actor=request_actor(request),
        program=program,
        content=upload.read(),
    )
    for _family, number, pin, _status in report.created:
        remember(request, number, pin)
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


@staff_page("GET")
def staff_import_csv(request: HttpRequest) -> HttpResponse:
    """The last import's numbers and PINs (kept in this session only) as a CSV file."""
    page_or_refuse(request, Capability.REGISTRATION_CREATE)
    created = [tuple(c) for c in request.session.get(_IMPORT_KEY, [])]
    languages = dict(
        Registration.objects.filter(number__in=[c[1] for c in created]).values_list(
            "number", "language"
        )
    )
    body = exports.import_slips_csv(
        actor=request_actor(request),
        created=created,
        languages=languages,
    )
    return csv_response(body, "registrations-import.csv")


@staff_page("GET")
def staff_import_slips(request: HttpRequest) -> HttpResponse:
    """One printable slip per family of the last import, each in the family's language."""
    page_or_refuse(request, Capability.REGISTRATION_CREATE)
    created = [tuple(c) for c in request.session.get(_IMPORT_KEY, [])]
    slips = []
    for _family, number, pin, _status in created:
        registration = selectors.registration_get(user=request.user, number=number)
        slips.append(slip(registration, pin))
    return render(request, "registrations/staff/slip.html", {"slips": slips})
