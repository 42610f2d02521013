"""Number formatting for the statistics tables (thousands separators in the active locale)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from asilo.stats.disclosure import is_withheld
from asilo.web.core.disclosure import count_text

register = template.Library()


@register.filter
def is_number(value: Any) -> bool:
    """A number, or a withheld count (aligned as numbers are)."""
    return (isinstance(value, int | float) and not isinstance(value, bool)) or is_withheld(value)


@register.filter
def thousands(value: Any) -> Any:
    """A number with thousands separators; a withheld count as "fewer than 10"."""
    if is_withheld(value):
        return count_text(value)
    if is_number(value):
        return number_format(value, force_grouping=True)
    return value


@register.filter
def percent(value: Any) -> str:
    if value is None:
        return "—"
    return number_format(round(float(value) * 100, 1), decimal_pos=1) + " %"
