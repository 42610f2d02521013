"""The sentences a person reads about their registration, in their language.

A status change stores a reason code and its parameters; the sentence is chosen here, in the
language of the page (English, Spanish, Haitian Creole). The policy engine's own explanation
and citation are stored beside it and shown as the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from asilo.web.registrations.models import MppCaseStatus, Status

REASONS: dict[str, Promise] = {
    "mpp_eligible": _(
        "Under the rules in force on {date}, a family whose MPP case is {status} is eligible."
        " Wait for a date at a port of entry; do not go to the border without one."
    ),
    "mpp_status_not_eligible": _(
        "Under the rules in force on {date}, a family whose MPP case is {status} is not"
        " eligible. Your registration stays saved: if the rules change, it is reviewed again"
        " automatically."
    ),
    "mpp_no_case": _(
        "The MPP wind-down is only for people with an MPP case (A-number and case status)."
        " A caseworker can help you find your A-number."
    ),
    "mpp_not_processing": _("On {date} the MPP wind-down was not receiving anyone."),
    "appointments_open": _(
        "On {date} the port appointment process is open to people of every nationality."
        " Wait for your appointment."
    ),
    "appointments_not_open": _(
        "On {date} the port appointment process is not open. Your registration stays saved."
    ),
    "date_not_covered": _(
        "The rules for {date} are not in the catalogue (it covers {first} to {last})."
    ),
}


def reason_text(code: str, params: Mapping[str, Any]) -> str:
    """The sentence for a reason code in the active language."""
    template = REASONS.get(code)
    if template is None:
        return code
    values = dict(params)
    if values.get("status"):
        label = str(MppCaseStatus(values["status"]).label)
        values["status"] = label[:1].lower() + label[1:]
    try:
        return str(template).format(**values)
    except (KeyError, ValueError):
        return str(template)


def status_label(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status
