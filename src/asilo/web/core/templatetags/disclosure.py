"""``{{ value|count }}``: a count as shown ("fewer than 10" when it is withheld), and
``{% if value|withheld %}``."""

from __future__ import annotations

from typing import Any

from django import template

from asilo.stats.disclosure import is_withheld
from asilo.web.core.disclosure import count_text

register = template.Library()


@register.filter
def count(value: Any) -> Any:
    return count_text(value)


@register.filter
def withheld(value: Any) -> bool:
    return is_withheld(value)
