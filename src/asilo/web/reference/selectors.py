"""Reads of the reference data."""

from __future__ import annotations

from django.db.models import QuerySet

from asilo.web.reference.models import FieldOffice, PortOfEntry, Sector


def sector_list() -> QuerySet[Sector]:
    return Sector.objects.all()


def field_office_list() -> QuerySet[FieldOffice]:
    return FieldOffice.objects.all()


def port_list() -> QuerySet[PortOfEntry]:
    return PortOfEntry.objects.select_related("field_office", "sector")


def port_capacities() -> dict[str, int]:
    """Persons per day by port name (ports with no capacity set are left out)."""
    return dict(
        PortOfEntry.objects.filter(daily_capacity__gt=0).values_list("name", "daily_capacity")
    )
