"""Admin: people and family units are read through the application (audited), not the admin.

The admin lists them by id only, without names, so that no unaudited read of personal data
happens there; changes go through the services.
"""

from __future__ import annotations

from django.contrib import admin

from asilo.web.core.admin import ReadOnlyAdmin
from asilo.web.people.models import FamilyUnit, Person


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("id", "nationality", "sex", "estimated_age", "created_at")
    list_filter = ("nationality", "sex")
    fields = ("nationality", "sex", "estimated_age", "age_recorded_on", "created_at")


@admin.register(FamilyUnit)
class FamilyUnitAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at")
    fields = ("created_at",)
