"""Request types the views annotate with (type hints only; Django builds the requests)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    """A request that went through django-htmx's middleware: ``request.htmx`` is set."""

    htmx: HtmxDetails
