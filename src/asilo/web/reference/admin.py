"""Reference data in the admin: managed by holders of ``reference.manage`` (administrators)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from asilo.web.core.actors import request_actor
from asilo.web.core.admin import CapabilityAdminMixin
from asilo.web.core.roles import Capability
from asilo.web.reference.models import FieldOffice, PortOfEntry, Sector
from asilo.web.reference.services import reference_delete, reference_save


class ReferenceAdmin(CapabilityAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    capability = Capability.REFERENCE_MANAGE

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        reference_save(actor=request_actor(request), obj=obj, changed=list(form.changed_data))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        reference_delete(actor=request_actor(request), obj=obj)


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
