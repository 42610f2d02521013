"""Every processing list filters, sorts and pages at 50, and its CSV export has the same rows
as the page (ids and codes only, audited, refused to a role that may not see the list)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from asilo.web.audit.models import AuditAction, AuditEntry
from asilo.web.encounters import services
from asilo.web.encounters.models import (
    ExceptionStatus,
    FamilyException,
    Override,
    ReunificationTask,
)

pytestmark = pytest.mark.django_db


def _adults(officer: Any, count: int) -> list[int]:
    ids = []
    for i in range(count):
        ids.append(
            services.encounter_record(
                actor=officer,
                prepared=services.prepare_encounter(
                    {
                        "date": f"2022-05-{1 + i // 24:02d}",
                        "time": f"{i % 24:02d}:15",
                        "place": {"kind": "between_ports", "name": "El Paso"},
                        "people": [
                            {
                                "age": 30,
                                "nationality": "MEX",
                                "given_names": "Zacarías",
                                "first_surname": "Pérez",
                            }
                        ],
                    }
                ),
            ).encounter.pk
        )
    return ids


def _ids(page: str, attribute: str) -> list[str]:
    return re.findall(rf'data-{attribute}="(\d+)"', page)


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _last_export() -> AuditEntry:
    return AuditEntry.objects.filter(action=AuditAction.EXPORT).latest("id")


def test_encounters_and_overrides_page_at_fifty_sort_filter_and_export_the_page(
    make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    officer = make_user("officer", "lists-officer")
    supervisor = make_user("supervisor", "lists-supervisor")
    ids = _adults(officer, 52)
    for encounter_id in ids[:51]:
        services.decision_override(
            actor=officer,
            encounter_id=encounter_id,
            authority="title_8",
            pathway="processing",
            destination=None,
            reason="A written reason long enough for the record.",
        )
    client = client_as(officer)
    url = reverse("processing:encounter_list")

    newest = client.get(url).content.decode()
    assert len(_ids(newest, "encounter")) == 50
    assert 'rel="next"' in newest and 'rel="prev"' not in newest
    oldest = client.get(url, {"order": "oldest"}).content.decode()
    assert _ids(oldest, "encounter")[:3] == [str(i) for i in ids[:3]]
    second = client.get(url, {"order": "oldest", "page": 2}).content.decode()
    assert _ids(second, "encounter") == [str(i) for i in ids[50:]]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    decided = client.get(url, {"status": "decided"}).content.decode()
    assert _ids(decided, "encounter") == [str(ids[51])]

    table = _csv(client.get(url, {"order": "oldest", "page": 2, "format": "csv"}))
    assert [r["encounter"] for r in table] == _ids(second, "encounter")
    assert {r["place"] for r in table} == {"El Paso"}
    text = client.get(url, {"format": "csv"}).content.decode()
    assert "Zacarías" not in text and "Pérez" not in text  # no names in an export
    entry = _last_export()
    assert entry.object_type == "encounters.encounter"
    assert entry.after["rows"] == 50 and entry.after["filters"]["order"] == "newest"

    boss = client_as(supervisor)
    overrides = reverse("processing:override_list")
    pending = boss.get(overrides).content.decode()
    assert len(_ids(pending, "override")) == 50 and 'rel="next"' in pending
    rest = boss.get(overrides, {"page": 2}).content.decode()
    assert len(_ids(rest, "override")) == 1
    first = Override.objects.order_by("id").first()
    assert first is not None
    assert _ids(rest, "override") == [str(first.pk)]  # newest first: the oldest is last
    services.override_review(
        actor=supervisor, override_id=first.pk, verdict="upheld", note="Reviewed and upheld."
    )
    reviewed = boss.get(overrides, {"review": "reviewed"}).content.decode()
    assert _ids(reviewed, "override") == [str(first.pk)]
    assert len(_ids(boss.get(overrides).content.decode(), "override")) == 50
    everything = boss.get(overrides, {"review": "all", "order": "oldest"}).content.decode()
    assert _ids(everything, "override")[0] == str(first.pk)

    exported = _csv(boss.get(overrides, {"review": "all", "order": "oldest", "format": "csv"}))
    assert [r["override"] for r in exported] == _ids(everything, "override")
    assert exported[0]["verdict"] == "upheld" and exported[1]["verdict"] == ""
    assert "reason" not in exported[0]  # free text stays on the page
    entry = _last_export()
    assert entry.object_type == "encounters.override"
    assert entry.after["filters"] == {"review": "all", "order": "oldest", "page": 1}


def _family_with_exception(officer: Any, family: dict[str, Any]) -> FamilyException:
    encounter = services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(family)
    ).encounter
    services.decision_confirm(actor=officer, encounter_id=encounter.pk)
    mother = encounter.custodies.order_by("id").first()
    assert mother is not None
    return services.family_exception_request(
        actor=officer,
        custody_id=mother.pk,
        outcome="transferred_ice",
        reason="An outstanding warrant requires ICE.",
    )


def test_exceptions_and_tasks_page_at_fifty_filter_and_export_the_page(
    make_user: Callable[..., Any],
    client_as: Callable[..., Client],
    family_document: dict[str, Any],
) -> None:
    officer = make_user("officer", "exc-officer")
    supervisor = make_user("supervisor", "exc-supervisor")
    first = _family_with_exception(officer, family_document)
    services.family_exception_approve(
        actor=supervisor, exception_id=first.pk, note="Warrant confirmed by the duty judge."
    )
    # Fifty more requests on the same custody (rows of a list; the services allow one pending
    # request at a time, which does not matter to how a list pages).
    FamilyException.objects.bulk_create(
        FamilyException(
            custody_id=first.custody_id,
            outcome="released_nta",
            reason=f"Request number {i} for the list.",
            requested_by=officer,
        )
        for i in range(50)
    )
    client = client_as(officer)
    url = reverse("processing:exception_list")
    page = client.get(url).content.decode()
    assert len(_ids(page, "exception")) == 50
    assert 'rel="next"' in page
    last = client.get(url, {"page": 2}).content.decode()
    assert _ids(last, "exception") == [str(first.pk)]
    approved = client.get(url, {"status": ExceptionStatus.APPROVED}).content.decode()
    assert _ids(approved, "exception") == [str(first.pk)]
    one = client.get(url, {"id": first.pk}).content.decode()
    assert _ids(one, "exception") == [str(first.pk)]
    oldest = client.get(url, {"order": "oldest"}).content.decode()
    assert _ids(oldest, "exception")[0] == str(first.pk)

    exported = _csv(client.get(url, {"page": 2, "format": "csv"}))
    assert [r["exception"] for r in exported] == _ids(last, "exception")
    task = ReunificationTask.objects.get()
    assert exported[0]["reunification_task"] == str(task.pk)
    assert exported[0]["status"] == "approved"
    assert _last_export().object_type == "encounters.familyexception"

    # The reunification tasks: their own filter and export (parameters prefixed ``t-``).
    assert _ids(page, "task") == [str(task.pk)]
    closed = client.get(url, {"t-status": "closed"}).content.decode()
    assert _ids(closed, "task") == [] and len(_ids(closed, "exception")) == 50
    tasks = _csv(client.get(url, {"t-status": "open", "t-format": "csv"}))
    assert [r["task"] for r in tasks] == [str(task.pk)]
    assert tasks[0]["exception"] == str(first.pk) and tasks[0]["notes"] == "0"
    entry = _last_export()
    assert entry.object_type == "encounters.reunificationtask"
    assert entry.after["filters"]["status"] == "open"


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("processing:encounter_list", {"format": "csv"}),
        ("processing:custody_list", {"format": "csv"}),
        ("processing:override_list", {"format": "csv"}),
        ("processing:exception_list", {"format": "csv"}),
        ("processing:exception_list", {"t-format": "csv"}),
    ],
)
def test_a_role_that_may_not_see_a_list_may_not_export_it(
    make_user: Callable[..., Any], client_as: Callable[..., Client], name: str, params: dict
) -> None:
    analyst = make_user("analyst", "lists-analyst")
    response = client_as(analyst).get(reverse(name), params)
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_an_officer_may_not_export_the_overrides_of_others(
    make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    officer = make_user("officer", "lists-officer-2")
    response = client_as(officer).get(reverse("processing:override_list"), {"format": "csv"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_notifications_page_at_fifty_and_filter_unread(
    make_user: Callable[..., Any],
    client_as: Callable[..., Client],
    family_document: dict[str, Any],
) -> None:
    from asilo.web.encounters.models import NotificationKind, StaffNotification

    officer = make_user("officer", "notes-officer")
    supervisor = make_user("supervisor", "notes-supervisor")
    exception = _family_with_exception(officer, family_document)
    services.family_exception_deny(
        actor=supervisor, exception_id=exception.pk, note="No warrant on file today."
    )
    StaffNotification.objects.bulk_create(
        StaffNotification(
            recipient=officer, kind=NotificationKind.EXCEPTION_DENIED, exception=exception
        )
        for _i in range(50)
    )
    client = client_as(officer)
    url = reverse("processing:notifications")
    page = client.get(url).content.decode()
    assert len(_ids(page, "notification")) == 50 and 'rel="next"' in page
    assert len(_ids(client.get(url, {"page": 2}).content.decode(), "notification")) == 1
    assert f"?id={exception.pk}#exception-{exception.pk}" in page
    client.post(url)
    assert _ids(client.get(url, {"show": "unread"}).content.decode(), "notification") == []
