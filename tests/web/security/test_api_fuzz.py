"""Issue 11, "In make test": a bounded schemathesis run over the OpenAPI document.

Every operation of ``docs/openapi.json`` gets a few generated requests (valid and not) from
a supervisor's token, through Django's WSGI handler on the test database: no answer may be
a server error, and every answer must match the document (its JSON schema and its content
type). Bounded so that it stays a few minutes on a loaded two-core machine; the examples are
derandomised, so a failure repeats.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from asilo.web.accounts.models import User

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
schema = schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text(encoding="utf-8")))
# The fuzzing phase only (a few examples per operation): the coverage phase's hundreds of
# boundary requests per operation do not fit the time a shared machine has for this test.
schema.config.phases.coverage.enabled = False
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES_PER_OPERATION = 8


@pytest.fixture
def _connection_kept() -> Iterator[None]:
    """Django's WSGI handler closes the database connection after each request; inside a
    test's transaction that would end it (on PostgreSQL), so, as Django's test client does,
    the handler leaves the connection alone during the test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def supervisor_token(make_user: Callable[..., User], make_token: Callable[[User], str]) -> str:
    return make_token(make_user("supervisor", "fuzz-supervisor"))


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_every_generated_request_as_documented(
    case: Any, supervisor_token: str, _connection_kept: None
) -> None:
    case.call_and_validate(
        app=get_wsgi_application(),
        headers={"Authorization": f"Bearer {supervisor_token}"},
        checks=CHECKS,
    )
