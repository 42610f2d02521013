"""The page layout: the platform's ``base.html`` when it is installed, else a plain fallback.

Both offer the blocks ``title`` and ``content``; pages extend ``{{ layout }}``.
"""

from __future__ import annotations

from functools import cache

from django.template import TemplateDoesNotExist
from django.template.loader import get_template

FALLBACK = "processing/standalone_base.html"


@cache
def layout_template() -> str:
    try:
        get_template("base.html")
    except TemplateDoesNotExist:
        return FALLBACK
    return "base.html"
