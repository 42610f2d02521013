"""Template filters of the audit pages."""

from __future__ import annotations

from django import template

from asilo.web.core.roles import Role

register = template.Library()


@register.filter
def role_label(value: str) -> str:
    """A role's name in the current language ("" stays "—")."""
    if not value:
        return "—"
    try:
        return str(Role(value).label)
    except ValueError:
        return value
