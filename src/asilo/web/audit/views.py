"""The auditor's search page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from asilo.web.audit.access import may_read_audit
from asilo.web.audit.forms import AuditSearchForm
from asilo.web.audit.selectors import audit_page


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Search by actor, action, object type and id, and date range; 50 entries a page."""
    if not may_read_audit(request.user, where="page /audit/"):
        return render(request, "403.html", status=403)
    form = AuditSearchForm(request.GET)
    page = None
    query = ""
    if form.is_valid():
        page = audit_page(form.filters(), _page_number(request))
        query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    template = "audit/_results.html" if getattr(request, "htmx", False) else "audit/search.html"
    status = 200 if form.is_valid() else 400
    return render(request, template, {"form": form, "page": page, "query": query}, status=status)
