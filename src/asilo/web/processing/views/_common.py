"""What the processing pages share: rights to 403, rendering, errors on forms, pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy

from asilo.web.accounts.roles import Capability
from asilo.web.core.access import require
from asilo.web.core.layout import layout_template
from asilo.web.people.errors import DomainError

DEMOGRAPHICS = {
    "single_adult": gettext_lazy("Single adult"),
    "family_unit": gettext_lazy("Family unit (FMUA)"),
    "unaccompanied_child": gettext_lazy("Unaccompanied child"),
    "accompanied_minor": gettext_lazy("Accompanied minor"),
}


def need(
    request: HttpRequest, capability: Capability, object_type: str, object_id: int | None = None
) -> None:
    """403 unless the user has the capability; the refusal is audited (``require``)."""
    try:
        require(request.user, capability, object_type=object_type, object_id=object_id)
    except DomainError as exc:
        raise PermissionDenied from exc


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context.setdefault("layout", layout_template())
    context.setdefault("now", timezone.now())
    context.setdefault("es", (get_language() or "en").startswith("es"))
    return render(request, template, context, status=status)


def raise_http(exc: DomainError) -> None:
    """Turn a refusal that is not about the input into the HTTP answer it stands for."""
    if exc.status == 403:
        raise PermissionDenied from exc
    if exc.status == 404:
        raise Http404 from exc


def put_error(form: Form, field: str | None, message: str) -> None:
    if field is not None and field in form.fields:
        form.add_error(field, message)
    else:
        form.add_error(None, message)


PAGE_SIZE = 50


def page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1
