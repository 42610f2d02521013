"""Override and family-exception reasons are encrypted at rest (issue 11, data protection).

Before: ``reason`` was a plain ``TextField``; the raw column held the officer's words about the
person ("Outstanding warrant ... for the mother") in clear. Now the columns hold Fernet tokens,
the application reads the text back unchanged (pages, API), and no audit entry copies it.

(Until the migrations were squashed, a second test here ran migration ``encounters.0006`` back
and forth over rows written in clear; a database created today writes every reason encrypted.)
"""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.db import connection

from asilo.web.accounts.models import User
from asilo.web.audit.models import AuditEntry
from asilo.web.encounters import services
from asilo.web.encounters.models import FamilyException, Override, ReunificationTask

OVERRIDE_REASON = "Medical emergency seen at primary inspection; pregnant, 34 weeks."
EXCEPTION_REASON = "Outstanding warrant confirmed in NCIC for the mother."

FAMILY: dict[str, Any] = {
    "date": "2021-03-10",
    "time": "14:30",
    "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
    "people": [
        {"age": 32, "nationality": "HND", "role": "adult", "relationship": "parent",
         "given_names": "Reina", "first_surname": "Castillo", "sex": "female"},
        {"age": 9, "nationality": "HND", "role": "child", "given_names": "Ángel",
         "first_surname": "Castillo", "sex": "male"},
    ],
    "manifests_fear": True,
}  # fmt: skip
ADULT: dict[str, Any] = {
    "date": "2022-05-10",
    "time": "11:00",
    "place": {"kind": "port_of_entry", "name": "San Ysidro"},
    "people": [{"age": 40, "nationality": "MEX", "given_names": "Jorge", "first_surname": "Paz"}],
}


def _seed(officer: User) -> tuple[Override, FamilyException]:
    adult = services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(ADULT)
    ).encounter
    override = services.decision_override(
        actor=officer,
        encounter_id=adult.pk,
        authority="title_8",
        pathway="processing",
        destination=None,
        reason=OVERRIDE_REASON,
    )
    family = services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(FAMILY)
    ).encounter
    services.decision_confirm(actor=officer, encounter_id=family.pk)
    mother = family.custodies.order_by("id").first()
    assert mother is not None
    exception = services.family_exception_request(
        actor=officer, custody_id=mother.pk, outcome="transferred_ice", reason=EXCEPTION_REASON
    )
    return override, exception


def _raw(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT reason FROM {table} WHERE id = %s", [pk])
        row = cursor.fetchone()
    assert row is not None
    return str(row[0])


def _assert_encrypted(override: Override, exception: FamilyException) -> None:
    for table, pk, clear in (
        ("encounters_override", override.pk, OVERRIDE_REASON),
        ("encounters_familyexception", exception.pk, EXCEPTION_REASON),
    ):
        raw = _raw(table, pk)
        assert raw.startswith("gAAAA"), raw  # a Fernet token
        for word in ("Medical", "pregnant", "warrant", "NCIC", "mother"):
            assert word.lower() not in raw.lower()
        assert clear not in raw
    assert Override.objects.get(pk=override.pk).reason == OVERRIDE_REASON
    assert FamilyException.objects.get(pk=exception.pk).reason == EXCEPTION_REASON


@pytest.mark.django_db
def test_reasons_are_fernet_tokens_in_the_database_and_read_back(
    officer: User, supervisor: User, api_as: Any, client_as: Any, make_user: Any
) -> None:
    override, exception = _seed(officer)
    _assert_encrypted(override, exception)
    # The supervisor reads them unchanged through the API and on the processing pages.
    api = api_as(supervisor)
    overrides = api.get("/overrides").json()["overrides"]
    assert [o["reason"] for o in overrides] == [OVERRIDE_REASON]
    exceptions = api.get("/family-exceptions").json()["exceptions"]
    assert [x["reason"] for x in exceptions] == [EXCEPTION_REASON]
    page = client_as(supervisor)
    assert OVERRIDE_REASON in page.get("/processing/overrides/?review=all").content.decode()
    assert EXCEPTION_REASON in page.get("/processing/exceptions/").content.decode()
    # The admin site: neither the administrator nor the auditor may open these records
    # (403); a Django superuser (``createsuperuser``) sees the read-only page without it.
    superuser = User.objects.create_superuser("root-reasons", password=None, role="admin")
    for who, status in (
        (make_user("admin", "admin-reasons"), 403),
        (make_user("auditor", "auditor-reasons"), 403),
        (superuser, 200),
    ):
        staff = client_as(who)
        for path in (
            f"/admin/encounters/override/{override.pk}/change/",
            f"/admin/encounters/familyexception/{exception.pk}/change/",
        ):
            answer = staff.get(path)
            assert answer.status_code == status, (who.username, path)
            text = answer.content.decode()
            assert OVERRIDE_REASON not in text and EXCEPTION_REASON not in text
            assert "gAAAA" not in text
    # No audit entry copies a reason (before, after or note), in clear or otherwise.
    for entry in AuditEntry.objects.all():
        stored = f"{entry.before} {entry.after} {entry.note}"
        assert "warrant" not in stored and "Medical" not in stored


REVIEW_NOTE = "Overturned: the mother's medical file shows no emergency at the port."
DECISION_NOTE = "Approved: the mother is held on the warrant; the child goes to ORR."
TASK_NOTE = "Called the aunt in Houston; she will sponsor the boy."
CLOSING_NOTE = "Reunited with the aunt in Houston on the third day."
#: Words of the notes, as written: long enough (and compared case by case) that a Fernet
#: token, random base64, does not hold one by chance ("orr" in any case did, about 1 run in 60).
NOTES_IN_CLEAR = ("medical", "warrant", "Houston", "sponsor", "Reunited")


@pytest.mark.django_db
def test_staff_notes_are_fernet_tokens_in_the_database_and_read_back(
    officer: User, supervisor: User, api_as: Any, client_as: Any, make_user: Any
) -> None:
    override, exception = _seed(officer)
    services.override_review(
        actor=supervisor, override_id=override.pk, verdict="overturned", note=REVIEW_NOTE
    )
    services.family_exception_approve(
        actor=supervisor, exception_id=exception.pk, note=DECISION_NOTE
    )
    task = ReunificationTask.objects.get(exception=exception)
    note = services.reunification_task_note(actor=supervisor, task_id=task.pk, text=TASK_NOTE)
    services.reunification_task_close(actor=supervisor, task_id=task.pk, note=CLOSING_NOTE)
    for table, column, pk in (
        ("encounters_override", "review_note", override.pk),
        ("encounters_familyexception", "decision_note", exception.pk),
        ("encounters_reunificationtask", "closing_note", task.pk),
        ("encounters_reunificationnote", "text", note.pk),
    ):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
            raw = str(cursor.fetchone()[0])
        assert raw.startswith("gAAAA"), (table, raw)
        assert not any(word in raw for word in NOTES_IN_CLEAR), table
    # The API answers them unchanged.
    api = api_as(supervisor)
    [listed] = api.get("/overrides?reviewed=true").json()["overrides"]
    assert listed["review_note"] == REVIEW_NOTE
    [decided] = api.get("/family-exceptions?status=approved").json()["exceptions"]
    assert decided["decision_note"] == DECISION_NOTE
    [closed] = api.get("/reunification-tasks?status=closed").json()["tasks"]
    assert closed["closing_note"] == CLOSING_NOTE
    assert [n["text"] for n in closed["notes"]] == [TASK_NOTE]
    # The processing pages show them (decrypted), as they did.
    page = client_as(supervisor).get("/processing/exceptions/").content.decode()
    for clear in (DECISION_NOTE, TASK_NOTE, CLOSING_NOTE):
        assert html.escape(clear) in page, clear
    # The admin site leaves them out, as it does the reasons; no audit entry copies them.
    superuser = User.objects.create_superuser("root-notes", password=None, role="admin")
    staff = client_as(superuser)
    for path in (
        f"/admin/encounters/override/{override.pk}/change/",
        f"/admin/encounters/familyexception/{exception.pk}/change/",
        f"/admin/encounters/reunificationtask/{task.pk}/change/",
    ):
        text = staff.get(path).content.decode()
        assert not any(clear in text for clear in (REVIEW_NOTE, DECISION_NOTE, CLOSING_NOTE))
        assert "gAAAA" not in text
    for entry in AuditEntry.objects.all():
        stored = f"{entry.before} {entry.after} {entry.note}"
        assert not any(word in stored for word in ("warrant", "Houston", "aunt"))
