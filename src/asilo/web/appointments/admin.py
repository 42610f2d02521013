"""Read-only admin lists (ids, ports, dates, counts; no personal data)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from asilo.web.appointments.models import AllocationRun, Appointment, OutboxMessage, PortCapacity


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    """Changes go through the services (audited), never through the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PortCapacity)
class PortCapacityAdmin(ReadOnly):
    list_display = ("program", "port", "date", "capacity", "opens_at", "closes_at")
    list_filter = ("program", "port")
    date_hierarchy = "date"


@admin.register(AllocationRun)
class AllocationRunAdmin(ReadOnly):
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
class AppointmentAdmin(ReadOnly):
    list_display = ("id", "run", "port", "date", "window_start", "family_size", "status")
    list_filter = ("status", "port")
    fields = ("run", "port", "date", "window_start", "window_end", "family_size", "status")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnly):
    list_display = ("id", "kind", "channel", "language", "status", "attempts", "created_at")
    list_filter = ("status", "kind", "channel")
    fields = ("kind", "channel", "language", "status", "attempts", "last_error", "created_at")
