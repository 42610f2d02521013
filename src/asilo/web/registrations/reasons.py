"""The sentences a person reads about their registration, in their language.

A status change stores a reason code and its parameters; the sentence is chosen here, in the
language of the page (English, Spanish, Haitian Creole). The policy engine's own explanation
and citation are stored beside it and shown as the source.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from asilo.web.registrations.models import ClosedReason, MppCaseStatus, Status, task_notes

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
    "registered": _("Registration received ({channel})."),
    "contact_verified": _("The phone or e-mail was confirmed with the code sent to it."),
    "contact_unverified": _(
        "We sent a code to the phone or e-mail you gave. Type it on this page: until then the"
        " family is not in the queue."
    ),
    "verified": _("A caseworker verified the family's details. The family is back in the queue."),
    "details_wrong": _(
        "The details given do not match what the caseworker found. A caseworker will call"
        " again; until then the family is not in the queue."
    ),
    "duplicate": _("This registration repeats registration {number}, which keeps the place."),
    "appointment_offered": _(
        "Appointment offered: {port}, {date}, between {start} and {end}. Bring the whole family."
    ),
    "checked_in": _("The family was received at {port} on {date}."),
    "no_show": _("The family did not come to the appointment of {date} at {port}."),
    "no_show_requeued": _(
        "Back in the queue with the original place, once: a new notice will follow."
    ),
    "no_show_final": _(
        "The family did not come to the appointment of {date} at {port}. It was the second"
        " missed appointment: the family no longer receives appointments. A caseworker can"
        " explain what to do."
    ),
    "another_date": _("The family asked for another date and is back in the queue."),
    "cancelled": _("The family cancelled its appointment and left the queue."),
    "processed": _("The family's encounter at the port is finished."),
}

#: Codes whose parameter of that name is another code to be shown as words.
_CHANNEL_PARAM = "channel"


def reason_text(code: str, params: Mapping[str, Any]) -> str:
    """The sentence for a reason code in the active language."""
    template = REASONS.get(code)
    if template is None:
        return code
    values = dict(params)
    if values.get(_CHANNEL_PARAM):
        from asilo.web.registrations.models import Channel

        with contextlib.suppress(ValueError):
            values[_CHANNEL_PARAM] = str(Channel(values[_CHANNEL_PARAM]).label)
    if values.get("status"):
        label = str(MppCaseStatus(values["status"]).label)
        values["status"] = label[:1].lower() + label[1:]
    try:
        return str(template).format(**values)
    except (KeyError, ValueError):
        return str(template)


#: The reason code of the move to ``needs_verification`` of a self-service family that has
#: still to type back the code sent to its phone or e-mail (not a caseworker's check).
CONTACT_UNVERIFIED = "contact_unverified"

AWAITING_CODE_LABEL = _("Waiting for the code sent to the phone or e-mail to be confirmed")


def status_label(status: str, closed_reason: str = "", reason_code: str = "") -> str:
    """The status in words, in the active language ("Closed: withdrawn by the family");
    ``reason_code``, the reason of the move to it, tells a family waiting to confirm its
    contact code from one a caseworker must verify (both ``needs_verification``)."""
    if status == Status.NEEDS_VERIFICATION and reason_code == CONTACT_UNVERIFIED:
        return str(AWAITING_CODE_LABEL)
    try:
        label = str(Status(status).label)
    except ValueError:
        return status
    if status == Status.CLOSED and closed_reason:
        try:
            return f"{label}: {str(ClosedReason(closed_reason).label).lower()}"
        except ValueError:
            return label
    return label


def vulnerability_label(code: str) -> str:
    from asilo.web.registrations.forms import VULNERABILITY_LABELS

    return str(dict(VULNERABILITY_LABELS).get(code, code))


def task_details(kind: str, detail: Mapping[str, Any], *, note: str = "") -> list[str]:
    """What a review task recorded when it opened, as sentences in the reader's language
    (never the stored keys and codes), and each caseworker's note in ``note`` (the task's
    ``opening_note``: the note it opened with, then those added while it was open)."""
    lines: list[str] = []
    if "a_number_given" in detail:
        lines.append(
            str(_("An A-number was given: check it on the call."))
            if detail["a_number_given"]
            else str(_("No A-number was given."))
        )
    if "vulnerability" in detail:
        lines.append(
            str(_("Need flagged: {need}.")).format(
                need=vulnerability_label(detail["vulnerability"])
            )
        )
    if "members" in detail and isinstance(detail["members"], Mapping):
        people = ", ".join(
            str(_("person {position} of {number}")).format(position=int(p) + 1, number=n)
            for n, p in detail["members"].items()
        )
        lines.append(str(_("Alike: {people}.")).format(people=people))
    if "name_score" in detail:
        lines.append(str(_("Names alike at {score} of 100.")).format(score=detail["name_score"]))
    if "registrations_in_window" in detail and "window_hours" in detail:
        lines.append(
            str(_("{count} registrations within {hours} hours (threshold {threshold}).")).format(
                count=detail["registrations_in_window"],
                hours=detail["window_hours"],
                threshold=detail.get("threshold", "?"),
            )
        )
    elif "registrations_in_window" in detail:
        lines.append(
            str(
                _("{count} registrations within {minutes} minutes (threshold {threshold}).")
            ).format(
                count=detail["registrations_in_window"],
                minutes=detail.get("window_minutes", "?"),
                threshold=detail.get("threshold", "?"),
            )
        )
    elif "registrations" in detail and "threshold" in detail:
        lines.append(
            str(_("{count} registrations share it (threshold {threshold}).")).format(
                count=detail["registrations"], threshold=detail["threshold"]
            )
        )
    lines.extend(str(_("Note: {note}")).format(note=text) for text in task_notes(note))
    return lines
