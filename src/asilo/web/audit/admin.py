"""The audit trail in the admin: read-only, no delete, for holders of ``audit.view``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from asilo.web.audit.models import AuditEntry
from asilo.web.core.admin import ReadOnlyAdmin
from asilo.web.core.roles import Capability, has_capability


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_username", "actor_role", "action", "object_type", "object_id")
    list_filter = ("action", "actor_role", "object_type")
    search_fields = ("actor_username", "object_type", "object_id")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_capability(request.user, Capability.AUDIT_VIEW)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_capability(request.user, Capability.AUDIT_VIEW)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}
