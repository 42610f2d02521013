"""Read-only admin lists (ids, ports, dates, counts; no personal data)."""

from __future__ import annotations

from django.contrib import admin

from asilo.web.appointments.models import AllocationRun, Appointment, OutboxMessage, PortCapacity
from asilo.web.core.admin import ReadOnlyAdmin


@admin.register(PortCapacity)
class PortCapacityAdmin(ReadOnlyAdmin):
    list_display = ("program", "port", "date", "capacity", "opens_at", "closes_at")
    list_filter = ("program", "port")
    date_hierarchy = "date"


@admin.register(AllocationRun)
class AllocationRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "program",
        "method_name",
        "method_version",
        "seed",
        "allocated_count",
        "started_at",
    )
    exclude = ("inputs",)


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "run", "port", "date", "window_start", "family_size", "status")
    list_filter = ("status", "port")
    fields = ("run", "port", "date", "window_start", "window_end", "family_size", "status")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "channel", "language", "status", "attempts", "created_at")
    list_filter = ("status", "kind", "channel")
    fields = ("kind", "channel", "language", "status", "attempts", "last_error", "created_at")
