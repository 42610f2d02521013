"""Queries per token-authenticated API request, counted exactly (issue 13): the request-cost
benchmark's endpoints, on a warm token (its ``last_used_at`` already recorded this minute).

A token API request (bearer token, no session cookie) also loads no session and sets no
cookie (``asilo.web.core.token_path``).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from asilo.web.accounts.models import User

pytestmark = pytest.mark.django_db

FAMILY = {
    "date": "2022-05-10",
    "time": "09:30",
    "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
    "people": [
        {
            "age": 34,
            "nationality": "HND",
            "role": "adult",
            "relationship": "parent",
            "given_names": "Ana",
            "first_surname": "Lopez",
        },
        {"age": 6, "nationality": "HND", "role": "child", "given_names": "Luis"},
    ],
}


def counted(call: Any) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, [q["sql"] for q in captured.captured_queries]


def test_the_request_cost_benchmarks_endpoints_cost_a_fixed_number_of_queries(
    officer: User, api_as: Any
) -> None:
    api = api_as(officer)
    assert api.get("/health").status_code == 200  # the token's use, recorded once a minute
    figures = {}
    for name, call in (
        ("health", lambda: api.get("/health")),
        ("summary", lambda: api.get("/custodies/summary")),
        ("list", lambda: api.get("/custodies", limit=50)),
        ("record", lambda: api.post("/encounters", copy.deepcopy(FAMILY))),
    ):
        response, sql = counted(call)
        assert response.status_code in (200, 201), response.content
        assert "Set-Cookie" not in response.headers and not response.cookies
        assert not any("django_session" in q for q in sql), sql
        figures[name] = len(sql)
    # The token's user, then: SELECT 1; one query for all the summary's counts; one read of
    # the page. Recording writes the encounter, people,
    # family, decision, custodies, identities and an audit entry for each (64 statements on
    # SQLite, 71 on PostgreSQL, savepoints included): a ceiling, to catch growth.
    record = figures.pop("record")
    assert figures == {"health": 2, "summary": 2, "list": 2}
    assert record <= (64 if connection.vendor == "sqlite" else 71)


def test_a_token_request_with_the_session_cookie_takes_the_pages_path(
    officer: User, api_as: Any, client: Any
) -> None:
    """With the session cookie, an API request keeps the session (and the CSRF check of a
    signed-in session): only a bearer token without it skips the pages' middleware."""
    from asilo.web.core.token_path import is_token_api

    api = api_as(officer)
    client.force_login(officer)
    assert client.get("/api/v1/health").status_code == 200  # the session alone
    response = client.get("/api/v1/health", headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 200
    assert is_token_api(response.wsgi_request) is False
    response = api.get("/health")
    assert response.status_code == 200 and is_token_api(response.wsgi_request) is True
    # A bad token and no session: 401, never a server error for a missing user.
    bad = api_as(None)
    bad.token = "not-a-token"
    assert bad.get("/health").status_code == 401


def test_the_summary_counts_the_open_custodies_as_the_selectors_do(
    officer: User, supervisor: User, api_as: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from asilo.web.encounters.models import FamilyException, Override, ReunificationTask
    from asilo.web.encounters.selectors import custody as custody_selectors
    from asilo.web.encounters.selectors.work import custody_summary

    api = api_as(officer)
    child = {
        **copy.deepcopy(FAMILY),
        "people": [{"age": 15, "nationality": "GTM", "given_names": "Eva"}],
    }
    for document in (FAMILY, child):
        assert api.post("/encounters", copy.deepcopy(document)).status_code == 201
    for hours in (0, 30, 47, 60, 80, 500):
        now = timezone.now() + timedelta(hours=hours)
        summary = custody_summary(actor=supervisor, now=now)
        open_ = custody_selectors.custodies_open()
        assert summary.open == open_.count() == 3
        assert summary.overdue == custody_selectors.custodies_overdue(now=now).count()
        assert summary.near_due == custody_selectors.custodies_near_due(now=now).count()
        assert summary.beyond_standard == open_.filter(standard_due_at__lt=now).count()
        assert summary.children_alone == len(custody_selectors.children_alone())
        assert (
            summary.overrides_awaiting_review
            == Override.objects.filter(reviewed_at__isnull=True).count()
        )
        assert (
            summary.exceptions_pending == FamilyException.objects.filter(status="pending").count()
        )
        assert (
            summary.reunification_tasks_open
            == ReunificationTask.objects.filter(status="open").count()
        )
    assert custody_summary(actor=supervisor, now=timezone.now() + timedelta(hours=500)).overdue
