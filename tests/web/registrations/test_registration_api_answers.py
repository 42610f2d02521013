"""The registrations API's answers: built as plain data (issue 12), the same summary whether
the request created the registration or found it, and the same as the list's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SUMMARY = [
    "number",
    "program",
    "channel",
    "organisation_id",
    "status",
    "status_label",
    "closed_reason",
    "reason",
    "tier",
    "family_size",
    "registered_on",
    "verified",
]


def test_created_and_found_answer_the_same_summary_in_the_documented_order(
    programs: Any,
    family: Callable[..., dict[str, Any]],
    make_user: Callable[..., Any],
    bearer_as: Callable[..., dict[str, str]],
) -> None:
    doc = family()
    first = Client().post("/api/v1/registrations", doc, content_type="application/json")
    again = Client().post("/api/v1/registrations", doc, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    created, found = first.json(), again.json()
    assert list(created) == [*SUMMARY, "created", "pin"]
    assert created["created"] is True and len(created["pin"]) == 6
    assert found["created"] is False and found["pin"] is None
    assert {k: created[k] for k in SUMMARY} == {k: found[k] for k in SUMMARY}
    assert created["family_size"] == len(doc["members"])
    supervisor = make_user("supervisor", "the-supervisor", organisation=None)
    listed = Client().get("/api/v1/registrations", headers=bearer_as(supervisor)).json()
    (row,) = [r for r in listed["items"] if r["number"] == created["number"]]
    assert row == {k: created[k] for k in SUMMARY}
