"""Who may open each border-processing page and who may post to it.

Anonymous users are sent to sign in; each role gets 200 or 403 by its capabilities; a refused
POST changes nothing (and the refusal is audited).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from asilo.web.audit.models import AuditEntry
from asilo.web.core.roles import ROLE_CAPABILITIES, Capability
from asilo.web.encounters import services
from asilo.web.encounters.models import (
    Custody,
    Encounter,
    EncounterStatus,
    FamilyException,
    Override,
)

pytestmark = pytest.mark.django_db

ROLES = list(ROLE_CAPABILITIES)


def allowed(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES[role]


@pytest.fixture
def world(
    record: Callable[..., Any], make_user: Callable[..., Any], child_document: dict[str, Any]
) -> dict[str, Any]:
    """A family encounter (confirmed), a child's encounter overridden, and an exception."""
    family = record()
    officer = family.recorded_by
    services.decision_confirm(actor=officer, encounter_id=family.pk)
    child = record(child_document)
    override = services.decision_override(
        actor=officer,
        encounter_id=child.pk,
        authority="title_8",
        pathway="processing",
        destination=None,
        reason="The child's mother is waiting at the port; processing keeps them together.",
    )
    custody = family.custodies.order_by("id").first()
    exception = services.family_exception_request(
        actor=officer,
        custody_id=custody.pk,
        outcome="transferred_ice",
        reason="A warrant requires ICE custody for the parent while the child is released.",
    )
    return {
        "family": family,
        "child": child,
        "override": override,
        "custody": custody,
        "exception": exception,
        "person": custody.person_id,
        "unit": family.family_unit_id,
    }


PAGES: list[tuple[str, Capability, Callable[[dict[str, Any]], list[Any]]]] = [
    ("processing:dashboard", Capability.ENCOUNTER_VIEW, lambda w: []),
    ("processing:custody_list", Capability.ENCOUNTER_VIEW, lambda w: []),
    ("processing:encounter_new", Capability.ENCOUNTER_RECORD, lambda w: []),
    ("processing:encounter_detail", Capability.ENCOUNTER_VIEW, lambda w: [w["family"].pk]),
    ("processing:person_detail", Capability.PERSON_VIEW, lambda w: [w["person"]]),
    ("processing:family_detail", Capability.PERSON_VIEW, lambda w: [w["unit"]]),
    ("processing:override_list", Capability.OVERRIDE_REVIEW, lambda w: []),
    ("processing:exception_list", Capability.CUSTODY_MANAGE, lambda w: []),
    ("processing:book_out", Capability.CUSTODY_MANAGE, lambda w: [w["custody"].pk]),
]


@pytest.mark.parametrize(("name", "capability", "args"), PAGES, ids=[p[0] for p in PAGES])
def test_anonymous_is_sent_to_sign_in(
    world: dict[str, Any], client_as: Callable[..., Any], name: str, capability: Any, args: Any
) -> None:
    url = reverse(name, args=args(world))
    response = client_as(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "capability", "args"), PAGES, ids=[p[0] for p in PAGES])
def test_each_role_gets_the_page_or_403(
    world: dict[str, Any],
    make_user: Callable[..., Any],
    client_as: Callable[..., Any],
    role: str,
    name: str,
    capability: Capability,
    args: Any,
) -> None:
    user = make_user(role)
    response = client_as(user).get(reverse(name, args=args(world)))
    assert response.status_code == (200 if allowed(role, capability) else 403)
    if response.status_code == 403:
        assert AuditEntry.objects.filter(actor=user, action="refused").exists()


def _state() -> tuple[Any, ...]:
    return (
        Encounter.objects.count(),
        tuple(Encounter.objects.order_by("id").values_list("status", flat=True)),
        tuple(Override.objects.order_by("id").values_list("verdict", flat=True)),
        tuple(Custody.objects.order_by("id").values_list("outcome", flat=True)),
        tuple(FamilyException.objects.order_by("id").values_list("status", flat=True)),
    )


POSTS: list[tuple[str, Capability, Callable[[dict[str, Any]], tuple[list[Any], dict[str, Any]]]]]
POSTS = [
    (
        "processing:encounter_new",
        Capability.ENCOUNTER_RECORD,
        lambda w: (
            [],
            {
                "action": "decide",
                "date": "2022-05-10",
                "place": "between_ports|El Paso",
                "m-TOTAL_FORMS": "1",
                "m-INITIAL_FORMS": "0",
                "m-0-age": "30",
                "m-0-nationality": "MEX",
                "m-0-sex": "unknown",
            },
        ),
    ),
    (
        "processing:encounter_confirm",
        Capability.DECISION_CONFIRM,
        lambda w: ([w["extra"].pk], {}),
    ),
    (
        "processing:encounter_override",
        Capability.DECISION_OVERRIDE,
        lambda w: (
            [w["extra"].pk],
            {
                "authority": "title_8",
                "pathway": "processing",
                "reason": "A written reason long enough for the service.",
            },
        ),
    ),
    (
        "processing:override_review",
        Capability.OVERRIDE_REVIEW,
        lambda w: (
            [w["override"].pk],
            {f"o{w['override'].pk}-verdict": "upheld", f"o{w['override'].pk}-note": ""},
        ),
    ),
    (
        "processing:book_out",
        Capability.CUSTODY_MANAGE,
        lambda w: ([w["custody"].pk], {"outcome": "released_nta"}),
    ),
    (
        "processing:exception_request",
        Capability.CUSTODY_MANAGE,
        lambda w: (
            [w["family"].custodies.order_by("id").last().pk],
            {"x-outcome": "transferred_orr", "x-reason": "A reason that is long enough here."},
        ),
    ),
    (
        "processing:exception_decide",
        Capability.FAMILY_EXCEPTION_APPROVE,
        lambda w: (
            [w["exception"].pk],
            {
                f"e{w['exception'].pk}-decision": "approve",
                f"e{w['exception'].pk}-note": "Warrant confirmed by the duty supervisor.",
            },
        ),
    ),
]


REFUSED_POSTS = [
    pytest.param(role, *post, id=f"{role}-{post[0]}")
    for post in POSTS
    for role in ROLES
    if not allowed(role, post[1])
]


@pytest.mark.parametrize(("role", "name", "capability", "data"), REFUSED_POSTS)
def test_refused_post_changes_nothing(
    world: dict[str, Any],
    record: Callable[..., Any],
    child_document: dict[str, Any],
    make_user: Callable[..., Any],
    client_as: Callable[..., Any],
    role: str,
    name: str,
    capability: Capability,
    data: Any,
) -> None:
    world["extra"] = record(child_document)
    args, body = data(world)
    before = _state()
    user = make_user(role)
    response = client_as(user).post(reverse(name, args=args), body)
    assert response.status_code == 403
    assert _state() == before
    assert AuditEntry.objects.filter(actor=user, action="refused").exists()


def test_anonymous_post_changes_nothing(world: dict[str, Any], client_as: Any) -> None:
    before = _state()
    response = client_as(None).post(
        reverse("processing:encounter_confirm", args=[world["child"].pk])
    )
    assert response.status_code == 302
    assert _state() == before
    world["child"].refresh_from_db()
    assert world["child"].status == EncounterStatus.OVERRIDDEN


def test_a_refusal_names_the_object_in_the_address_and_a_wrong_method_is_no_refusal(
    world: dict[str, Any], make_user: Callable[..., Any], client_as: Callable[..., Any]
) -> None:
    """The page's right is checked after its method: a GET to a POST-only page is 405 and
    audits nothing; a refused POST is audited on the object the address names."""
    analyst = make_user("analyst")
    client = client_as(analyst)
    decide = reverse("processing:exception_decide", args=[world["exception"].pk])
    assert client.get(decide).status_code == 405
    assert not AuditEntry.objects.filter(actor=analyst, action="refused").exists()
    assert client.post(decide, {}).status_code == 403
    (refusal,) = AuditEntry.objects.filter(actor=analyst, action="refused")
    assert (refusal.object_type, refusal.object_id) == (
        "encounters.familyexception",
        str(world["exception"].pk),
    )
    custody = world["custody"].pk
    assert client.post(reverse("processing:exception_request", args=[custody])).status_code == 403
    latest = AuditEntry.objects.filter(actor=analyst, action="refused").latest("pk")
    assert (latest.object_type, latest.object_id) == ("encounters.custody", str(custody))
