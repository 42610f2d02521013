"""Issue 11, finding 11 and issue 12: the OpenAPI document has one error shape and every
operation documents it for the errors it can answer (registrations included)."""

from __future__ import annotations

import json
from typing import Any

from asilo.web.api import api

ERRORS_REF = "#/components/schemas/ErrorsOut"


def _schema() -> dict[str, Any]:
    return json.loads(json.dumps(api.get_openapi_schema()))


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, route, operation)
        for route, methods in _schema()["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_error_answer_of_every_operation_is_the_one_error_schema() -> None:
    checked = 0
    for method, route, operation in _operations():
        for status, answer in operation["responses"].items():
            if int(status) < 400:
                continue
            ref = answer["content"]["application/json"]["schema"]["$ref"]
            assert ref == ERRORS_REF, (method, route, status, ref)
            checked += 1
    assert checked > 100


def test_every_operation_documents_401_and_403() -> None:
    """Before: ``GET /registrations`` documented no error at all and ``GET
    /registrations/{number}`` no 401, so a client generated from the document had no type
    for the answers it gets."""
    missing = []
    for method, route, operation in _operations():
        if route == "/api/v1/health":
            continue  # open to monitors: only 401 (bad token) and 503 apply
        for status in ("401", "403"):
            if status not in operation["responses"]:
                missing.append((method, route, status))
    assert missing == []
