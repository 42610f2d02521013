"""Reads of the audit trail: the auditor's search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone

from asilo.web.audit.models import AuditEntry

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    """What to look for; every field is optional. Dates are whole days in the site's zone."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: date | None = None
    until: date | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(filters: AuditFilters) -> QuerySet[AuditEntry]:
    """Entries matching ``filters``, newest first. ``until`` includes that whole day."""
    entries = AuditEntry.objects.all()
    if filters.actor:
        entries = entries.filter(actor_username=filters.actor)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.object_type:
        entries = entries.filter(object_type=filters.object_type)
    if filters.object_id:
        entries = entries.filter(object_id=filters.object_id)
    if filters.since is not None:
        entries = entries.filter(at__gte=_start_of(filters.since))
    if filters.until is not None:
        entries = entries.filter(at__lt=_start_of(filters.until + timedelta(days=1)))
    return entries.order_by("-at", "-id")


def audit_page(filters: AuditFilters, page: int = 1, per_page: int = PAGE_SIZE) -> Page[AuditEntry]:
    """One page of :func:`audit_entries` (a page past the end gives the last page)."""
    return Paginator(audit_entries(filters), per_page).get_page(page)


def object_types() -> list[str]:
    return list(
        AuditEntry.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
    )
