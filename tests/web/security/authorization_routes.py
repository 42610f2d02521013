"""What the authorization matrix covers, generated (never listed by hand).

* every operation of the OpenAPI document (method and path template);
* every page of the URLconf outside the API's operations and the admin site, with the
  methods its view serves (read from Django's ``require_http_methods`` family of decorators;
  a view without one serves any method, so it is probed with GET and POST);
* the admin site's URLs without parameters and its change pages.

A URL added to either without a rule in :mod:`authorization_matrix` fails the build.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
#: A view that does not restrict its methods is probed with these.
UNRESTRICTED = frozenset({"GET", "POST"})


def api_operations(api: Any = None) -> list[tuple[str, str]]:
    """``(METHOD, "/api/v1/people/{person_id}")`` for every operation of the OpenAPI document
    (of asilo's API, or of ``api``)."""
    if api is None:
        from asilo.web.api import api

    schema = json.loads(json.dumps(api.get_openapi_schema()))
    return sorted(
        (method.upper(), path) for path, methods in schema["paths"].items() for method in methods
    )


def _walk(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def _is_api_operation(pattern: URLPattern) -> bool:
    callback = pattern.callback
    return getattr(callback, "__module__", "") == "ninja.operation"


def methods_of(view: Callable[..., Any]) -> frozenset[str]:
    """The HTTP methods a view serves: a class-based view's handlers, or the list closed over
    by ``require_http_methods`` (or ``require_POST``/``require_GET``) anywhere in a function
    view's chain of decorators, else any method."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a class-based view serves the methods it defines
        return frozenset(
            m.upper()
            for m in view_class.http_method_names
            if m.upper() in HTTP_METHODS and hasattr(view_class, m)
        )
    seen: set[int] = set()
    current: Any = view
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for cell in getattr(current, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if (
                isinstance(value, list | tuple | set | frozenset)
                and value
                and all(isinstance(m, str) and m in HTTP_METHODS | {"HEAD"} for m in value)
            ):
                return frozenset(value) & HTTP_METHODS
        current = getattr(current, "__wrapped__", None)
    return UNRESTRICTED


def page_routes(urlconf: Any = None) -> list[tuple[str, str]]:
    """``(METHOD, "/processing/encounters/<int:encounter_id>/")`` for every page (admin aside)
    of the URLconf (asilo's, or ``urlconf``)."""
    found: set[tuple[str, str]] = set()
    for route, pattern in _walk(get_resolver(urlconf)):
        if route.startswith("admin/") or _is_api_operation(pattern):
            continue
        for method in methods_of(pattern.callback):
            found.add((method, "/" + route))
    return sorted(found)


def admin_routes() -> list[tuple[str, str]]:
    """GET of the admin site's pages without parameters and of each model's change page."""
    found: set[tuple[str, str]] = set()
    for route, _pattern in _walk(get_resolver()):
        if not route.startswith("admin/"):
            continue
        if "<" not in route or route.endswith("<path:object_id>/change/"):
            found.add(("GET", "/" + route))
    return sorted(found)
