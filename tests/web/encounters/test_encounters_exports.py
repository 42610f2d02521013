"""The list exports as declared tables: each column's cell read from the row (an empty cell
where a related row is missing), and the rows taken only under the export's own keyword."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from asilo.web.audit.models import AuditAction, AuditEntry
from asilo.web.encounters import services
from asilo.web.encounters.models import Encounter, FamilyException

pytestmark = pytest.mark.django_db


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_an_exception_without_a_task_has_an_empty_task_cell_and_one_with_a_task_its_id(
    users: dict[str, Any], family_doc: dict[str, Any]
) -> None:
    officer, supervisor = users["officer"], users["supervisor"]
    encounter = services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(family_doc)
    ).encounter
    services.decision_confirm(actor=officer, encounter_id=encounter.pk)
    custody = encounter.custodies.order_by("id").first()
    assert custody is not None
    asked = services.family_exception_request(
        actor=officer,
        custody_id=custody.pk,
        outcome="transferred_ice",
        reason="An outstanding warrant requires ICE.",
    )
    text = services.family_exception_list_export(
        actor=officer, exceptions=[asked], filters={"status": "pending"}
    )
    (row,) = _rows(text)
    assert row["exception"] == str(asked.pk) and row["reunification_task"] == ""
    assert row["person"] == str(custody.person_id)
    assert row["encounter"] == str(encounter.pk)

    services.family_exception_approve(
        actor=supervisor, exception_id=asked.pk, note="Warrant confirmed by the duty judge."
    )
    approved = FamilyException.objects.select_related("reunification_task").get(pk=asked.pk)
    (row,) = _rows(
        services.family_exception_list_export(actor=officer, exceptions=[approved], filters={})
    )
    assert row["reunification_task"] == str(approved.reunification_task.pk)
    assert row["status"] == "approved"
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).order_by("-id").first()
    assert entry is not None
    assert entry.after == {
        "rows": 1,
        "filters": {},
        "columns": list(services.family_exception_list_export.columns),
    }


def test_an_encounter_without_a_decision_row_exports_empty_decision_cells(
    users: dict[str, Any], adult_doc: dict[str, Any]
) -> None:
    officer = users["officer"]
    services.encounter_record(actor=officer, prepared=services.prepare_encounter(adult_doc))
    encounter = Encounter.objects.prefetch_related("participants").get()
    encounter.decision.delete()
    bare = Encounter.objects.prefetch_related("participants").get()
    (row,) = _rows(services.encounter_list_export(actor=officer, encounters=[bare], filters={}))
    assert row["people"] == "1" and row["place"] == encounter.place_name
    assert [row[c] for c in ("authority", "pathway", "demographic", "catalogue_version")] == [
        "",
        "",
        "",
        "",
    ]


def test_the_rows_come_only_under_the_exports_own_keyword(users: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="clocks="):
        services.custody_list_export(actor=users["officer"], filters={}, rows=[])
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()
