"""Finding the one row a request names."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from asilo.web.core.errors import DomainError

M = TypeVar("M", bound=Model)


def one_or_not_found(rows: QuerySet[M], not_found: DomainError) -> M:
    """The row of ``rows`` (a look-up by key, locked or not), or the app's not-found refusal
    ``not_found`` raised."""
    row = rows.first()
    if row is None:
        raise not_found
    return row
