"""Number formatting for the statistics tables (thousands separators in the active locale)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@register.filter
def thousands(value: Any) -> Any:
    if is_number(value):
        return number_format(value, force_grouping=True)
    return value


@register.filter
def percent(value: Any) -> str:
    if value is None:
        return "—"
    return number_format(round(float(value) * 100, 1), decimal_pos=1) + " %"
