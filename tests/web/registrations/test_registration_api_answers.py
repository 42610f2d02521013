"""The registrations API's answers: built as plain data (issue 12), the same summary whether
the request created the registration or found it, and the same as the list's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from registration_helpers import at

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


def test_the_detail_answers_each_member_in_the_documented_order_and_form(
    programs: Any,
    family: Callable[..., dict[str, Any]],
    make_user: Callable[..., Any],
    bearer_as: Callable[..., dict[str, str]],
) -> None:
    """A member as the API answers it: its position and the fields validation gives (the
    member schema is made from ``MemberInput``), to the byte."""
    supervisor = make_user("supervisor", "the-supervisor", organisation=None)
    with time_machine.travel(at("2026-06-01 10:00"), tick=False):
        doc = family()
        created = Client().post("/api/v1/registrations", doc, content_type="application/json")
        number = created.json()["number"]
        detail = Client().get(f"/api/v1/registrations/{number}", headers=bearer_as(supervisor))
    assert detail.status_code == 200, detail.content
    start = detail.content.index(b'"members":[')
    members = detail.content[start : detail.content.index(b"]", start) + 1]
    assert members == (
        b'"members":[{"position":0,"given_names":"Jean Baptiste","surnames":"Pierre",'
        b'"date_of_birth":"1988-03-14","age":38,"sex":"male","nationality":"HTI",'
        b'"relationship":"principal"},{"position":1,"given_names":"Marie",'
        b'"surnames":"Joseph","date_of_birth":"1991-07-02","age":34,"sex":"female",'
        b'"nationality":"HTI","relationship":"spouse"},{"position":2,'
        b'"given_names":"Widlyne","surnames":"Pierre Joseph","date_of_birth":null,'
        b'"age":6,"sex":"female","nationality":"CHL","relationship":"child"}]'
    )
