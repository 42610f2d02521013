"""Queries per API request, counted: a request that starts reading more rows than it needs,
or one query per row, fails here before it shows in the request-cost benchmark.

Each count is the token's user (one statement, ``asilo.web.accounts.auth``) plus the
endpoint's own queries, on a warm token (its ``last_used_at`` already recorded this minute).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from asilo.web.accounts.models import User

pytestmark = pytest.mark.django_db

Api = Any
LIST_QUERIES = 3


def queries(call: Any) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, [q["sql"] for q in captured.captured_queries]


def test_reading_custodies_costs_the_same_few_queries_for_one_or_several_rows(
    officer: User, api_as: Any, family_doc: dict[str, Any], adult_doc: dict[str, Any]
) -> None:
    api = api_as(officer)
    assert api.post("/encounters", adult_doc).status_code == 201
    api.get("/custodies/summary")  # the token's use is recorded once a minute: not counted
    _, summary_one = queries(lambda: api.get("/custodies/summary"))
    _, list_one = queries(lambda: api.get("/custodies", limit=50, scope="all"))
    for _ in range(2):
        assert api.post("/encounters", family_doc).status_code == 201
    summary, summary_many = queries(lambda: api.get("/custodies/summary"))
    listing, list_many = queries(lambda: api.get("/custodies", limit=50, scope="all"))
    assert summary.status_code == 200 and listing.status_code == 200
    assert listing.json()["count"] > 1
    # No query per row: more custodies, the same number of queries.
    assert len(summary_many) == len(summary_one)
    assert len(list_many) == len(list_one)
    # And few: the token's user, then the endpoint's reads.
    assert len(summary_many) <= 9, summary_many  # the token, then one count per figure
    assert len(list_many) <= LIST_QUERIES, list_many
    # No write on a read.
    for sql in summary_many + list_many:
        assert not sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")), sql


def test_health_reads_the_token_and_checks_the_database(
    officer: User, api_as: Any, django_assert_num_queries: Any
) -> None:
    api = api_as(officer)
    api.get("/health")
    with django_assert_num_queries(2):
        assert api.get("/health").status_code == 200
