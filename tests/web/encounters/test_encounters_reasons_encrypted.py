"""Override and family-exception reasons are encrypted at rest (issue 11, data protection).

Before: ``reason`` was a plain ``TextField``; the raw column held the officer's words about the
person ("Outstanding warrant ... for the mother") in clear. Now the columns hold Fernet tokens,
the application reads the text back unchanged (pages, API), and no audit entry copies it.

(Until the migrations were squashed, a second test here ran migration ``encounters.0006`` back
and forth over rows written in clear; a database created today writes every reason encrypted.)
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from asilo.web.accounts.models import User
from asilo.web.audit.models import AuditEntry
from asilo.web.encounters import services
from asilo.web.encounters.models import FamilyException, Override

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
