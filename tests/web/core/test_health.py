"""``GET /api/v1/health``: authenticated, one query behind the token's, the API's error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

pytestmark = pytest.mark.django_db


def test_health_answers_with_the_database_checked(
    users: dict[str, Any],
    bearer_as: Callable[[Any], dict[str, str]],
    django_assert_num_queries: Any,
) -> None:
    headers = bearer_as(users["officer"])
    client = Client()
    client.get("/api/v1/health", headers=headers)  # the token's first use records last_used_at
    # Then: the token (with its user) and SELECT 1; no session, no write.
    with django_assert_num_queries(2):
        response = client.get("/api/v1/health", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_needs_authentication() -> None:
    response = Client().get("/api/v1/health")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"]


def test_health_says_when_the_database_does_not_answer(
    users: dict[str, Any], bearer_as: Callable[[Any], dict[str, str]]
) -> None:
    headers = bearer_as(users["analyst"])
    client = Client()
    assert client.get("/api/v1/health", headers=headers).status_code == 200
    # The real database, with its check refused by Django's execute wrapper.
    with connection.execute_wrapper(refuse_select_1):
        response = client.get("/api/v1/health", headers=headers)
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "database_unavailable"


def refuse_select_1(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    from django.db import OperationalError

    if sql.strip() == "SELECT 1":
        raise OperationalError("the database does not answer")
    return execute(sql, params, many, context)
