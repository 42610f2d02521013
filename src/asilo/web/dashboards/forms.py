"""The statistics page's filters (a GET form: the page's address is shareable)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from asilo.web.dashboards.statistics import COMPONENTS, SOURCE_ASILO, SOURCE_CBP, StatsFilter

REGIONS = {
    "southwest": "Southwest Land Border",
    "northern": "Northern Land Border",
    "other": "Other",
    "all": None,
}


class StatsFilterForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[
            (SOURCE_CBP, _("CBP public data")),
            (SOURCE_ASILO, _("asilo's own records")),
        ],
        initial=SOURCE_CBP,
        required=False,
    )
    region = forms.ChoiceField(
        label=_("Region"),
        choices=[
            ("southwest", _("Southwest land border")),
            ("northern", _("Northern land border")),
            ("other", _("Other (air and sea)")),
            ("all", _("All regions")),
        ],
        initial="southwest",
        required=False,
    )
    component = forms.ChoiceField(
        label=_("Component"),
        choices=[
            ("", _("Both components")),
            ("USBP", _("U.S. Border Patrol (between ports)")),
            ("OFO", _("Office of Field Operations (ports of entry)")),
        ],
        required=False,
    )
    fiscal_year = forms.ChoiceField(label=_("Fiscal year"), required=False)

    def __init__(self, *args: Any, years: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", _("All fiscal years"))]
        choices += [(str(y), f"FY{y}") for y in (years or [])]
        field = self.fields["fiscal_year"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def to_filter(self) -> StatsFilter:
        data = self.cleaned_data
        year = data.get("fiscal_year")
        return StatsFilter(
            source=data.get("source") or SOURCE_CBP,
            region=REGIONS[data.get("region") or "southwest"],
            fiscal_year=int(year) if year else None,
            component=COMPONENTS.get(data.get("component") or ""),
        )
