"""Admin: people and family units are read through the application (audited), not the admin.

The admin lists them by id only, without names, so that no unaudited read of personal data
happens there; changes go through the services.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from asilo.web.people.models import FamilyUnit, Person


class _ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(_ReadOnlyAdmin):
    list_display = ("id", "nationality", "sex", "estimated_age", "created_at")
    list_filter = ("nationality", "sex")
    fields = ("nationality", "sex", "estimated_age", "age_recorded_on", "created_at")


@admin.register(FamilyUnit)
class FamilyUnitAdmin(_ReadOnlyAdmin):
    list_display = ("id", "created_at")
    fields = ("created_at",)
