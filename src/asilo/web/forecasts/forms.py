"""The forecast pages' filters (GET forms): every value checked, errors on the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from asilo.forecast.models import ALL_MODELS, ENSEMBLE
from asilo.forecast.series import SECTOR_NAMES, SOUTHWEST_SECTORS

#: The series an analyst may pick: (SPEC, label).
SERIES_CHOICES: list[tuple[str, Any]] = [
    ("region=southwest", _("Southwest border, all encounters")),
    ("region=southwest,demographic=single_adult", _("Southwest border, single adults")),
    ("region=southwest,demographic=family_unit", _("Southwest border, family-unit members")),
    (
        "region=southwest,demographic=unaccompanied_child",
        _("Southwest border, unaccompanied children"),
    ),
    ("region=southwest,citizenship=mexico", _("Southwest border, Mexican nationals")),
    (
        "region=southwest,citizenship=northern-triangle",
        _("Southwest border, Guatemala, Honduras and El Salvador"),
    ),
    ("region=southwest,citizenship=chnv", _("Southwest border, Cuba, Haiti, Nicaragua, Venezuela")),
    ("state=TX", _("Texas")),
    ("state=AZ", _("Arizona")),
    ("state=CA", _("California")),
    ("state=NM", _("New Mexico")),
]
MODEL_CHOICES = [(m, m if m != ENSEMBLE else _("Ensemble")) for m in ALL_MODELS]
PLACE_CHOICES = [(SECTOR_NAMES[s], SECTOR_NAMES[s]) for s in SOUTHWEST_SECTORS]


class EncounterForecastForm(forms.Form):
    series = forms.ChoiceField(
        label=_("Series"), choices=SERIES_CHOICES, initial="region=southwest"
    )
    horizon = forms.IntegerField(label=_("Months ahead"), min_value=1, max_value=24, initial=6)
    model = forms.ChoiceField(label=_("Model"), choices=MODEL_CHOICES, initial=ENSEMBLE)
    start = forms.CharField(
        label=_("First forecast month (YYYY-MM, optional)"),
        required=False,
        max_length=7,
        help_text=_("Only the months before it are used. Empty: the month after the data."),
    )

    def clean_start(self) -> dt.date | None:
        text = (self.cleaned_data.get("start") or "").strip()
        if not text:
            return None
        try:
            year, month = text.split("-")
            if len(year) != 4 or len(month) != 2:
                raise ValueError
            return dt.date(int(year), int(month), 1)
        except ValueError as exc:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2023-05.")) from exc

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_bound else {}
        return {
            "series": data.get("series") or "region=southwest",
            "horizon": data.get("horizon") or 6,
            "model": data.get("model") or ENSEMBLE,
            "start": data.get("start"),
        }


class CustodyForm(forms.Form):
    place = forms.ChoiceField(label=_("Sector"), choices=PLACE_CHOICES, initial="Rio Grande Valley")
    share = forms.FloatField(
        label=_("Sector's share of its state's encounters"),
        min_value=0.01,
        max_value=1.0,
        initial=0.4,
        help_text=_(
            "An assumption you state: CBP's by-state files have no sectors. In FY2019-FY2020 the "
            "Rio Grande Valley took 37-54 percent of the Texas sectors' apprehensions."
        ),
    )
    first = forms.DateField(label=_("From"), initial=dt.date(2023, 5, 1))
    last = forms.DateField(label=_("To"), initial=dt.date(2023, 5, 31))
    capacity = forms.IntegerField(
        label=_("Holding capacity (people, optional)"), min_value=0, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last:
            if last < first:
                self.add_error("last", _("The last day is before the first."))
            elif (last - first).days > 366:
                self.add_error("last", _("A projection covers at most a year here."))
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_bound else {}
        return {
            "place": data.get("place") or "Rio Grande Valley",
            "share": data.get("share") or 0.4,
            "first": data.get("first") or dt.date(2023, 5, 1),
            "last": data.get("last") or dt.date(2023, 5, 31),
            "capacity": data.get("capacity"),
        }
