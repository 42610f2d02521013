"""Custody clocks in words: time left to the limit, or how long overdue (text, not colour)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


def duration(seconds: int) -> str:
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h %(m)s min") % {"d": days, "h": hours, "m": mins}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": mins}
    return _("%(m)s min") % {"m": mins}


@register.simple_tag
def custody_clock(clock: Any) -> SafeString:
    """The clock of one custody as a labelled span."""
    if clock is None:
        return format_html("{}", "—")
    custody = clock.custody
    if clock.seconds_remaining is None:
        return format_html('<span class="ap-clock">{}</span>', _("No time limit"))
    if not custody.is_open:
        if clock.overdue:
            text = _("Booked out %(late)s after the limit") % {
                "late": duration(clock.seconds_remaining)
            }
            return format_html('<span class="ap-clock ap-overdue">{}</span>', text)
        return format_html('<span class="ap-clock">{}</span>', _("Booked out within the limit"))
    if clock.overdue:
        text = _("OVERDUE by %(late)s") % {"late": duration(clock.seconds_remaining)}
        return format_html('<span class="ap-clock ap-overdue" data-overdue="1">{}</span>', text)
    text = _("%(left)s left") % {"left": duration(clock.seconds_remaining)}
    if clock.near_due:
        return format_html(
            '<span class="ap-clock ap-neardue">{} <span class="ap-badge">{}</span></span>',
            text,
            _("due soon"),
        )
    return format_html('<span class="ap-clock">{}</span>', text)


@register.filter
def label_of(value: Any, labels: dict[str, Any]) -> Any:
    return labels.get(value, value) if value else "—"
