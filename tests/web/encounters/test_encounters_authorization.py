"""Authorization matrix: every endpoint of the people and encounters APIs, anonymous and each
role. A refused call answers 401/403 with only an error, changes nothing, and (for a signed-in
user) leaves a ``refused`` audit entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from asilo.web.accounts.models import User
from asilo.web.audit.models import AuditAction, AuditEntry
from asilo.web.encounters import services
from asilo.web.encounters.models import (
    Custody,
    Encounter,
    EncounterDecision,
    EncounterPerson,
    FamilyException,
    Override,
    ReunificationTask,
)
from asilo.web.people.models import FamilyMembership, FamilyUnit, Person

ROLES = ["officer", "supervisor", "caseworker", "analyst", "auditor", "admin"]
STATE_MODELS = [
    Encounter,
    EncounterDecision,
    EncounterPerson,
    Custody,
    Override,
    FamilyException,
    ReunificationTask,
    Person,
    FamilyUnit,
    FamilyMembership,
]

FIELD_WORKERS = {"officer", "supervisor"}
VIEWERS = {"officer", "supervisor", "auditor"}
SUPERVISORS = {"supervisor"}

# name: (method, path template, body template, roles allowed, success status)
ENDPOINTS: dict[str, tuple[str, str, Any, set[str], int]] = {
    "record": ("post", "/encounters", "adult_doc", FIELD_WORKERS, 201),
    "preview": ("post", "/encounters/preview", "adult_doc", FIELD_WORKERS, 200),
    "list": ("get", "/encounters", None, VIEWERS, 200),
    "get": ("get", "/encounters/{decided}", None, VIEWERS, 200),
    "replay": ("get", "/encounters/{decided}/replay", None, VIEWERS, 200),
    "confirm": ("post", "/encounters/{decided}/confirm", {}, FIELD_WORKERS, 200),
    "override": (
        "post",
        "/encounters/{decided}/override",
        {
            "authority": "title_8",
            "pathway": "processing",
            "destination": None,
            "reason": "Medical emergency at primary inspection.",
        },
        FIELD_WORKERS,
        200,
    ),
    "overrides": ("get", "/overrides", None, SUPERVISORS, 200),
    "review": ("post", "/overrides/{override}/review", {"verdict": "upheld"}, SUPERVISORS, 200),
    "custodies": ("get", "/custodies", None, VIEWERS, 200),
    "custody_summary": ("get", "/custodies/summary", None, VIEWERS, 200),
    "custody_check": ("get", "/custodies/check", None, VIEWERS, 200),
    "standard_report": ("get", "/custodies/standard-report", None, VIEWERS, 200),
    "book_out": (
        "post",
        "/custodies/{parent_custody}/book-out",
        {"outcome": "expelled", "family": True},
        FIELD_WORKERS,
        200,
    ),
    "exception_request": (
        "post",
        "/family-exceptions",
        {
            "custody_id": "{parent_custody}",
            "outcome": "transferred_ice",
            "reason": "Warrant found in NCIC.",
        },
        FIELD_WORKERS,
        201,
    ),
    "exceptions": ("get", "/family-exceptions", None, FIELD_WORKERS, 200),
    "approve": (
        "post",
        "/family-exceptions/{exception}/approve",
        {"note": "Checked and approved."},
        SUPERVISORS,
        200,
    ),
    "deny": (
        "post",
        "/family-exceptions/{exception}/deny",
        {"note": "Checked and refused."},
        SUPERVISORS,
        200,
    ),
    "tasks": ("get", "/reunification-tasks", None, FIELD_WORKERS, 200),
    "task_step": (
        "post",
        "/reunification-tasks/{task}/steps",
        {"step": "contact_made"},
        FIELD_WORKERS,
        200,
    ),
    "task_note": (
        "post",
        "/reunification-tasks/{task}/notes",
        {"text": "Called the aunt in Houston."},
        FIELD_WORKERS,
        200,
    ),
    "close_task": (
        "post",
        "/reunification-tasks/{task}/close",
        {"note": "Family reunited at the shelter."},
        FIELD_WORKERS,
        200,
    ),
    "person": ("get", "/people/{person}", None, VIEWERS, 200),
    "person_search": ("get", "/people?q=Lopez", None, VIEWERS, 200),
    "person_update": ("patch", "/people/{person}", {"languages": ["es", "en"]}, FIELD_WORKERS, 200),
    "family_unit": ("get", "/family-units/{unit}", None, VIEWERS, 200),
    "family_search": ("get", "/family-units?q=Lopez", None, VIEWERS, 200),
}


@pytest.fixture
def world(
    user_of: Callable[..., User],
    family_doc: dict[str, Any],
    adult_doc: dict[str, Any],
    child_doc: dict[str, Any],
) -> dict[str, Any]:
    """Data every endpoint can act on, made by users who are not the caller."""
    maker = user_of("officer", "maker")
    boss = user_of("supervisor", "boss")
    family = services.encounter_record(
        actor=maker, prepared=services.prepare_encounter(family_doc)
    ).encounter
    services.decision_confirm(actor=maker, encounter_id=family.pk)
    parent, child = family.custodies.order_by("id")
    decided = services.encounter_record(
        actor=maker, prepared=services.prepare_encounter(child_doc)
    ).encounter
    adult_doc["time"] = "12:30"
    overridden = services.encounter_record(
        actor=maker, prepared=services.prepare_encounter(adult_doc)
    ).encounter
    override = services.decision_override(
        actor=maker,
        encounter_id=overridden.pk,
        authority="title_8",
        pathway="processing",
        destination=None,
        reason="Visible injuries need care.",
    )
    exception = services.family_exception_request(
        actor=maker,
        custody_id=child.pk,
        outcome="transferred_orr",
        reason="Child needs hospital care now.",
    )
    # A second family, whose approved exception opened a reunification task.
    family_doc["time"] = "08:00"
    other = services.encounter_record(
        actor=maker, prepared=services.prepare_encounter(family_doc)
    ).encounter
    services.decision_confirm(actor=maker, encounter_id=other.pk)
    other_child = other.custodies.order_by("id")[1]
    approved = services.family_exception_request(
        actor=maker,
        custody_id=other_child.pk,
        outcome="transferred_orr",
        reason="Child needs hospital care now.",
    )
    services.family_exception_approve(actor=boss, exception_id=approved.pk, note="Verified by EMT.")
    return {
        "decided": decided.pk,
        "override": override.pk,
        "parent_custody": parent.pk,
        "exception": exception.pk,
        "task": ReunificationTask.objects.get().pk,
        "person": parent.person_id,
        "unit": family.family_unit_id,
        "adult_doc": {**adult_doc, "time": "13:45"},
    }


def fill(template: Any, world: dict[str, Any]) -> Any:
    if isinstance(template, str):
        if template in world and not isinstance(world[template], int):
            return world[template]
        filled = template.format(**world)
        return int(filled) if template.startswith("{") and filled.isdigit() else filled
    if isinstance(template, dict):
        return {k: fill(v, world) for k, v in template.items()}
    return template


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {
        m.__name__: sorted(repr(sorted(r.items())) for r in m.objects.values())  # type: ignore[misc]
        for m in STATE_MODELS
    }


@pytest.mark.parametrize("role", [None, *ROLES])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_authorization_matrix(
    world: dict[str, Any],
    user_of: Callable[..., User],
    api_as: Callable[..., Any],
    endpoint: str,
    role: str | None,
) -> None:
    method, path, body, allowed, success = ENDPOINTS[endpoint]
    user = user_of(role) if role else None
    client = api_as(user)
    before = snapshot()
    refusals = AuditEntry.objects.filter(action=AuditAction.REFUSED).count()
    path = fill(path, world)
    if method == "get":
        base, _, query = path.partition("?")
        params = dict(p.split("=") for p in query.split("&")) if query else {}
        res = client.get(base, **params)
    elif method == "patch":
        res = client.patch(path, fill(body, world))
    else:
        res = client.post(path, fill(body, world))
    if role is None:
        assert res.status_code == 401, (endpoint, res.content)
    elif role in allowed:
        assert res.status_code == success, (endpoint, role, res.content)
        return
    else:
        assert res.status_code == 403, (endpoint, role, res.content)
        assert AuditEntry.objects.filter(action=AuditAction.REFUSED).count() == refusals + 1
        assert AuditEntry.objects.latest("id").actor == user
    payload = res.json()
    assert list(payload) == ["errors"]
    assert payload["errors"][0]["code"] in ("unauthenticated", "forbidden")
    assert "María" not in res.content.decode() and "López" not in res.content.decode()
    assert snapshot() == before
