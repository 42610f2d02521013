"""The audit search form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from asilo.web.audit.errors import AuditErrorCode
from asilo.web.audit.models import AuditAction
from asilo.web.audit.selectors import AuditFilters


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label=_("Actor (username)"), max_length=150, required=False)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Any action")), *AuditAction.choices],
    )
    object_type = forms.CharField(
        label=_("Object type"),
        max_length=60,
        required=False,
        help_text=_("For example people.person or encounters.encounter"),
    )
    object_id = forms.CharField(label=_("Object id"), max_length=64, required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", str(AuditErrorCode.BAD_DATE_RANGE.message))
        return data

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            actor=data.get("actor", "").strip(),
            action=data.get("action", ""),
            object_type=data.get("object_type", "").strip(),
            object_id=data.get("object_id", "").strip(),
            since=data.get("since"),
            until=data.get("until"),
        )
