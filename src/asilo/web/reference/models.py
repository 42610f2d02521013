"""The southwest border's places: sectors, field offices, land ports of entry."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Place(models.Model):
    """What every place of the border has: a unique name (its order and, unless it says
    otherwise, how it is shown) and its U.S. state."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    state = models.CharField(_("state"), max_length=2)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Sector(Place):
    """A U.S. Border Patrol sector (area of responsibility between ports of entry)."""

    aor_name = models.CharField(_("area of responsibility"), max_length=100)
    abbreviation = models.CharField(_("abbreviation"), max_length=8, unique=True)
    mexican_states = models.JSONField(_("Mexican states across the line"), default=list)

    class Meta(Place.Meta):
        verbose_name = _("Border Patrol sector")
        verbose_name_plural = _("Border Patrol sectors")

    def __str__(self) -> str:
        return self.aor_name


class FieldOffice(Place):
    """A CBP Office of Field Operations field office (area of responsibility of its ports)."""

    abbreviation = models.CharField(_("abbreviation"), max_length=40, unique=True)

    class Meta(Place.Meta):
        verbose_name = _("CBP field office")
        verbose_name_plural = _("CBP field offices")


class PortOfEntry(Place):
    """A land port of entry, with the persons per day it can process (0: none set)."""

    field_office = models.ForeignKey(
        FieldOffice, on_delete=models.PROTECT, related_name="ports", verbose_name=_("field office")
    )
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="ports", verbose_name=_("sector")
    )
    mexican_state = models.CharField(_("Mexican state across the line"), max_length=40)
    aliases = models.JSONField(_("other names"), default=list, blank=True)
    daily_capacity = models.PositiveIntegerField(
        _("daily processing capacity (persons)"),
        default=0,
        help_text=_("Persons the port can process per day; 0 when not set."),
    )

    class Meta(Place.Meta):
        verbose_name = _("port of entry")
        verbose_name_plural = _("ports of entry")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(daily_capacity__lte=100000), name="port_capacity_plausible"
            )
        ]
