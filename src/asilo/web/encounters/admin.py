"""Admin: read-only lists of encounters, custody, overrides, exceptions and tasks (ids only, no
personal data). Every change goes through the services, which check rights and audit."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from asilo.web.encounters.models import (
    Custody,
    Encounter,
    FamilyException,
    Override,
    ReunificationTask,
)


class _ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Encounter)
class EncounterAdmin(_ReadOnlyAdmin):
    list_display = ("id", "encounter_date", "component", "place_name", "status", "recorded_at")
    list_filter = ("component", "status", "place_name")
    exclude = ("document", "request_digest")


@admin.register(Custody)
class CustodyAdmin(_ReadOnlyAdmin):
    list_display = ("id", "encounter", "booked_in_at", "due_at", "booked_out_at", "outcome")
    list_filter = ("outcome",)


@admin.register(Override)
class OverrideAdmin(_ReadOnlyAdmin):
    list_display = ("id", "pathway", "within_options", "overridden_at", "verdict", "reviewed_at")
    list_filter = ("verdict", "within_options")
    exclude = ("reason", "review_note")


@admin.register(FamilyException)
class FamilyExceptionAdmin(_ReadOnlyAdmin):
    list_display = ("id", "custody", "outcome", "status", "requested_at", "decided_at")
    list_filter = ("status", "outcome")
    exclude = ("reason", "decision_note")


@admin.register(ReunificationTask)
class ReunificationTaskAdmin(_ReadOnlyAdmin):
    list_display = ("id", "family_unit", "status", "opened_at", "closed_at")
    list_filter = ("status",)
    exclude = ("closing_note",)
