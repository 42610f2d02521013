"""Admin: programs are edited here; registrations are read-only (changes go through services
so that every change has its reason and its audit entry)."""

from __future__ import annotations

from django.contrib import admin

from asilo.web.core.admin import ReadOnlyAdmin
from asilo.web.registrations.models import Program, Registration, ReviewTask


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "rule", "allocation_method", "is_open", "rules_as_of")
    list_filter = ("rule", "is_open")


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ("number", "program", "channel", "status", "tier", "registered_on")
    list_filter = ("program", "channel", "status", "tier")
    search_fields = ("number",)
    # Only non-identifying fields: personal data is read through the audited pages.
    fields = ("number", "program", "channel", "organisation", "status", "tier", "registered_on")


@admin.register(ReviewTask)
class ReviewTaskAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "state", "opened_at", "outcome")
    list_filter = ("kind", "state")
    fields = ("kind", "state", "opened_at", "closed_at", "outcome")
