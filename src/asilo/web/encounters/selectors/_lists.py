"""How long a list may be, and the two orders of a list by time."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

LIST_LIMIT = 200
#: The orders of a list by its time: newest first (the default) or oldest first.
LIST_ORDERS = ("newest", "oldest")

M = TypeVar("M", bound=Model)


def bounded(limit: int) -> int:
    """A page size between 1 and ``LIST_LIMIT``."""
    return max(1, min(limit, LIST_LIMIT))


def window(qs: QuerySet[M], *, limit: int, offset: int) -> list[M]:
    """One page of an ordered query: ``limit`` rows (at most ``LIST_LIMIT``) from ``offset``."""
    start = max(0, offset)
    return list(qs[start : start + bounded(limit)])


def by_time(qs: QuerySet[M], field: str, order: str) -> QuerySet[M]:
    """``qs`` ordered by ``field`` then id, newest first unless ``order`` is ``oldest``."""
    if order == "oldest":
        return qs.order_by(field, "id")
    return qs.order_by(f"-{field}", "-id")
