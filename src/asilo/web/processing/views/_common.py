"""What the processing pages share: rights to 403, rendering, errors on forms, pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy

from asilo.web.core.access import require
from asilo.web.core.actors import request_actor
from asilo.web.core.layout import layout_template
from asilo.web.core.pages import raise_http
from asilo.web.core.roles import Capability
from asilo.web.encounters.models import Authority, Outcome, Pathway
from asilo.web.people.errors import DomainError

T = TypeVar("T")
View = Callable[..., HttpResponse]

DEMOGRAPHICS = {
    "single_adult": gettext_lazy("Single adult"),
    "family_unit": gettext_lazy("Family unit (FMUA)"),
    "unaccompanied_child": gettext_lazy("Unaccompanied child"),
    "accompanied_minor": gettext_lazy("Accompanied minor"),
}


def needs(capability: Capability, object_type: str) -> Callable[[View], View]:
    """A page for a signed-in user (anyone else goes to sign-in) holding ``capability``; else
    403, the refusal audited on ``object_type`` and the id in the page's address, if any."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, **ids: int) -> HttpResponse:
            object_id = next(iter(ids.values()), None)
            try:
                require(request.user, capability, object_type=object_type, object_id=object_id)
            except DomainError as exc:
                raise PermissionDenied from exc
            return view(request, **ids)

        return wrapped

    return decorate


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context.setdefault("layout", layout_template())
    context.setdefault("now", timezone.now())
    context.setdefault("es", (get_language() or "en").startswith("es"))
    # The words of the codes the pages show (``{{ code|label_of:pathways }}``).
    context.setdefault("pathways", dict(Pathway.choices))
    context.setdefault("authorities", dict(Authority.choices))
    context.setdefault("outcomes", dict(Outcome.choices))
    context.setdefault("demographics", DEMOGRAPHICS)
    return render(request, template, context, status=status)


def put_error(form: Form, field: str | None, message: str) -> None:
    if field is not None and field in form.fields:
        form.add_error(field, message)
    else:
        form.add_error(None, message)


def attempt(
    request: HttpRequest,
    form: Form,
    write: Callable[..., object],
    fields: tuple[str, ...] | None = None,
    *,
    refusals_on_form: bool = False,
    **arguments: Any,
) -> bool:
    """Run a service's write for a bound form, if it is valid: ``write(actor=<the signed-in
    user>, <each of the form's fields (or only ``fields``) by its name>, **arguments)``; True
    when it was done. The form's fields are named after the service's arguments.

    A refusal about the input is put on the form, beside its field (or above the form for a
    field the form does not have). A refusal that is not about the input becomes its HTTP
    answer (403, 404) — unless ``refusals_on_form``: then only "not found" does, and a refusal
    such as reviewing one's own decision is shown on the form, beside the verdict, rather
    than as a bare "forbidden" page.
    """
    if not form.is_valid():
        return False
    data = form.cleaned_data
    given = data if fields is None else {name: data[name] for name in fields}
    try:
        write(actor=request_actor(request), **given, **arguments)
    except DomainError as exc:
        if not refusals_on_form:
            raise_http(exc)
        elif exc.status == 404:
            raise Http404 from exc
        put_error(form, exc.field, exc.message)
        return False
    return True


def read_or_refuse(request: HttpRequest, read: Callable[..., T], **ids: int) -> T:
    """A selector's audited read of one record for the signed-in user (``read(actor=...,
    **ids)``); a refusal or an unknown id is the page's 403 or 404."""
    try:
        return read(actor=request_actor(request), **ids)
    except DomainError as exc:
        raise_http(exc)
        raise


PAGE_SIZE = 50


def page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1
