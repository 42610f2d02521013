"""The lists of the processing pages: filters, sorting, 50 rows a page, and the CSV export of
the rows a page shows. A list's parameters may carry a prefix (``t-status``, ``t-page``), so
that two lists can share one page."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from asilo.web.core.actors import request_actor
from asilo.web.processing.views._common import PAGE_SIZE

T = TypeVar("T")

#: The orders by time every list offers (the custody list has its own, by clock).
TIME_ORDERS = (("newest", _("Newest first")), ("oldest", _("Oldest first")))


@dataclass(frozen=True)
class ListRequest:
    """What a list was asked for: its page, order and filters (each a known value or ``""``)."""

    prefix: str
    page: int
    order: str
    filters: Mapping[str, str] = field(default_factory=dict)

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def name(self, key: str) -> str:
        """The query parameter of ``key`` in this list (``t-page`` for the prefix ``t``)."""
        return f"{self.prefix}-{key}" if self.prefix else key

    @property
    def query(self) -> str:
        """The filters and the order, as a query string (without the page)."""
        pairs = {self.name(k): v for k, v in self.filters.items() if v}
        pairs[self.name("order")] = self.order
        return urlencode(pairs)

    @property
    def audit(self) -> dict[str, str | int]:
        """The filters, order and page, as the audit entry of an export records them."""
        return {
            **{k: v for k, v in self.filters.items() if v},
            "order": self.order,
            "page": self.page,
        }

    def wants_csv(self, request: HttpRequest) -> bool:
        return request.GET.get(self.name("format")) == "csv"


def list_request(
    request: HttpRequest,
    *,
    prefix: str = "",
    orders: Sequence[str] = ("newest", "oldest"),
    filters: Mapping[str, Sequence[str]] | None = None,
    defaults: Mapping[str, str] | None = None,
) -> ListRequest:
    """The list's parameters from the query string; an unknown value falls back to the
    default (the first order; the filter's default, or no filter)."""

    def get(key: str) -> str:
        name = f"{prefix}-{key}" if prefix else key
        return (request.GET.get(name) or "").strip()

    try:
        page = max(1, min(int(get("page") or "1"), 10_000))
    except ValueError:
        page = 1
    order = get("order")
    if order not in orders:
        order = orders[0]
    chosen: dict[str, str] = {}
    for key, allowed in (filters or {}).items():
        value = get(key)
        default = (defaults or {}).get(key, "")
        chosen[key] = value if value in allowed else default
    return ListRequest(prefix=prefix, page=page, order=order, filters=chosen)


@dataclass(frozen=True)
class ListPage(Generic[T]):
    """One page of a list: its rows, and the links to the pages before and after it."""

    rows: list[T]
    request: ListRequest
    has_next: bool

    @property
    def page(self) -> int:
        return self.request.page

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def query(self) -> str:
        return self.request.query

    @property
    def page_param(self) -> str:
        return self.request.name("page")

    @property
    def format_param(self) -> str:
        return self.request.name("format")


def list_page(rows: Sequence[T], request: ListRequest) -> ListPage[T]:
    """The page from the rows a selector gave for ``limit=PAGE_SIZE + 1`` (the one more tells
    whether a next page exists)."""
    return ListPage(list(rows[:PAGE_SIZE]), request, len(rows) > PAGE_SIZE)


def selected_page(
    request: HttpRequest,
    asked: ListRequest,
    select: Callable[..., Sequence[T]],
    *,
    with_order: bool = True,
    **filters: Any,
) -> ListPage[T]:
    """One page of a selector's rows for the signed-in user: ``select(actor=..., **filters,
    order=..., limit=PAGE_SIZE + 1, offset=...)`` (no ``order`` without ``with_order``)."""
    ordered = {"order": asked.order} if with_order else {}
    rows = select(
        actor=request_actor(request),
        **filters,
        **ordered,
        limit=PAGE_SIZE + 1,
        offset=asked.offset,
    )
    return list_page(rows, asked)


def csv_response(body: str, filename: str) -> HttpResponse:
    """A CSV download (UTF-8)."""
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_export(
    request: HttpRequest,
    export: Callable[..., str],
    filename: str,
    filters: Mapping[str, object],
    **rows: Any,
) -> HttpResponse:
    """The rows a page shows, through their export service (which checks the right and
    audits the export with its ``filters``), as a CSV download."""
    body = export(actor=request_actor(request), filters=filters, **rows)
    return csv_response(body, filename)
