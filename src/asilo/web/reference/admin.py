"""Reference data in the admin: managed by holders of ``reference.manage`` (administrators)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from asilo.web.core.roles import Capability, has_capability
from asilo.web.reference.models import FieldOffice, PortOfEntry, Sector


class ReferenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def _may(self, request: HttpRequest) -> bool:
        return has_capability(request.user, Capability.REFERENCE_MANAGE)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from asilo.web.reference.services import reference_save

        reference_save(actor=request.user, obj=obj, changed=list(form.changed_data))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        from asilo.web.reference.services import reference_delete

        reference_delete(actor=request.user, obj=obj)


@admin.register(Sector)
class SectorAdmin(ReferenceAdmin):
    list_display = ("name", "abbreviation", "state")


@admin.register(FieldOffice)
class FieldOfficeAdmin(ReferenceAdmin):
    list_display = ("name", "abbreviation", "state")


@admin.register(PortOfEntry)
class PortOfEntryAdmin(ReferenceAdmin):
    list_display = ("name", "field_office", "sector", "state", "daily_capacity")
    list_editable = ("daily_capacity",)
    list_filter = ("field_office", "sector", "state")
