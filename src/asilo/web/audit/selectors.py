"""Reads of the audit trail: the auditor's search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from asilo.web.audit.chain import FIELDS, ChainReport, verify_chain
from asilo.web.audit.models import AuditEntry
from asilo.web.audit.triggers import TABLE

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


def audit_chain_report() -> ChainReport:
    """Verify the whole hash chain, in id order, streaming."""
    rows = AuditEntry.objects.order_by("id").values("id", "prev_hash", "entry_hash", *FIELDS)
    return verify_chain(rows.iterator(chunk_size=5000))


def audit_triggers_present() -> bool:
    """True when the database's append-only triggers are in place."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
            return bool(cursor.fetchone()[0] == 2)
        cursor.execute(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relname = %s AND NOT t.tgisinternal",
            [TABLE],
        )
        return bool(cursor.fetchone()[0] == 2)
