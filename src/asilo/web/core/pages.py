"""What the apps' pages share."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from asilo.web.core.errors import DomainError


def raise_http(exc: DomainError) -> None:
    """Turn a refusal that is not about the input into the HTTP answer it stands for (403,
    404); a refusal about the input returns, for the page to show."""
    if exc.status == 403:
        raise PermissionDenied from exc
    if exc.status == 404:
        raise Http404 from exc
