"""The answers of the family-exception and reunification-task endpoints, field by field and in
order: the schemas read the exception and the task as the services return them."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from test_custody_family import HONDURAN_FAMILY

from asilo.web.accounts.models import User

pytestmark = pytest.mark.django_db

EXCEPTION_FIELDS = [
    "id",
    "custody_id",
    "person_id",
    "encounter_id",
    "outcome",
    "reason",
    "status",
    "requested_by",
    "requested_at",
    "decided_by",
    "decided_at",
    "decision_note",
    "reunification_task_id",
]
TASK_FIELDS = [
    "id",
    "exception_id",
    "family_unit_id",
    "person_id",
    "status",
    "opened_at",
    "closed_at",
    "closed_by",
    "closing_note",
    "closing_outcome",
    "contact_made_at",
    "located_at",
    "notes",
]


def test_exceptions_and_tasks_answer_every_field(
    officer: User, supervisor: User, api_as: Any
) -> None:
    api, sup = api_as(officer), api_as(supervisor)
    body = api.post("/encounters", copy.deepcopy(HONDURAN_FAMILY)).json()
    api.post(f"/encounters/{body['id']}/confirm")
    son, daughter = body["custodies"][1], body["custodies"][2]

    asked = api.post(
        "/family-exceptions",
        {
            "custody_id": son["id"],
            "outcome": "transferred_orr",
            "reason": "Admitted to hospital care.",
        },
    )
    assert asked.status_code == 201
    exception = asked.json()
    assert list(exception) == EXCEPTION_FIELDS
    assert exception["custody_id"] == son["id"]
    assert (exception["person_id"], exception["encounter_id"]) == (son["person_id"], body["id"])
    assert (exception["requested_by"], exception["status"]) == ("officer", "pending")
    assert (exception["decided_by"], exception["decided_at"]) == (None, None)
    assert exception["reunification_task_id"] is None

    other = api.post(
        "/family-exceptions",
        {
            "custody_id": daughter["id"],
            "outcome": "transferred_orr",
            "reason": "Asked for the second child.",
        },
    ).json()
    denied = sup.post(f"/family-exceptions/{other['id']}/deny", {"note": "Not needed."}).json()
    assert (denied["status"], denied["decided_by"], denied["decision_note"]) == (
        "denied",
        "supervisor",
        "Not needed.",
    )
    assert denied["reunification_task_id"] is None

    approved = sup.post(f"/family-exceptions/{exception['id']}/approve", {"note": "Confirmed."})
    answer = approved.json()
    assert list(answer) == EXCEPTION_FIELDS
    assert (answer["status"], answer["decided_by"]) == ("approved", "supervisor")
    task_id = answer["reunification_task_id"]
    assert isinstance(task_id, int)
    listed = sup.get("/family-exceptions").json()
    assert listed["count"] == 2
    assert {x["id"]: x["status"] for x in listed["exceptions"]} == {
        exception["id"]: "approved",
        other["id"]: "denied",
    }

    stepped = api.post(f"/reunification-tasks/{task_id}/steps", {"step": "contact_made"}).json()
    assert list(stepped) == TASK_FIELDS
    assert (stepped["exception_id"], stepped["person_id"]) == (exception["id"], son["person_id"])
    assert (stepped["closed_by"], stepped["closing_outcome"], stepped["notes"]) == (None, None, [])
    noted = api.post(f"/reunification-tasks/{task_id}/notes", {"text": "Father in Dallas."})
    notes = noted.json()["notes"]
    assert [list(n) for n in notes] == [["author", "text", "created_at"]]
    assert (notes[0]["author"], notes[0]["text"]) == ("officer", "Father in Dallas.")
    closed = api.post(
        f"/reunification-tasks/{task_id}/close",
        {"outcome": "reunited", "note": "Reunited with the father in Dallas."},
    ).json()
    assert (closed["status"], closed["closed_by"], closed["closing_outcome"]) == (
        "closed",
        "officer",
        "reunited",
    )
    tasks = api.get("/reunification-tasks").json()
    assert tasks == {"count": 1, "tasks": [closed]}
