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


def _legal(clock: Any) -> SafeString | None:
    """The legal limit (unaccompanied children), or None when the law sets none."""
    custody = clock.custody
    if clock.seconds_remaining is None:
        return None
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


def _standard(clock: Any) -> SafeString | None:
    """The TEDS standard (72 hours, everyone): amber when near, red when exceeded, in words."""
    remaining = getattr(clock, "standard_seconds_remaining", None)
    if remaining is None:
        return None
    custody = clock.custody
    label = _("Standard (%(h)s h):") % {"h": custody.standard_hours}
    if not custody.is_open:
        if remaining < 0:
            text = _("booked out %(late)s beyond it") % {"late": duration(remaining)}
            css = "ap-clock ap-standard ap-overdue"
        else:
            text, css = _("booked out within it"), "ap-clock ap-standard"
    elif remaining < 0:
        text = _("exceeded by %(late)s") % {"late": duration(remaining)}
        css = "ap-clock ap-standard ap-overdue"
    else:
        text = _("%(left)s left") % {"left": duration(remaining)}
        css = "ap-clock ap-standard ap-neardue" if clock.standard_near else "ap-clock ap-standard"
    return format_html(
        '<span class="{}" data-standard="{}">{} {}</span>', css, clock.standard_level, label, text
    )


@register.simple_tag
def custody_clock(clock: Any) -> SafeString:
    """The clocks of one custody as labelled spans: the legal limit (when the law sets one)
    and the TEDS standard."""
    if clock is None:
        return format_html("{}", "—")
    legal = _legal(clock)
    standard = _standard(clock)
    if legal is None and standard is None:
        return format_html('<span class="ap-clock">{}</span>', _("No time limit"))
    if legal is None:
        return standard  # type: ignore[return-value]
    if standard is None:
        return legal
    return format_html(
        '<span class="ap-clock-label">{}</span> {}<br>{}', _("Legal limit:"), legal, standard
    )


@register.filter
def label_of(value: Any, labels: dict[str, Any]) -> Any:
    return labels.get(value, value) if value else "—"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping|get_item:key``: a value of a dict in a template (None when missing)."""
    return mapping.get(key) if mapping else None
