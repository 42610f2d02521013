"""A defect found by trying the product: ``HEAD`` on the API's GET endpoints answered 405.
HTTP (RFC 9110, 9.3.2) asks a server to answer HEAD exactly as GET, without the body. The
API answers it once for every GET endpoint (:func:`asilo.web.core.api.answer_head`)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.core.handlers.base import BaseHandler
from django.http import HttpResponse
from django.test import Client, RequestFactory

from asilo.web.accounts.models import User
from asilo.web.api import api

pytestmark = pytest.mark.django_db


def _get_routes() -> list[str]:
    """Every GET operation of the OpenAPI document, path parameters filled in with 1."""
    schema = json.loads(json.dumps(api.get_openapi_schema()))
    routes = [route for route, methods in schema["paths"].items() if "get" in methods]
    return sorted(
        "/".join("1" if part.startswith("{") else part for part in route.split("/"))
        for route in routes
    )


def _served(method: str, path: str, token: str) -> HttpResponse:
    """The answer as the application hands it to the web server (the test client removes a
    HEAD answer's body by itself, which would hide a body sent by the application)."""
    handler = BaseHandler()
    handler.load_middleware()
    request = RequestFactory().generic(method, path, HTTP_AUTHORIZATION=f"Bearer {token}")
    response = handler.get_response(request)
    assert isinstance(response, HttpResponse)
    return response


def test_head_answers_every_get_endpoint_like_get_without_a_body(
    make_user: Callable[..., User], make_token: Callable[[User], str]
) -> None:
    token = make_token(make_user("supervisor"))
    routes = _get_routes()
    assert len(routes) >= 15
    answered = 0
    for path in routes:
        get = _served("GET", path, token)
        head = _served("HEAD", path, token)
        assert head.status_code != 405, path
        assert head.status_code == get.status_code, (path, get.content[:200])
        assert head["Content-Type"] == get["Content-Type"], path
        assert head.content == b"", path
        assert get.content, path
        answered += get.status_code == 200
    assert answered >= 8


def test_head_keeps_the_length_and_headers_of_the_get_answer(
    make_user: Callable[..., User], make_token: Callable[[User], str]
) -> None:
    token = make_token(make_user("auditor"))
    get = _served("GET", "/api/v1/audit", token)
    head = _served("HEAD", "/api/v1/audit", token)
    assert get.status_code == head.status_code == 200
    assert int(head["Content-Length"]) == len(get.content) > 0
    assert head["Cache-Control"] == get["Cache-Control"]


def test_head_on_the_document_and_through_the_test_client() -> None:
    response = Client().head("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.content == b""


def test_head_without_credentials_is_the_401_get_gets() -> None:
    response = Client().head("/api/v1/audit")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_head_where_only_post_is_served_is_still_405_naming_head(
    make_user: Callable[..., User], make_token: Callable[[User], str]
) -> None:
    token = make_token(make_user("officer"))
    response = _served("HEAD", "/api/v1/encounters/preview", token)
    assert response.status_code == 405
    assert "POST" in response["Allow"] and "GET" not in response["Allow"]
