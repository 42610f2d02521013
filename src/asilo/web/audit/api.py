"""``GET /api/v1/audit``: the audit trail for auditors (every refusal is audited)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from asilo.web.audit.access import may_read_audit
from asilo.web.audit.errors import AuditError, AuditErrorCode
from asilo.web.audit.models import AuditAction
from asilo.web.audit.selectors import AuditFilters, audit_page
from asilo.web.core.api import ErrorsOut

router = Router(tags=["audit"])


class AuditQuery(Schema):
    actor: str = Field("", max_length=150, description="Username of the actor")
    action: AuditAction | None = None
    object_type: str = Field("", max_length=60)
    object_id: str = Field("", max_length=64)
    since: date | None = Field(None, description="First day (inclusive)")
    until: date | None = Field(None, description="Last day (inclusive)")
    page: int = Field(1, ge=1)
    per_page: int = Field(50, ge=1, le=500)


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor_username: str
    actor_role: str
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    catalogue_version: str
    note: str


class AuditPageOut(Schema):
    count: int
    page: int
    pages: int
    entries: list[AuditEntryOut]


@router.get(
    "/audit",
    response={200: AuditPageOut, 400: ErrorsOut, 401: ErrorsOut, 403: ErrorsOut},
    summary="Search the audit trail (auditors)",
)
def search_audit(request: HttpRequest, query: Query[AuditQuery]) -> dict[str, Any]:
    """Entries newest first, filtered by actor, action, object and date range."""
    if not may_read_audit(request.user, where="GET /api/v1/audit"):
        raise AuditError(AuditErrorCode.FORBIDDEN)
    if query.since and query.until and query.since > query.until:
        raise AuditError(AuditErrorCode.BAD_DATE_RANGE, "until")
    filters = AuditFilters(
        actor=query.actor,
        action=query.action.value if query.action else "",
        object_type=query.object_type,
        object_id=query.object_id,
        since=query.since,
        until=query.until,
    )
    page = audit_page(filters, query.page, query.per_page)
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "entries": list(page.object_list),
    }
