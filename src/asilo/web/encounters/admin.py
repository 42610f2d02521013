"""Admin: read-only lists of encounters, custody, overrides, exceptions and tasks (ids only, no
personal data). Every change goes through the services, which check rights and audit."""

from __future__ import annotations

from django.contrib import admin

from asilo.web.core.admin import ReadOnlyAdmin
from asilo.web.encounters.models import (
    Custody,
    Encounter,
    FamilyException,
    Override,
    ReunificationTask,
)


@admin.register(Encounter)
class EncounterAdmin(ReadOnlyAdmin):
    list_display = ("id", "encounter_date", "component", "place_name", "status", "recorded_at")
    list_filter = ("component", "status", "place_name")
    exclude = ("document", "request_digest")


@admin.register(Custody)
class CustodyAdmin(ReadOnlyAdmin):
    list_display = ("id", "encounter", "booked_in_at", "due_at", "booked_out_at", "outcome")
    list_filter = ("outcome",)


@admin.register(Override)
class OverrideAdmin(ReadOnlyAdmin):
    list_display = ("id", "pathway", "within_options", "overridden_at", "verdict", "reviewed_at")
    list_filter = ("verdict", "within_options")
    exclude = ("reason", "review_note")


@admin.register(FamilyException)
class FamilyExceptionAdmin(ReadOnlyAdmin):
    list_display = ("id", "custody", "outcome", "status", "requested_at", "decided_at")
    list_filter = ("status", "outcome")
    exclude = ("reason", "decision_note")


@admin.register(ReunificationTask)
class ReunificationTaskAdmin(ReadOnlyAdmin):
    list_display = ("id", "family_unit", "status", "opened_at", "closed_at")
    list_filter = ("status",)
    exclude = ("closing_note",)
