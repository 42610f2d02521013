"""``{{ code|label_in:choices }}``: the translated label of a stored code (never the raw
value on a page)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def label_in(code: Any, labels: Mapping[str, Any]) -> Any:
    return labels.get(code, code) if code not in (None, "") else ""


@register.filter
def percent(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{100 * value:.1f} %"
